'use strict';
/*
 * Autocomplete list filters (courses/admin_filters.py): choosing a result, or
 * clearing the box, reloads the change list with the filter set or removed,
 * keeping the other filters and the search. Django's autocomplete.js turns the
 * selects into search boxes; select2 reports choices as jQuery events.
 */
(function () {
  const $ = django.jQuery;
  $(function () {
    $('select.athena-autocomplete-filter').on('change', function () {
      const url = new URL(window.location.href);
      url.searchParams.delete(this.dataset.parameter);
      url.searchParams.delete('p');
      if (this.value) {
        url.searchParams.set(this.dataset.parameter, this.value);
      }
      window.location.assign(url.toString());
    });
  });
})();

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
    // select2 names its search box after the current choice only; say which
    // filter it is too ("Filter by user"), for screen readers.
    $('select.athena-autocomplete-filter').each(function () {
      const box = $(this).next('.select2').find('.select2-selection');
      const choice = box.attr('aria-labelledby');
      box.attr('aria-labelledby', `${this.id}-label${choice ? ` ${choice}` : ''}`);
      box.find('.select2-selection__rendered').attr('aria-labelledby', `${this.id}-label`);
    });
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

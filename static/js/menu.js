/* The phone header's "Menu" button is a <details>: it opens and closes
   without this file. This adds what a menu is expected to do besides: Escape
   closes it and gives focus back to the button, and so does a tap or a focus
   move outside the header; a page restored from the back/forward cache comes
   back with the menu closed. */
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    var menu = document.querySelector("[data-site-menu]");
    if (!menu) {
      return;
    }
    var header = menu.closest("header") || menu.parentNode;
    var button = menu.querySelector("summary");

    function close(returnFocus) {
      if (!menu.open) {
        return;
      }
      menu.open = false;
      if (returnFocus) {
        button.focus();
      }
    }

    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        close(header.contains(document.activeElement));
      }
    });
    document.addEventListener("click", function (event) {
      if (!header.contains(event.target)) {
        close(false);
      }
    });
    document.addEventListener("focusin", function (event) {
      if (!header.contains(event.target)) {
        close(false);
      }
    });
    window.addEventListener("pageshow", function (event) {
      if (event.persisted) {
        close(false);
      }
    });
  });
})();

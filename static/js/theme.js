/* Light/dark theme: applies the remembered choice before the first paint (this
   file loads synchronously in <head>), then wires the header toggle. Without a
   stored choice the CSS follows the system setting (prefers-color-scheme). */
(function () {
  "use strict";
  var KEY = "athena-theme";
  var root = document.documentElement;

  function stored() {
    try {
      return window.localStorage.getItem(KEY);
    } catch (error) {
      return null; // storage disabled: follow the system
    }
  }

  function remember(theme) {
    try {
      window.localStorage.setItem(KEY, theme);
    } catch (error) {
      /* the choice lasts for this page only */
    }
  }

  function current() {
    if (root.dataset.theme) {
      return root.dataset.theme;
    }
    return window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  var saved = stored();
  if (saved === "light" || saved === "dark") {
    root.dataset.theme = saved;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector("[data-theme-toggle]");
    if (!button) {
      return;
    }
    var label = button.querySelector(".theme-toggle__text");
    // The label says what a press will do, not which theme is on, in the
    // page's language (the template puts both labels on the button).
    var toLight = button.dataset.labelLight || "Switch to light theme";
    var toDark = button.dataset.labelDark || "Switch to dark theme";
    function sync() {
      label.textContent = current() === "dark" ? toLight : toDark;
    }
    button.hidden = false;
    sync();
    button.addEventListener("click", function () {
      var next = current() === "dark" ? "light" : "dark";
      root.dataset.theme = next;
      remember(next);
      sync();
    });
    window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", sync);
  });
})();

// Follows a course request on its status page: polls the job's JSON status every
// two seconds, moves the label and the progress bar, and reloads the page once
// the job has finished (ready or failed), its plan is ready for review, or one
// more module can be read (the page links it). Without JavaScript the page
// reloads itself through a <noscript> refresh.
(function () {
  "use strict";
  var section = document.querySelector("[data-job-status-url]");
  if (!section) return;
  var url = section.getAttribute("data-job-status-url");
  var label = section.querySelector("[data-job-label]");
  var bar = section.querySelector("[data-job-progress]");
  var percentText = section.querySelector("[data-job-percent]");
  var modulesReady = section.getAttribute("data-modules-ready");
  var INTERVAL = 2000;
  var failures = 0;

  function show(status) {
    if (label && label.textContent !== status.label) label.textContent = status.label;
    if (bar) {
      bar.value = status.percent;
      bar.textContent = status.percent + "%";
    }
    if (percentText) percentText.textContent = status.percent + "%";
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (status) {
        failures = 0;
        var moreReady = String(status.modules_ready) !== modulesReady;
        if (status.finished || status.review || moreReady) {
          window.location.reload();
          return;
        }
        show(status);
        window.setTimeout(poll, INTERVAL);
      })
      .catch(function () {
        // A network hiccup: try again, more slowly, and stop after a while.
        failures += 1;
        if (failures < 10) window.setTimeout(poll, INTERVAL * (failures + 1));
      });
  }

  window.setTimeout(poll, INTERVAL);
})();

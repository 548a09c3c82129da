// Follows work the worker is doing, by polling its JSON status (twice a
// second for the first seconds, then every two; more slowly after a network
// hiccup, stopping after a while):
// - a course request's status page ([data-job-status-url]): moves the label and
//   the progress bar, and reloads the page once the job has finished (ready or
//   failed), its plan is ready for review, or one more module can be read (the
//   page links it). Without JavaScript the page reloads itself (<noscript>).
// - a lesson, quiz or module page whose change is being written
//   ([data-rewrite-status-url]): reloads the page once the change is made.
(function () {
  "use strict";
  // Twice a second at first (a plan is ready a model call after asking: it
  // shows within half a second of being made), then every two seconds.
  var FAST = 500;
  var INTERVAL = 2000;
  var FAST_FOR = 15000;
  var started = Date.now();

  function next() {
    return Date.now() - started < FAST_FOR ? FAST : INTERVAL;
  }

  function follow(url, handle) {
    var failures = 0;
    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.json();
        })
        .then(function (status) {
          failures = 0;
          if (handle(status)) {
            window.location.reload();
            return;
          }
          window.setTimeout(poll, next());
        })
        .catch(function () {
          failures += 1;
          if (failures < 10) window.setTimeout(poll, INTERVAL * (failures + 1));
        });
    }
    window.setTimeout(poll, next());
  }

  var section = document.querySelector("[data-job-status-url]");
  if (section) {
    var label = section.querySelector("[data-job-label]");
    var bar = section.querySelector("[data-job-progress]");
    var percentText = section.querySelector("[data-job-percent]");
    var modulesReady = section.getAttribute("data-modules-ready");
    // "{percent}%" in the page's language (the template translates it: "50 %"
    // in German, "50٪" in Arabic); the label comes translated in the JSON.
    var percentFormat = section.getAttribute("data-percent-format") || "{percent}%";
    function percentShown(percent) {
      return percentFormat.replace("{percent}", String(percent));
    }
    // Answers whether the page must reload; else shows the status.
    follow(section.getAttribute("data-job-status-url"), function (status) {
      var moreReady = String(status.modules_ready) !== modulesReady;
      if (status.finished || status.review || moreReady) return true;
      if (label && label.textContent !== status.label) label.textContent = status.label;
      if (bar) {
        bar.value = status.percent;
        bar.textContent = percentShown(status.percent);
      }
      if (percentText) percentText.textContent = percentShown(status.percent);
      return false;
    });
  }

  var banner = document.querySelector("[data-rewrite-status-url]");
  if (banner) {
    follow(banner.getAttribute("data-rewrite-status-url"), function (status) {
      return status.finished;
    });
  }
})();

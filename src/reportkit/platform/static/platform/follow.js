/* The office's background runs (a region's review, an export): the page follows its run in place
   until it is done.  Like the render page (render.js) it never navigates by itself while this script
   runs — a reload racing the user's click on a link could land them back here; when the run is done
   it offers the result as a link (the review's results, the export's zip).  Without JavaScript a
   <noscript> refresh does the following instead. */
(function () {
  "use strict";
  var run = document.getElementById("run");
  if (!run || (run.getAttribute("data-state") !== "queued" && run.getAttribute("data-state") !== "running")) { return; }
  var url = run.getAttribute("data-status-url");

  function show(p) {
    document.getElementById("run-state").textContent = p.state_label || p.state;
    document.getElementById("run-message").textContent = p.message || "";
    run.setAttribute("data-state", p.state);
    if (p.state === "done") {
      document.getElementById("run-done").classList.remove("hidden");
    }
  }

  window.reportkitPoll(url, show, 1500);
}());

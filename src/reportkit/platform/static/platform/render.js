/* The render page: follows the background job until its files are there (the page also
   refreshes itself without JavaScript). */
(function () {
  "use strict";
  var job = document.getElementById("job");
  if (!job || (job.getAttribute("data-state") !== "queued" && job.getAttribute("data-state") !== "running")) { return; }
  var url = job.getAttribute("data-status-url");
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (p) {
        document.getElementById("job-state").textContent = p.state_label;
        document.getElementById("job-step").textContent = p.step;
        if (p.state === "done" || p.state === "failed") { window.location.reload(); return; }
        setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 1000);
}());

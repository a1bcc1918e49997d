/* Follows a background run in place: asks ``url`` for its JSON state every ``every`` ms and hands
   each answer to ``show`` until the run is done or failed (a failed request is asked again later).
   Used by the render page (render.js) and the office's review and export pages (follow.js); the
   pages never navigate by themselves. */
window.reportkitPoll = function (url, show, every) {
  "use strict";
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (p) {
        show(p);
        if (p.state !== "done" && p.state !== "failed") { setTimeout(poll, every); }
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, every);
};

/* The render page: follows the background job in place until its files are there.  The page never
   navigates by itself while this script runs (no reload: a reload racing a click or a link could
   land the user back here); without JavaScript, a <noscript> refresh does the following instead.
   "done" is shown with what the server says of it in the same answer: the files, and the publish
   button when the set can be published now (``publish``, the publish action's own test). */
(function () {
  "use strict";
  var job = document.getElementById("job");
  if (!job || (job.getAttribute("data-state") !== "queued" && job.getAttribute("data-state") !== "running")) { return; }
  var url = job.getAttribute("data-status-url");

  function files(outputs) {
    var list = document.getElementById("job-files");
    list.textContent = "";
    outputs.forEach(function (o) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = o.url;
      a.setAttribute("data-format", o.format);
      a.textContent = o.name;
      var hash = document.createElement("span");
      hash.className = "hash";
      hash.textContent = o.size + " 字节 · SHA-256 " + o.sha256;
      li.appendChild(a);
      li.appendChild(document.createTextNode(" "));
      li.appendChild(hash);
      list.appendChild(li);
    });
  }

  function show(p) {
    document.getElementById("job-state").textContent = p.state_label;
    document.getElementById("job-step").textContent = p.step;
    var message = document.getElementById("job-message");
    message.textContent = p.message || "";
    message.className = (p.state === "failed" ? "refusal" : "hint") + (p.message ? "" : " hidden");
    if (p.state === "done") { files(p.outputs); }
    var publish = document.getElementById("wf-publish");
    if (publish && p.publish) { publish.classList.remove("hidden"); }
    job.setAttribute("data-state", p.state);
  }

  window.reportkitPoll(url, show, 1000);
}());

/* The unit's form: totals as you type, the server's findings at their cells after each change,
   pasting a row or a column into table 三, autosave of drafts, a warning before leaving with
   unsaved edits.  No framework; ES2017 at most (Chromium 90 and later); no inline script (CSP).
   Without JavaScript the page still works: a plain submit saves and shows the findings. */
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form) { return; }
  var checkUrl = form.getAttribute("data-check-url");
  var saveUrl = form.getAttribute("action");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var base = document.getElementById("base");
  var status = document.getElementById("save-status");
  var AUTOSAVE_MS = parseInt(form.getAttribute("data-autosave-ms") || "10000", 10);
  var CHECK_MS = 350;
  var dirty = false, saving = false, conflict = false, submitting = false, submitAfterSave = false;
  var edits = 0, checkSeq = 0, checkTimer = null, saveTimer = null;

  function ascii(text) {
    return text.replace(/[\uff10-\uff19]/g, function (ch) { return String.fromCharCode(ch.charCodeAt(0) - 0xfee0); });
  }

  function intValue(text) {
    var t = ascii(String(text)).replace(/[\s,]/g, "");
    if (t === "") { return 0; }
    return /^[+-]?[0-9]+$/.test(t) ? parseInt(t, 10) : null;
  }

  function byName(name) { return form.elements.namedItem(name); }

  function recompute() {
    var outs = form.querySelectorAll("output[data-sum]");
    for (var i = 0; i < outs.length; i++) {
      var names = outs[i].getAttribute("data-sum").split(" ");
      var total = 0, ok = true;
      for (var j = 0; j < names.length; j++) {
        var el = byName(names[j]);
        var v = el ? intValue(el.value) : null;
        if (v === null) { ok = false; break; }
        total += v;
      }
      outs[i].textContent = ok ? String(total) : "";
    }
  }

  function setStatus(text) { if (status) { status.textContent = text; } }

  function fields() {
    var out = {};
    new FormData(form).forEach(function (value, name) { if (name !== "csrfmiddlewaretoken") { out[name] = value; } });
    return out;
  }

  function send(url) {
    // the inputs as one JSON object (not multipart nor url-encoded: the server reads 200 fields
    // of Chinese prose from JSON many times faster), the CSRF token in its header
    return fetch(url, {
      method: "POST", body: JSON.stringify(fields()), credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "X-Requested-With": "fetch", "Accept": "application/json",
                 "Content-Type": "application/json" }
    });
  }

  function clearFindings() {
    var lists = form.querySelectorAll("ul.at");
    for (var i = 0; i < lists.length; i++) { lists[i].textContent = ""; }
    var marked = form.querySelectorAll(".has-error, .has-warning");
    for (var k = 0; k < marked.length; k++) { marked[k].classList.remove("has-error", "has-warning"); }
    var invalid = form.querySelectorAll("[aria-invalid]");
    for (var m = 0; m < invalid.length; m++) { invalid[m].removeAttribute("aria-invalid"); }
  }

  function showFindings(payload) {
    clearFindings();
    var list = document.getElementById("findings");
    list.textContent = "";
    payload.findings.forEach(function (f) {
      var li = document.createElement("li");
      li.className = f.severity;
      var text = (f.severity === "error" ? "✗ 错误" : "⚠ 警告") + "　" + f.text;
      if (f.anchor) {  // the list links to the input the finding is shown at
        var a = document.createElement("a");
        a.href = "#f-" + f.anchor;
        a.textContent = text;
        li.appendChild(a);
      } else { li.textContent = text; }
      list.appendChild(li);
      var at = document.getElementById("fx-" + f.anchor) || document.getElementById("fx-");
      var item = document.createElement("li");
      item.className = f.severity;
      item.textContent = f.anchor ? f.message : f.text;
      at.appendChild(item);
      var box = form.querySelector('[data-box="' + f.anchor.replace(/"/g, "") + '"]');
      if (box && f.anchor) {
        if (f.severity === "error") { box.classList.remove("has-warning"); box.classList.add("has-error"); }
        else if (!box.classList.contains("has-error")) { box.classList.add("has-warning"); }
        var input = document.getElementById("f-" + f.anchor);
        if (input && input.tagName !== "OUTPUT") { input.setAttribute("aria-invalid", "true"); }
      }
    });
    document.getElementById("count-errors").textContent = String(payload.errors);
    document.getElementById("count-warnings").textContent = String(payload.warnings);
  }

  function check() {
    var mine = ++checkSeq;
    send(checkUrl).then(function (resp) { return resp.json(); }).then(function (payload) {
      if (mine === checkSeq) { showFindings(payload); form.setAttribute("data-checked", String(mine)); }
    }).catch(function () { setStatus("检查失败：无法连接服务器，请稍后再试"); });
  }

  function showConflict(message) {
    conflict = true;
    var box = document.getElementById("conflict-js");
    box.textContent = message;
    box.classList.remove("hidden");
    setStatus("未保存：保存冲突");
  }

  function save() {
    saveTimer = null;
    if (!dirty || conflict) { return; }
    if (saving) { saveTimer = setTimeout(save, 1000); return; }
    saving = true;
    var at = edits;
    setStatus("正在保存草稿…");
    send(saveUrl).then(function (resp) {
      return resp.json().then(function (payload) {
        if (resp.status === 409) { showConflict(payload.message); return; }
        if (!resp.ok) { setStatus("未保存：" + (payload.message || resp.status)); return; }
        base.value = String(payload.version);
        var num = document.getElementById("version-number");
        if (num) { num.textContent = String(payload.version); }
        if (edits === at) { dirty = false; }
        setStatus("已自动保存为第 " + payload.version + " 版（" + new Date().toLocaleTimeString() + "）");
        form.setAttribute("data-saved", String(payload.version));
      });
    }).catch(function () {
      setStatus("未保存：无法连接服务器，稍后自动重试");
    }).then(function () {
      saving = false;
      if (submitAfterSave) { submitting = true; form.submit(); return; }  // the page's own save waited for this one
      if (dirty && !conflict && !saveTimer) { saveTimer = setTimeout(save, AUTOSAVE_MS); }
    });
  }

  function changed() {
    dirty = true;
    edits += 1;
    form.removeAttribute("data-checked");
    setStatus("有未保存的修改");
    recompute();
    if (checkTimer) { clearTimeout(checkTimer); }
    checkTimer = setTimeout(check, CHECK_MS);
    if (!saveTimer && !conflict) { saveTimer = setTimeout(save, AUTOSAVE_MS); }
  }

  // ---------------------------------------------------------------- pasting into table 三

  function cleanCell(text) {
    var v = ascii(text).replace(/[\s\u00a0\u3000]/g, "").replace(/(件|万元|元|个|项|%)$/, "");
    if (/^[-/／—–－]*$/.test(v)) { return ""; }
    return v.replace(/,/g, "");
  }

  function isFigure(v) { return v === "" || /^[+-]?[0-9]+(\.[0-9]+)?$/.test(v); }

  function parsePaste(text) {
    var lines = text.replace(/\r\n?/g, "\n").split("\n");
    while (lines.length && lines[lines.length - 1].trim() === "") { lines.pop(); }
    return lines.map(function (line) {
      var cells;
      if (line.indexOf("\t") >= 0) { cells = line.split("\t"); }
      else if (/[,，;；]/.test(line)) { cells = line.split(/[,，;；]/); }
      else { cells = line.trim().split(/\s+/); }
      cells = cells.map(cleanCell);
      while (cells.length > 1 && !isFigure(cells[0])) { cells.shift(); }  // a row label copied along
      return cells;
    });
  }

  function onPaste(event) {
    var target = event.target;
    if (target.tagName !== "INPUT" || !target.hasAttribute("data-row")) { return; }
    var text = (event.clipboardData || window.clipboardData).getData("text");
    var grid = parsePaste(text || "");
    if (!grid.length || (grid.length === 1 && grid[0].length === 1)) { return; }  // one value: pasted as usual
    event.preventDefault();
    var table = target.closest("table");
    var r0 = parseInt(target.getAttribute("data-row"), 10), c0 = parseInt(target.getAttribute("data-col"), 10);
    var filled = 0;
    grid.forEach(function (cells, dr) {
      cells.forEach(function (value, dc) {
        var el = table.querySelector('input[data-row="' + (r0 + dr) + '"][data-col="' + (c0 + dc) + '"]');
        if (el && !el.readOnly) { el.value = value === "" ? "0" : value; filled += 1; }
      });
    });
    setStatus("已粘贴 " + filled + " 个数字");
    changed();
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", function (e) { if (e.target.type === "checkbox") { changed(); } });
  var pasteTables = form.querySelectorAll("table[data-paste]");
  for (var i = 0; i < pasteTables.length; i++) { pasteTables[i].addEventListener("paste", onPaste); }
  form.addEventListener("submit", function (e) {
    if (saveTimer) { clearTimeout(saveTimer); saveTimer = null; }
    if (saving) { e.preventDefault(); submitAfterSave = true; return; }  // same base: wait, or it would conflict
    submitting = true;
  });
  window.addEventListener("beforeunload", function (e) {
    if (dirty && !submitting) { e.preventDefault(); e.returnValue = ""; return ""; }
    return undefined;
  });
  recompute();
  form.setAttribute("data-ready", "1");
}());

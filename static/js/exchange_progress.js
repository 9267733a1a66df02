// Progress of long imports (webgis/exchange/jobs.py): a form marked data-job is sent with fetch
// under a job key made here; while the server works (one transaction), the job row it writes on
// a connection of its own is polled and shown as a bar: rows done / total and the step. When the
// request ends, the page it redirected to is opened. Without JavaScript the form posts as usual.
(function () {
  "use strict";
  function uuid4() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function panel(form) {
    var el = document.createElement("div");
    el.className = "job-progress";
    el.setAttribute("role", "status");
    el.setAttribute("aria-live", "polite");
    el.innerHTML = '<div class="job-progress__bar"><span></span></div><p class="job-progress__text">正在开始…</p>';
    form.insertAdjacentElement("afterend", el);
    return el;
  }
  function show(el, job) {
    var pct = job.total ? Math.min(100, Math.round(100 * job.done / job.total)) : null;
    el.querySelector(".job-progress__bar span").style.width = (pct === null ? 5 : pct) + "%";
    var unit = /_commit$/.test(job.kind) ? " 步" : " 行";  // a commit reports its set-based steps
    var text = job.total ? "已处理 " + job.done.toLocaleString("zh-CN") + " / " + job.total.toLocaleString("zh-CN") + unit + "（" + pct + "%）"
                         : "已处理 " + job.done.toLocaleString("zh-CN") + unit;
    if (job.message) text += "：" + job.message;
    if (job.status === "failed") text = "未完成：" + (job.message || "导入失败，未写入任何数据");
    el.querySelector(".job-progress__text").textContent = text;
    el.dataset.status = job.status;
  }
  document.querySelectorAll("form[data-job]").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var key = uuid4(), el = panel(form), done = false;
      var field = form.querySelector("input[name=job]") || document.createElement("input");
      field.type = "hidden"; field.name = "job"; field.value = key;
      form.appendChild(field);
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
      var url = form.dataset.job.replace("__KEY__", key);
      function poll() {
        if (done) return;
        fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (job) { if (job && !done) show(el, job); })
          .catch(function () {})
          .then(function () { if (!done) setTimeout(poll, 700); });
      }
      setTimeout(poll, 300);
      fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" })
        .then(function (resp) { done = true; window.location.assign(resp.url); })
        .catch(function () {
          done = true;
          el.querySelector(".job-progress__text").textContent = "连接中断：请刷新页面查看批次状态";
        });
    });
  });
})();

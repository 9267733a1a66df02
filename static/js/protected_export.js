// Protected exports (webgis/exports.py): a form marked data-protected-export is sent with fetch;
// the AES zip downloads and its generated password (X-Document-Password) is shown once.
(function () {
  "use strict";
  function box(form) {
    var el = document.createElement("div");
    el.className = "export-password";
    el.setAttribute("role", "alertdialog");
    el.hidden = true;
    el.innerHTML = '<h3>文档密码（只显示这一次）</h3><p>文件 <span class="export-password__file"></span> 已下载。打开文件需要以下密码：</p>' +
      '<p><code class="export-password__value"></code> <button type="button" class="btn btn--plain btn--small" data-copy>复制</button></p>' +
      '<p class="export-password__note">关闭后无法再次查看；遗失密码只能重新导出。请另行告知接收人，勿与文件一同发送。</p>' +
      '<button type="button" class="btn btn--primary" data-close>我已记下密码</button>';
    form.insertAdjacentElement("afterend", el);
    el.querySelector("[data-close]").addEventListener("click", function () {
      el.querySelector(".export-password__value").textContent = "";
      el.hidden = true;
    });
    el.querySelector("[data-copy]").addEventListener("click", function () {
      var text = el.querySelector(".export-password__value").textContent;
      if (navigator.clipboard) navigator.clipboard.writeText(text);
    });
    return el;
  }
  document.querySelectorAll("form[data-protected-export]").forEach(function (form) {
    var shown = box(form);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var btn = form.querySelector("button[type=submit]");
      btn.disabled = true;
      fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" })
        .then(function (resp) {
          if (!resp.ok) throw new Error("导出失败（" + resp.status + "），请稍后重试");
          var cd = resp.headers.get("Content-Disposition") || "";
          var m = /filename\*=UTF-8''([^;]+)/i.exec(cd);
          var password = resp.headers.get("X-Document-Password");
          return resp.blob().then(function (blob) {
            return { blob: blob, password: password, name: m ? decodeURIComponent(m[1]) : "export.zip" };
          });
        })
        .then(function (res) {
          var url = URL.createObjectURL(res.blob);
          var a = document.createElement("a");
          a.href = url;
          a.download = res.name;
          document.body.appendChild(a);
          a.click();
          a.remove();
          setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
          shown.querySelector(".export-password__file").textContent = res.name;
          shown.querySelector(".export-password__value").textContent = res.password;
          shown.hidden = false;
          shown.scrollIntoView({ block: "nearest" });
        })
        .catch(function (err) { window.alert(err.message); })
        .then(function () { btn.disabled = false; });
    });
  });
})();

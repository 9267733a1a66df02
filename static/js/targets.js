/*
 * The targets page: sorting and expanding the town → village → grid table, the progress
 * chart (Chart.js, vendored) with the campaign stages of seed §三, and the uncovered-buildings
 * list with its filters, paging and export form. Server strings go in as text only.
 */
(function (window, document) {
  "use strict";

  var data = JSON.parse(document.getElementById("tp-data").textContent);

  function el(tag, props) {
    var node = document.createElement(tag);
    if (props) Object.keys(props).forEach(function (k) {
      if (k === "attrs") Object.keys(props.attrs).forEach(function (a) { node.setAttribute(a, props.attrs[a]); });
      else node[k] = props[k];
    });
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined || c === false) continue;
      node.appendChild(typeof c === "object" ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      return r.json().catch(function () { return null; }).then(function (body) {
        if (r.ok && body) return body;
        throw new Error((body && body.error && body.error.message) || "请求失败（" + r.status + "）");
      });
    });
  }

  // --- the table: expand villages, sort by a column --------------------------------------

  var table = document.getElementById("tp-table");
  var groups = Array.prototype.slice.call(table.querySelectorAll("tbody.tt__group"));

  function setOpen(group, open) {
    var btn = group.querySelector(".tt__toggle");
    btn.setAttribute("aria-expanded", open ? "true" : "false");
    group.classList.toggle("is-open", open);
    group.querySelectorAll(".tt__row--grid").forEach(function (row) { row.hidden = !open; });
  }

  groups.forEach(function (group) {
    group.querySelector(".tt__toggle").addEventListener("click", function () {
      setOpen(group, !group.classList.contains("is-open"));
    });
  });
  var expandAll = document.getElementById("tp-expand");
  expandAll.addEventListener("click", function () {
    var open = !groups.every(function (g) { return g.classList.contains("is-open"); });
    groups.forEach(function (g) { setOpen(g, open); });
    expandAll.textContent = open ? "收起全部网格" : "展开全部网格";
  });
  // Few grids (a grid leader, a village): show them all at once.
  if (table.querySelectorAll(".tt__row--grid").length <= 40) {
    groups.forEach(function (g) { setOpen(g, true); });
    expandAll.textContent = "收起全部网格";
  }

  var sortState = { key: null, dir: 1 };

  function sortKey(row, key) {
    if (key === "name") return row.dataset.name || row.parentNode.dataset.name || "";
    var cell = row.children[Number(key)];
    return cell ? Number(cell.dataset.sort) : 0;
  }

  function compare(key, dir) {
    return function (a, b) {
      var x = sortKey(a, key), y = sortKey(b, key);
      if (key === "name") return dir * (x < y ? -1 : x > y ? 1 : 0);
      // Missing figures ("—") last in both directions.
      if (x < 0 && y >= 0) return 1;
      if (y < 0 && x >= 0) return -1;
      return dir * (x - y);
    };
  }

  table.querySelectorAll("thead button[data-sort]").forEach(function (btn) {
    btn.addEventListener("click", function () {
      var key = btn.dataset.sort;
      // Rates sort worst first (where the gaps are); names in code order.
      sortState.dir = sortState.key === key ? -sortState.dir : 1;
      sortState.key = key;
      table.querySelectorAll("thead th").forEach(function (th) { th.removeAttribute("aria-sort"); });
      btn.parentNode.setAttribute("aria-sort", sortState.dir > 0 ? "ascending" : "descending");
      var cmp = compare(key, sortState.dir);
      groups.sort(function (a, b) { return cmp(a.querySelector(".tt__row--village"), b.querySelector(".tt__row--village")); });
      groups.forEach(function (g) {
        table.appendChild(g);
        var rows = Array.prototype.slice.call(g.querySelectorAll(".tt__row--grid"));
        rows.sort(cmp).forEach(function (r) { g.appendChild(r); });
      });
      // The map links follow the column: open the map coloured by that target.
      var code = key === "name" ? null : btn.dataset.target;
      if (code) table.querySelectorAll(".tt__map a").forEach(function (a) {
        a.href = a.href.replace(/([#&])target=[a-z]+/, "").replace(/#$/, "") +
          (a.href.indexOf("#") >= 0 ? "&" : "#") + "target=" + code;
      });
    });
  });
  // Each target column's button names its target (data-target, from the template).

  // --- progress chart -------------------------------------------------------------------

  function isoDays(first, last) {
    var out = [], d = new Date(first + "T00:00:00Z"), end = new Date(last + "T00:00:00Z");
    while (d <= end) { out.push(d.toISOString().slice(0, 10)); d.setUTCDate(d.getUTCDate() + 1); }
    return out;
  }

  var STAGE_TINTS = ["rgba(100, 116, 139, .08)", "rgba(37, 99, 235, .06)", "rgba(22, 163, 74, .08)"];

  var stagesPlugin = {
    id: "gcStages",
    beforeDatasetsDraw: function (chart, args, opts) {
      var x = chart.scales.x, area = chart.chartArea, ctx = chart.ctx, labels = chart.data.labels;
      (opts.stages || []).forEach(function (s, i) {
        var a = labels.indexOf(s.start), b = labels.indexOf(s.end);
        if (a < 0 || b < 0) return;
        var half = (x.getPixelForValue(1) - x.getPixelForValue(0)) / 2;
        var left = x.getPixelForValue(a) - half, right = x.getPixelForValue(b) + half;
        ctx.save();
        ctx.fillStyle = STAGE_TINTS[i % STAGE_TINTS.length];
        ctx.fillRect(left, area.top, right - left, area.bottom - area.top);
        ctx.strokeStyle = "rgba(15, 23, 42, .18)";
        ctx.setLineDash([4, 4]);
        ctx.beginPath(); ctx.moveTo(left, area.top); ctx.lineTo(left, area.bottom); ctx.stroke();
        ctx.setLineDash([]);
        ctx.fillStyle = "#334155";
        ctx.font = "600 12px " + getComputedStyle(document.body).fontFamily;
        ctx.textBaseline = "top";
        var text = s.name + (s.current ? "（当前）" : "");
        var w = ctx.measureText(text).width;
        if (right - left > w + 8) ctx.fillText(text, left + 6, area.top + 6);
        ctx.restore();
      });
      if (opts.today) {
        var t = labels.indexOf(opts.today);
        if (t >= 0) {
          var px = x.getPixelForValue(t);
          ctx.save();
          ctx.strokeStyle = "#dc2626";
          ctx.lineWidth = 1.5;
          ctx.beginPath(); ctx.moveTo(px, area.top); ctx.lineTo(px, area.bottom); ctx.stroke();
          ctx.fillStyle = "#dc2626";
          ctx.font = "600 11px " + getComputedStyle(document.body).fontFamily;
          ctx.textBaseline = "top";
          ctx.textAlign = "right";
          ctx.fillText("统计日 " + opts.today.slice(5).replace("-", "/"), px - 4, area.top + 24);
          ctx.restore();
        }
      }
    },
  };

  function drawChart(p) {
    var canvas = document.getElementById("tp-chart");
    if (!window.Chart || !canvas) return;
    var last = p.stages.length ? p.stages[p.stages.length - 1].end : p.today;
    if (p.today > last) last = p.today;
    var labels = isoDays(p.days[0] || p.today, last);
    var index = {};
    p.days.forEach(function (d, i) { index[d] = i; });
    function series(values) { return labels.map(function (d) { return d in index ? values[index[d]] : null; }); }
    var font = getComputedStyle(document.body).fontFamily;
    window.Chart.defaults.font.family = font;
    window.Chart.defaults.color = "#4b5563";
    var chart = new window.Chart(canvas, {
      data: {
        labels: labels,
        datasets: [
          { type: "bar", label: "入户走访（次/日）", data: series(p.visits), backgroundColor: "rgba(37, 99, 235, .55)",
            borderRadius: 2, yAxisID: "y", order: 3, barPercentage: 1, categoryPercentage: 0.8 },
          { type: "bar", label: "民警签字核验（次/日）", data: series(p.verifications),
            backgroundColor: "rgba(22, 163, 74, .5)", borderRadius: 2, yAxisID: "y", order: 4,
            barPercentage: 1, categoryPercentage: 0.8 },
          { type: "line", label: "累计入户调查率", data: series(p.visit_rate), borderColor: "#1d4ed8",
            backgroundColor: "#1d4ed8", borderWidth: 2.5, pointRadius: 0, tension: 0.2, yAxisID: "rate", order: 1,
            spanGaps: false },
          { type: "line", label: "累计核查登记率", data: series(p.verification_rate), borderColor: "#15803d",
            backgroundColor: "#15803d", borderWidth: 2.5, pointRadius: 0, tension: 0.2, yAxisID: "rate", order: 2,
            spanGaps: false },
        ],
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: {
          gcStages: { stages: p.stages, today: p.today },
          legend: { position: "bottom", labels: { boxWidth: 12, boxHeight: 12, usePointStyle: false } },
          tooltip: {
            callbacks: {
              title: function (items) { return items.length ? items[0].label : ""; },
              label: function (item) {
                var v = item.parsed.y;
                if (v === null || v === undefined) return null;
                return item.dataset.label + "：" + (item.dataset.yAxisID === "rate" ? v.toFixed(1) + "%" : v.toLocaleString());
              },
            },
          },
        },
        scales: {
          x: {
            grid: { display: false },
            ticks: {
              autoSkip: false, maxRotation: 0,
              callback: function (value) {
                var d = labels[value], narrow = this.chart.width < 560;
                var mark = narrow ? d && d.slice(8) === "01"
                  : d && (d.slice(8) === "01" || d.slice(8) === "11" || d.slice(8) === "21");
                return mark ? Number(d.slice(5, 7)) + "/" + Number(d.slice(8)) : null;
              },
            },
          },
          y: { position: "left", beginAtZero: true, title: { display: true, text: "次/日" },
               grid: { color: "rgba(15, 23, 42, .06)" } },
          rate: { position: "right", min: 0, max: 100, grid: { display: false },
                  title: { display: true, text: "累计完成率" },
                  ticks: { callback: function (v) { return v + "%"; } } },
        },
      },
      plugins: [stagesPlugin],
    });
    window.gcChart = chart;
  }

  getJSON(data.urls.progress).then(drawChart).catch(function (err) {
    var wrap = document.querySelector(".chart-wrap");
    if (wrap) wrap.replaceChildren(el("p", { className: "ulist__state" }, "无法加载进度：" + err.message));
  });

  // --- uncovered buildings ---------------------------------------------------------------

  var villageSel = document.getElementById("tp-village");
  var gridSel = document.getElementById("tp-grid");
  var tbody = document.querySelector("#tp-uncovered tbody");
  var pager = document.getElementById("tp-pager");
  var summary = document.getElementById("tp-uncovered-summary");
  var page = 1;

  function fillGrids() {
    var v = villageSel.value;
    var keep = gridSel.value;
    gridSel.replaceChildren(el("option", { value: "" }, "全部"));
    data.options.forEach(function (village) {
      if (v && String(village.id) !== v) return;
      village.grids.forEach(function (g) {
        gridSel.appendChild(el("option", { value: String(g.id) }, (v ? "" : village.name) + g.name));
      });
    });
    gridSel.value = Array.prototype.some.call(gridSel.options, function (o) { return o.value === keep; }) ? keep : "";
  }

  function syncExport() {
    var v = document.getElementById("tp-export-village"), g = document.getElementById("tp-export-grid");
    if (v) v.value = villageSel.value;
    if (g) g.value = gridSel.value;
  }

  function load() {
    syncExport();
    var q = "?page=" + page + (villageSel.value ? "&village=" + villageSel.value : "") +
      (gridSel.value ? "&grid=" + gridSel.value : "");
    tbody.replaceChildren(el("tr", null, el("td", { colSpan: 9, className: "ulist__state" }, "正在加载…")));
    getJSON(data.urls.uncovered + q).then(function (res) {
      summary.textContent = "共 " + res.total.toLocaleString() + " 栋楼有未走访住户，合计 " +
        res.unvisited_households.toLocaleString() + " 户";
      if (!res.rows.length) {
        tbody.replaceChildren(el("tr", null, el("td", { colSpan: 9, className: "ulist__state" }, "没有未走访的楼栋")));
      } else {
        tbody.replaceChildren.apply(tbody, res.rows.map(function (r, i) {
          return el("tr", null,
            el("td", { className: "num" }, res.offset + i + 1),
            el("td", null, r.village), el("td", null, r.grid),
            el("td", { className: "ulist__addr" }, r.address), el("td", null, r.building_type),
            el("td", { className: "num" }, r.households), el("td", { className: "num ulist__gap" }, r.unvisited),
            el("td", null, r.status_label),
            el("td", null, el("a", { href: data.urls.map + "?grid=" + r.grid_id }, "地图")));
        }));
      }
      var pages = Math.max(1, Math.ceil(res.total / res.page_size));
      var prev = el("button", { type: "button", className: "btn btn--plain btn--small", disabled: page <= 1 }, "上一页");
      var next = el("button", { type: "button", className: "btn btn--plain btn--small", disabled: page >= pages }, "下一页");
      prev.addEventListener("click", function () { page -= 1; load(); });
      next.addEventListener("click", function () { page += 1; load(); });
      pager.replaceChildren(el("span", null, "第 " + page + " / " + pages + " 页"), prev, next);
    }).catch(function (err) {
      tbody.replaceChildren(el("tr", null, el("td", { colSpan: 9, className: "ulist__state" }, err.message)));
    });
  }

  // Export: the zip downloads from a fetch, its generated password (X-Document-Password) is shown once.
  var exportForm = document.getElementById("tp-export");
  if (exportForm) {
    exportForm.addEventListener("submit", function (ev) {
      ev.preventDefault();
      syncExport();
      var btn = exportForm.querySelector("button[type=submit]");
      btn.disabled = true;
      fetch(exportForm.action, { method: "POST", body: new FormData(exportForm), credentials: "same-origin" })
        .then(function (resp) {
          if (!resp.ok) throw new Error("导出失败（" + resp.status + "），请稍后重试");
          var password = resp.headers.get("X-Document-Password");
          var cd = resp.headers.get("Content-Disposition") || "";
          var m = /filename\*=UTF-8''([^;]+)/i.exec(cd);
          var name = m ? decodeURIComponent(m[1]) : "export.zip";
          return resp.blob().then(function (blob) { return { blob: blob, password: password, name: name }; });
        })
        .then(function (res) {
          var url = URL.createObjectURL(res.blob);
          var a = el("a", { href: url, download: res.name });
          document.body.appendChild(a);
          a.click();
          a.remove();
          setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
          document.getElementById("tp-password-file").textContent = res.name;
          document.getElementById("tp-password-value").textContent = res.password;
          var box = document.getElementById("tp-password");
          box.hidden = false;
          box.scrollIntoView({ block: "nearest" });
        })
        .catch(function (err) { window.alert(err.message); })
        .then(function () { btn.disabled = false; });
    });
    document.getElementById("tp-password-close").addEventListener("click", function () {
      document.getElementById("tp-password-value").textContent = "";
      document.getElementById("tp-password").hidden = true;
    });
    document.getElementById("tp-password-copy").addEventListener("click", function () {
      var text = document.getElementById("tp-password-value").textContent;
      if (navigator.clipboard) navigator.clipboard.writeText(text);
    });
  }

  villageSel.addEventListener("change", function () { fillGrids(); page = 1; load(); });
  gridSel.addEventListener("change", function () { page = 1; load(); });
  var params = new URLSearchParams(window.location.search);
  if (params.get("village")) villageSel.value = params.get("village");
  if (params.get("grid")) {
    var gid = params.get("grid");
    data.options.forEach(function (v) {
      if (v.grids.some(function (g) { return String(g.id) === gid; })) villageSel.value = String(v.id);
    });
    fillGrids();
    gridSel.value = gid;
  } else {
    fillGrids();
  }
  load();
})(window, document);

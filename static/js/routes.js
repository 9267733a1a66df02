/* 规划路线: the route planner page (static/js/routes.js) and the printable stop list.
 * The planner draws the grid's buildings (the still-to-visit ones pre-selected), lets the user
 * add/remove stops by clicking, choose the start and the day capacity, asks /api/routes/plan and
 * draws the walking line with numbered stops per day; a saved plan shows stops turning done. */
(function () {
  "use strict";

  var printBtn = document.querySelector("[data-print]");
  if (printBtn) printBtn.addEventListener("click", function () { window.print(); });
  var app = document.getElementById("route-app");
  if (!app || !window.L) return;

  var DAY_COLOURS = ["#2563eb", "#db2777", "#059669", "#d97706", "#7c3aed", "#0891b2", "#dc2626", "#4d7c0f", "#9333ea", "#0f766e"];
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var gridId = Number(app.dataset.grid);
  var planId = app.dataset.plan ? Number(app.dataset.plan) : null;
  var form = document.getElementById("route-form");
  var errorEl = document.getElementById("route-error");
  var resultEl = document.getElementById("route-result");
  var countEl = document.getElementById("route-count");
  var saveBtn = document.getElementById("route-save");

  var map = L.map("route-map", { zoomControl: true, attributionControl: false });
  var gridLayer = L.layerGroup().addTo(map);
  var buildingLayer = L.layerGroup().addTo(map);
  var routeLayer = L.layerGroup().addTo(map);
  var startLayer = L.layerGroup().addTo(map);
  var state = { buildings: [], selected: {}, station: null, start: null, resume: null, lastBody: null };

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") e.textContent = attrs[k]; else if (k === "className") e.className = attrs[k]; else e.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c != null) e.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return e;
  }

  function api(url, body) {
    var opts = body === undefined ? { credentials: "same-origin" } : {
      method: "POST", credentials: "same-origin", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf } };
    return fetch(url, opts).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (!r.ok) {
          var e = (data && data.error) || {};
          var details = e.details && typeof e.details === "object" ? Object.keys(e.details).map(function (k) { return e.details[k]; }) : [];
          throw new Error(details.length ? details.join("；") : (e.message || "请求失败"));
        }
        return data;
      });
    });
  }

  function showError(message) { errorEl.textContent = message; errorEl.hidden = !message; }

  function km(m) { return (m / 1000).toFixed(m < 10000 ? 2 : 1) + " 公里"; }

  function uuid4() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16); crypto.getRandomValues(b); b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  // --- buildings to choose -----------------------------------------------------------------
  function drawBuildings() {
    buildingLayer.clearLayers();
    var n = 0, hh = 0;
    state.buildings.forEach(function (b) {
      var on = !!state.selected[b.building_id];
      if (on) { n += 1; hh += Math.max(1, b.to_visit || b.households); }
      var m = L.circleMarker([b.lat, b.lon], { radius: on ? 6 : 4, weight: 1.5, color: on ? "#1d4ed8" : "#9ca3af",
        fillColor: on ? "#3b82f6" : "#fff", fillOpacity: on ? 0.9 : 0.7 });
      m.bindTooltip(b.address + (b.to_visit ? "（待走访 " + b.to_visit + " 户）" : ""));
      m.on("click", function (ev) {
        L.DomEvent.stopPropagation(ev);
        if (state.selected[b.building_id]) delete state.selected[b.building_id]; else state.selected[b.building_id] = true;
        drawBuildings();
      });
      m.addTo(buildingLayer);
    });
    countEl.textContent = "已选 " + n + " 栋 · 约 " + hh + " 户";
  }

  function drawStart() {
    startLayer.clearLayers();
    var s = state.start;
    if (!s) return;
    L.marker([s.lat, s.lon], { icon: L.divIcon({ className: "route-start-icon", html: "起", iconSize: [20, 20] }), zIndexOffset: 1000 })
      .bindTooltip(s.label || "起点").addTo(startLayer);
  }

  function startKind() { return form.querySelector('input[name="start"]:checked').value; }

  function onStartChange() {
    var kind = startKind();
    showError("");
    if (kind === "station") { state.start = state.station; }
    else if (kind === "resume") { state.start = state.resume ? { lon: state.resume.lon, lat: state.resume.lat, label: "上次停下处：" + state.resume.address } : null; }
    else if (kind === "location") {
      state.start = null;
      if (!navigator.geolocation) { showError("此设备不支持定位，请改选其他起点"); return drawStart(); }
      navigator.geolocation.getCurrentPosition(function (pos) {
        state.start = { lon: pos.coords.longitude, lat: pos.coords.latitude, label: "手机定位" }; drawStart();
      }, function () { showError("未取得手机定位，请改选其他起点"); }, { enableHighAccuracy: true, timeout: 10000 });
    } else { state.start = state.start && state.start.label === "地图上选定的点" ? state.start : null; showError(state.start ? "" : "请在地图上点选起点"); }
    drawStart();
  }

  map.on("click", function (ev) {
    if (startKind() !== "point") return;
    state.start = { lon: ev.latlng.lng, lat: ev.latlng.lat, label: "地图上选定的点" };
    showError("");
    drawStart();
  });

  function capacityKind() { return form.querySelector('input[name="capacity"]:checked').value; }
  function onCapacityChange() {
    var kind = capacityKind();
    form.querySelectorAll("[data-cap]").forEach(function (l) { l.hidden = l.dataset.cap !== kind; });
  }

  function num(name) { var v = form.elements[name].value; return v === "" ? null : Number(v); }

  function body() {
    var kind = startKind();
    var b = { grid_id: gridId, building_ids: Object.keys(state.selected).map(Number),
      start: { kind: kind }, return_to_start: form.elements["return"].checked,
      capacity_kind: capacityKind(), days: num("days") || 1 };
    if ((kind === "point" || kind === "location") && state.start) { b.start.lon = state.start.lon; b.start.lat = state.start.lat; }
    if (b.capacity_kind === "households") b.households_per_day = num("households_per_day");
    else { b.hours_per_day = num("hours_per_day"); b.minutes_per_household = num("minutes_per_household"); }
    return b;
  }

  // --- the result ------------------------------------------------------------------------------
  function render(plan, saved) {
    routeLayer.clearLayers();
    resultEl.replaceChildren();
    var bounds = [];
    if (plan.start) { state.start = plan.start; drawStart(); bounds.push([plan.start.lat, plan.start.lon]); }
    var head = el("p", { className: "rp-sum" }, [el("b", { text: plan.days.length + " 天 · " + plan.stops + " 个停靠点 · 步行 " + km(plan.distance_m) + " · 约 " + plan.walk_minutes + " 分钟" })]);
    resultEl.appendChild(head);
    if (saved) {
      resultEl.appendChild(el("p", { className: "rp-links" }, [
        el("a", { className: "btn btn--small", href: app.dataset.pageUrl.replace(/0$/, plan.plan_id) + "/print", text: "打印停靠点清单" }),
        el("a", { className: "btn btn--small btn--ghost", href: app.dataset.detailUrl.replace(/0$/, plan.plan_id) + ".gpx", text: "下载GPX" })]));
      if (plan.next) resultEl.appendChild(el("p", { className: "rp-next", text: "下一站：第" + plan.next.day + "天第" + plan.next.seq + "站 " + plan.next.address }));
      else resultEl.appendChild(el("p", { className: "rp-next", text: "全部停靠点已走访" }));
    }
    plan.days.forEach(function (d, i) {
      var colour = DAY_COLOURS[i % DAY_COLOURS.length];
      d.line.coordinates.forEach(function (line) {
        L.polyline(line.map(function (c) { return [c[1], c[0]]; }), { color: colour, weight: 4, opacity: 0.85 }).addTo(routeLayer);
      });
      var list = el("ol", { className: "rp-stops" });
      d.stops.forEach(function (s) {
        bounds.push([s.lat, s.lon]);
        L.marker([s.lat, s.lon], { icon: L.divIcon({ className: "route-stop-icon" + (s.done ? " is-done" : ""), html: String(s.seq), iconSize: [24, 24] }) })
          .bindTooltip("第" + d.day + "天第" + s.seq + "站 " + s.address).addTo(routeLayer);
        var missing = (s.missing || []).map(function (m) { return m.label + m.households + "户"; }).join("；");
        list.appendChild(el("li", { className: s.done ? "is-done" : "" }, [
          el("span", { className: "rp-num", style: "background:" + (s.done ? "#16a34a" : colour), text: String(s.seq) }),
          el("span", null, [s.address, el("span", { className: "rp-miss", text: "待走访 " + s.households + " 户" + (missing ? " · " + missing : "") }),
            s.fallback ? el("span", { className: "rp-note", text: s.fallback_note }) : null]),
          el("small", { text: s.leg_m + " 米" })]));
      });
      var time = "步行约 " + d.walk_minutes + " 分钟" + (d.total_minutes != null ? "，含入户共 " + d.total_minutes + " 分钟" : "");
      resultEl.appendChild(el("section", { className: "rp-day" }, [
        el("h3", null, [el("span", { style: "color:" + colour, text: "● " }), "第" + d.day + "天 ",
          el("small", { text: d.stops.length + " 栋 · " + d.households + " 户 · " + km(d.distance_m) + " · " + time + (saved ? " · 已完成 " + d.done + "/" + d.stops.length : "") })]),
        list]));
    });
    if (plan.unassigned && plan.unassigned.length) {
      var ul = el("ul", { className: "rp-unassigned" });
      plan.unassigned.forEach(function (u) {
        ul.appendChild(el("li", { text: u.address + "：" + u.label }));
        L.circleMarker([u.lat, u.lon], { radius: 7, color: "#dc2626", weight: 2, fillOpacity: 0 }).bindTooltip(u.label).addTo(routeLayer);
      });
      resultEl.appendChild(el("section", { className: "rp-day" }, [el("h3", { text: "未排入路线（" + plan.unassigned.length + "）" }), ul]));
    }
    if (bounds.length) map.fitBounds(bounds, { padding: [30, 30] });
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    showError("");
    var b = body();
    resultEl.replaceChildren(el("p", { className: "rp-state", text: "正在规划…" }));
    api(app.dataset.planUrl, b).then(function (plan) {
      state.lastBody = b; saveBtn.disabled = !plan.days.length; render(plan, false);
    }).catch(function (e) { resultEl.replaceChildren(); showError(e.message); });
  });

  saveBtn.addEventListener("click", function () {
    if (!state.lastBody) return;
    saveBtn.disabled = true;
    var b = Object.assign({ client_uuid: uuid4() }, state.lastBody);
    api(app.dataset.saveUrl, b).then(function (r) {
      window.location.href = app.dataset.pageUrl.replace(/0$/, r.plan_id);
    }).catch(function (e) { saveBtn.disabled = false; showError(e.message); });
  });

  form.querySelectorAll('input[name="start"]').forEach(function (r) { r.addEventListener("change", onStartChange); });
  form.querySelectorAll('input[name="capacity"]').forEach(function (r) { r.addEventListener("change", onCapacityChange); });
  form.querySelectorAll("[data-select]").forEach(function (btn) {
    btn.addEventListener("click", function () {
      state.selected = {};
      if (btn.dataset.select === "todo") state.buildings.forEach(function (b) { if (b.to_visit) state.selected[b.building_id] = true; });
      drawBuildings();
    });
  });

  api(app.dataset.candidates + "?grid=" + gridId).then(function (data) {
    var outline = L.geoJSON(data.geometry, { style: { color: "#0b1f3a", weight: 2, fill: false, dashArray: "6 4" } }).addTo(gridLayer);
    map.fitBounds(outline.getBounds(), { padding: [20, 20] });
    state.buildings = data.buildings;
    // ?buildings=1,2,3 (e.g. a spot check's sample) replaces the default pre-selection.
    var wanted = (new URLSearchParams(window.location.search).get("buildings") || "").split(",")
      .map(Number).filter(function (n) { return n > 0; });
    if (wanted.length) {
      var known = {};
      data.buildings.forEach(function (b) { known[b.building_id] = true; });
      wanted.forEach(function (id) { if (known[id]) state.selected[id] = true; });
    } else {
      data.buildings.forEach(function (b) { if (b.selected) state.selected[b.building_id] = true; });
    }
    state.station = { lon: data.station.lon, lat: data.station.lat, label: data.station.label };
    state.resume = data.resume;
    var resume = document.getElementById("start-resume-label");
    resume.querySelector("input").disabled = !data.resume;
    resume.title = data.resume ? "上次停在：" + data.resume.address : "还没有走访过的已保存路线";
    state.start = state.station;
    drawBuildings();
    drawStart();
    if (planId) return api(app.dataset.detailUrl.replace(/0$/, planId)).then(function (plan) { render(plan, true); });
  }).catch(function (e) { showError(e.message); });
})();

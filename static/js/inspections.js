/* 检查验收 / 实地抽查: the area map (draw a polygon), the design form, the sample map,
   the field form of one household, and the report's print button. No outside requests. */
(function () {
  "use strict";
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content;
  var main = document.querySelector("main.insp");
  var page = main && main.dataset.page;

  function uuid4() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16); crypto.getRandomValues(b);
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function api(method, url, body) {
    return fetch(url, {method: method, credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json"},
      body: body ? JSON.stringify(body) : undefined})
      .then(function (r) { return r.json().then(function (j) { return {ok: r.ok, status: r.status, body: j}; }); });
  }
  function errorText(body) {
    var e = (body && body.error) || {}, lines = [e.message || "操作未完成"];
    if (e.details && typeof e.details === "object" && e.code === "validation_failed") {
      Object.keys(e.details).forEach(function (k) { lines.push(k + "：" + e.details[k]); });
    }
    return lines.join("\n");
  }
  function baseMap(el) {
    var map = L.map(el, {zoomControl: true, attributionControl: false});
    map.setView([31.81, 121.65], 12);
    return map;
  }
  function gridLayer(map, url, fit) {
    return fetch(url, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (fc) {
      var layer = L.geoJSON(fc, {style: {color: "#1d4ed8", weight: 1, fillOpacity: 0.04},
        onEachFeature: function (f, l) { l.bindTooltip(f.properties.name, {sticky: true}); }}).addTo(map);
      if (fit && fc.features.length) map.fitBounds(layer.getBounds(), {padding: [10, 10]});
      return layer;
    });
  }

  // --- design: area polygon and the plan form -------------------------------------------
  if (page === "design") {
    var map = baseMap("area-map"), drawing = false, points = [], shapeLayer = null;
    gridLayer(map, "/api/inspections/grids", true);
    var status = document.getElementById("draw-status");
    function redraw() {
      if (shapeLayer) map.removeLayer(shapeLayer);
      shapeLayer = points.length >= 3 ? L.polygon(points, {color: "#dc6803", weight: 2}).addTo(map)
        : points.length ? L.polyline(points, {color: "#dc6803", dashArray: "4"}).addTo(map) : null;
      status.textContent = drawing ? "已点 " + points.length + " 个顶点" + (points.length >= 3 ? "，范围已成形" : "（至少3个）")
        : points.length >= 3 ? "已画范围（" + points.length + " 个顶点）" : "点击“画范围”后在地图上依次点击各顶点（至少3个）。";
    }
    document.getElementById("draw-start").addEventListener("click", function () {
      drawing = !drawing; this.textContent = drawing ? "完成" : "画范围"; redraw(); });
    document.getElementById("draw-undo").addEventListener("click", function () { points.pop(); redraw(); });
    document.getElementById("draw-clear").addEventListener("click", function () { points = []; redraw(); });
    map.on("click", function (e) { if (drawing) { points.push([e.latlng.lat, e.latlng.lng]); redraw(); } });

    var form = document.getElementById("plan-form"), errors = document.getElementById("plan-errors");
    var submission = uuid4();
    form.addEventListener("change", function () { submission = uuid4(); });
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var f = new FormData(form), num = function (k) { var v = f.get(k); return v === "" || v === null ? null : Number(v); };
      var body = {client_uuid: submission, title: f.get("title"), mode: f.get("mode"),
        village_ids: f.getAll("village").map(Number), grid_ids: f.getAll("grid").map(Number),
        expected_rate: num("expected_rate") / 100, half_width: num("half_width") / 100,
        confidence: num("confidence"), leader_floor: f.get("leader_floor") === "on",
        targeted: f.getAll("targeted"), targeted_count: num("targeted_count") || 0, seed: num("seed")};
      if (body.mode === "size") body.size = num("size");
      if (points.length >= 3) {
        var ring = points.map(function (p) { return [p[1], p[0]]; }); ring.push(ring[0]);
        body.area = {type: "Polygon", coordinates: [ring]};
      }
      errors.textContent = "正在抽样…";
      api("POST", "/api/inspections", body).then(function (r) {
        if (r.ok) { window.location = "/inspections/" + r.body.id; } else { errors.textContent = errorText(r.body); }
      }).catch(function () { errors.textContent = "网络错误，请重试（同一提交不会重复抽样）"; });
    });
  }

  // --- plan: the sample on the map -------------------------------------------------------
  if (page === "plan") {
    var pmap = baseMap("sample-map"), planId = main.dataset.plan;
    gridLayer(pmap, "/api/inspections/grids?plan=" + planId, false);
    api("GET", "/api/inspections/" + planId).then(function (r) {
      var pts = [];
      r.body.sample.forEach(function (s) {
        pts.push([s.lat, s.lon]);
        L.circleMarker([s.lat, s.lon], {radius: 6, weight: 1, color: "#fff",
          fillColor: s.checked_at ? (s.items_matched < s.items_checked ? "#d92d20" : "#079455") : "#dc6803", fillOpacity: 0.95})
          .bindPopup("<b>" + s.draw_no + "</b> " + s.address.replace(/</g, "&lt;") +
                     '<br><a href="/inspections/checks/' + s.id + '">实地核查</a>').addTo(pmap);
      });
      if (pts.length) pmap.fitBounds(pts, {padding: [20, 20], maxZoom: 17});
    });
  }

  // --- the field form of one household -----------------------------------------------------
  if (page === "check") {
    var id = main.dataset.check, holder = document.getElementById("items"), state = null, extra = 0;
    var cstatus = document.getElementById("check-status"), cerrors = document.getElementById("check-errors");
    var checkUuid = uuid4();
    function esc(s) { return String(s == null ? "" : s).replace(/[&<>"]/g, function (c) { return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c]; }); }
    function card(key, title, platform, prev, opts) {
      opts = opts || {};
      var matched = prev ? prev.matched : null, name = "m-" + key;
      var choice = opts.presence
        ? ["present", "absent"].concat(opts.unknown ? ["unknown"] : []).map(function (p) {
            var label = {present: "在住（一致）", absent: "不在住", unknown: "平台无此人"}[p];
            return '<label><input type="radio" name="' + name + '" value="' + p + '"' +
              ((prev && prev.presence === p) || (opts.unknown && !prev) ? " checked" : "") + ">" + label + "</label>"; }).join("")
        : '<label><input type="radio" name="' + name + '" value="yes"' + (matched === true ? " checked" : "") + ">一致</label>" +
          '<label><input type="radio" name="' + name + '" value="no"' + (matched === false ? " checked" : "") + ">不一致</label>";
      return '<div class="check-item" data-key="' + key + '">' +
        '<div class="check-item__head"><span>' + esc(title) + "</span></div>" +
        '<div class="check-item__vals"><div><span>平台</span>' + esc(platform == null ? "—" : platform) + "</div>" +
        "<div><span>实地</span>" + '<input type="text" name="found-' + key + '" maxlength="200" placeholder="不一致时填写实际情况" value="' + esc(prev && prev.found_value) + '"></div></div>' +
        '<div class="check-item__choice" role="radiogroup" aria-label="' + esc(title) + '">' + choice + "</div>" +
        '<input type="text" name="note-' + key + '" maxlength="300" placeholder="备注" value="' + esc(prev && prev.note) + '"></div>';
    }
    function render(form) {
      state = form;
      var prev = {}, html = [], p = form.platform;
      form.items.forEach(function (i) { prev[i.item + ":" + (i.person_id || "") + ":" + (i.extra_no || "")] = i; });
      [["address", "地址", p.address], ["resident_count", "居住人数", p.resident_count], ["house_nature", "房屋性质", p.house_nature]]
        .forEach(function (x) { html.push(card(x[0] + "::", x[1], x[2], prev[x[0] + "::"])); });
      p.residents.forEach(function (r, n) {
        html.push("<h2>住户 " + (n + 1) + "：" + esc(r.name) + "</h2>");
        html.push(card("presence:" + r.person_id + ":", "是否在住", "在住", prev["presence:" + r.person_id + ":"], {presence: true}));
        [["name", "姓名", r.name], ["id_number", "身份证号码", r.id_number], ["phone", "联系电话", r.phone]].forEach(function (x) {
          html.push(card(x[0] + ":" + r.person_id + ":", x[1], x[2], prev[x[0] + ":" + r.person_id + ":"])); });
      });
      form.items.filter(function (i) { return i.extra_no; }).forEach(function (i) {
        extra = Math.max(extra, i.extra_no);
        html.push(card("presence::" + i.extra_no, "平台无记录的住户 " + i.extra_no, null, i, {presence: true, unknown: true}));
      });
      holder.innerHTML = html.join("");
      cstatus.textContent = form.checked_at ? "已于 " + form.checked_at.slice(0, 16).replace("T", " ") + " 核查" : "";
    }
    function collect() {
      var items = [], missing = 0;
      holder.querySelectorAll(".check-item").forEach(function (el) {
        var k = el.dataset.key.split(":"), item = k[0], pid = k[1] ? Number(k[1]) : null, xno = k[2] ? Number(k[2]) : null;
        var picked = el.querySelector('input[type=radio]:checked'), found = el.querySelector('input[name^="found-"]').value.trim();
        var note = el.querySelector('input[name^="note-"]').value.trim();
        el.classList.toggle("is-mismatch", !!picked && (picked.value === "no" || picked.value === "absent" || picked.value === "unknown"));
        if (!picked) { missing++; return; }
        var row = {item: item, matched: picked.value === "yes" || picked.value === "present", found_value: found || null, note: note || null};
        if (pid) row.person_id = pid;
        if (xno) row.extra_no = xno;
        if (item === "presence") row.presence = picked.value;
        items.push(row);
      });
      return {items: items, missing: missing};
    }
    holder.addEventListener("change", function () { collect(); });
    document.getElementById("add-person").addEventListener("click", function () {
      extra += 1;
      holder.insertAdjacentHTML("beforeend", card("presence::" + extra, "平台无记录的住户 " + extra, null, null, {presence: true, unknown: true}));
    });
    api("GET", "/api/inspections/checks/" + id).then(function (r) {
      if (r.ok) render(r.body); else holder.innerHTML = '<p class="errors">' + esc(errorText(r.body)) + "</p>";
    });
    document.getElementById("check-form").addEventListener("submit", function (ev) {
      ev.preventDefault();
      var c = collect();
      if (c.missing) { cerrors.textContent = "还有 " + c.missing + " 项未选择一致/不一致"; return; }
      cerrors.textContent = ""; cstatus.textContent = "正在保存…";
      api("POST", "/api/inspections/checks/" + id, {client_uuid: checkUuid, version: state.version, items: c.items,
        note: document.querySelector('textarea[name="note"]').value.trim() || null}).then(function (r) {
        if (r.ok) {
          checkUuid = uuid4(); render(r.body);
          cstatus.innerHTML = '<span class="ok">已保存：' + r.body.items_matched + "/" + r.body.items_checked + ' 项一致</span> <a href="' + main.dataset.back + '">返回样本清单</a>';
        } else { cstatus.textContent = ""; cerrors.textContent = errorText(r.body); }
      }).catch(function () { cstatus.textContent = ""; cerrors.textContent = "网络错误，请重试（同一提交只记录一次）"; });
    });
  }

  document.querySelectorAll("[data-print]").forEach(function (b) { b.addEventListener("click", function () { window.print(); }); });
})();

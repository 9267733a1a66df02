/*
 * GridCheck coverage on the map: the targets choropleth (grids; whole villages below z13)
 * with its target selector, tooltips and the grid / village panel, and the three gap heat
 * layers (未采集楼栋, 人房关联缺口, 逾期未核验) loaded for the current view. The Leaflet
 * objects are built by folium (webgis/map/page.py), whose inline set-up imports this ES
 * module as `GridCheckCoverage` and calls GridCheckCoverage.init(map, layers); it is
 * configured from the map page's configuration (static/js/map/index.js `ready`).
 *
 * Server strings are only ever put into the page as text (textContent / text nodes).
 */
/* global L */
import { ready, state, util } from "./map/index.js";

var cfg = { targets: [], statusColours: {}, statusLabels: {}, heat: {}, urls: {}, pointZoom: 16 };
var U = null;           // the map modules' helpers (element builder, JSON fetch, ...)
var map = null;
var layers = {};
var current = "visit";  // the target the choropleth shows
var muted = false;      // grid fill of map.js switched off under the coverage layers
var selectedGrid = null;
var MAX_BBOX = 1.0;     // degrees per side, the heat API's cap

function target(code) {
  for (var i = 0; i < cfg.targets.length; i++) if (cfg.targets[i].code === code) return cfg.targets[i];
  return { code: code, name: code, goal: 100 };
}

function rateText(rate) {
  return rate === null || rate === undefined ? "—" : Number(rate).toFixed(1) + "%";
}

function statusOf(t) {
  return (t && t.status) || "none";
}

function statusBadge(status) {
  return U.badge(cfg.statusLabels[status] || status, cfg.statusColours[status] || "#94a3b8",
                 "badge--target badge--" + status);
}

/** A target entry {num, den, rate, status} from tile properties (visit, visit_s, ...). */
function fromProps(p, code) {
  return { rate: p[code], status: p[code + "_s"], num: p[code + "_n"], den: p[code + "_d"] };
}

// --- choropleth -------------------------------------------------------------------------

function fillStyle(p, z, isVillage) {
  var status = p[current + "_s"] || "none";
  var weak = status === "none" || status === "restricted";
  return {
    fill: true, fillColor: cfg.statusColours[status] || "#cbd5e1",
    fillOpacity: weak ? 0.22 : (z >= 15 ? 0.26 : z >= 14 ? 0.38 : 0.56),
    color: "#ffffff", opacity: 0.95, weight: isVillage ? 1.6 : (z >= 14 ? 1.6 : 1),
  };
}

var style = {
  grid: function (p, z) { return fillStyle(p, z, false); },
  village: function (p, z) { return fillStyle(p, z, true); },
};

function featureId(f) {
  var props = f.properties || (f.properties = {});
  if ((props.id === undefined || props.id === null) && f.id !== undefined) props.id = f.id;
  return props.id;
}

function highlight(id) {
  var layer = layers.choropleth;
  if (selectedGrid !== null) {
    try { layer.resetFeatureStyle(selectedGrid); } catch (e) { /* tile gone */ }
  }
  selectedGrid = id;
  if (id !== null && map.hasLayer(layer)) {
    layer.setFeatureStyle(id, function (p, z) {
      return L.extend(fillStyle(p, z, false), { color: "#0f172a", weight: 3, opacity: 1 });
    });
  }
}

/**
 * Redraw a vector-tile layer with its new styles. GridLayer.redraw() would request tiles at a
 * fractional zoom (the map snaps to quarter zooms); _setView rounds it as panning does.
 */
function restyle(layer) {
  if (!layer._map) return;
  var keys = Object.keys(layer._tiles);
  var drawn = keys.filter(function (k) { return layer._tiles[k].loaded; });
  if (drawn.length < keys.length) {
    // Tiles still on their way are drawn with the styles of the moment they arrive: only
    // the drawn ones are fetched again (opening the map at a grid fetched every grid tile
    // twice: once as the layers were shown, once when the choropleth muted the grid fill).
    drawn.forEach(function (k) { layer._removeTile(k); });
    layer._update();
    return;
  }
  layer._removeAllTiles();
  layer._tileZoom = undefined;
  layer._setView(layer._map.getCenter(), layer._map.getZoom());
}

function setTarget(code, enable) {
  current = code;
  var select = document.getElementById("gc-target-select");
  if (select && select.value !== code) select.value = code;
  var t = target(code);
  var title = document.getElementById("gc-legend-target-title");
  if (title) title.textContent = t.name + "（目标 " + (t.goal >= 100 ? "100%" : "≥" + t.goal + "%") + "）";
  if (enable && !map.hasLayer(layers.choropleth)) {
    map.addLayer(layers.choropleth);
  } else if (map.hasLayer(layers.choropleth)) {
    restyle(layers.choropleth);
  }
}

var TargetControl = L.Control.extend({
  options: { position: "topright" },
  onAdd: function () {
    var select = U.el("select", { id: "gc-target-select", className: "target-control__select",
                                  attrs: { "aria-label": "按目标着色" } });
    cfg.targets.forEach(function (t) {
      if (t.part_of) return;
      select.appendChild(U.el("option", { value: t.code }, t.name));
    });
    select.value = current;
    select.addEventListener("change", function () { setTarget(select.value, true); });
    var box = U.el("div", { className: "target-control leaflet-control" },
      U.el("span", { className: "target-control__label" }, "目标着色"), select);
    L.DomEvent.disableClickPropagation(box);
    L.DomEvent.disableScrollPropagation(box);
    return box;
  },
});

function tooltipContent(p, isVillage) {
  var t = target(current), e = fromProps(p, current);
  var rows = U.el("div", { className: "covtip__rows" });
  function row(label, value) {
    rows.appendChild(U.el("div", { className: "covtip__row" }, U.el("span", null, label), U.el("b", null, value)));
  }
  row(t.name, rateText(e.rate));
  if (e.den !== undefined && e.den !== null) row("完成 / 应完成", (e.num || 0).toLocaleString() + " / " + e.den.toLocaleString());
  row("目标", t.goal >= 100 ? "100%" : "≥" + t.goal + "%");
  return U.el("div", { className: "covtip" },
    U.el("div", { className: "covtip__head" },
      U.el("span", { className: "covtip__name" }, U.text(p.name)),
      statusBadge(statusOf(e))),
    U.el("div", { className: "covtip__sub" },
      isVillage ? "村（居）· " + U.text(p.grids, "0") + " 个网格" : U.text(p.village)),
    rows,
    U.el("div", { className: "covtip__hint" }, isVillage ? "点击查看各网格" : "点击查看未走访楼栋"));
}

function setupChoropleth() {
  var layer = layers.choropleth;
  var tip = L.tooltip({ className: "gc-covtip", direction: "top", offset: [0, -8], opacity: 1 });
  layer.on("mouseover", function (e) {
    if (!e.layer || !e.layer.properties) return;
    var isVillage = e.layer.properties.grids !== undefined;
    tip.setLatLng(e.latlng).setContent(tooltipContent(e.layer.properties, isVillage));
    map.openTooltip(tip);
  });
  layer.on("mouseout", function () { map.closeTooltip(tip); });
  layer.on("click", function (e) {
    map.closeTooltip(tip);
    var p = e.layer && e.layer.properties;
    if (!p || p.id === undefined) return;
    if (p.grids !== undefined) openVillage(p.id, true);
    else openGrid(p.id, true);
  });
}

// --- panel: a grid's targets and uncovered buildings, a village's grids -------------------

function targetRows(targets) {
  var list = U.el("ul", { className: "targets" });
  cfg.targets.forEach(function (t) {
    var e = targets[t.code] || {};
    var status = statusOf(e);
    var pct = e.rate === null || e.rate === undefined ? 0 : Math.max(0, Math.min(100, e.rate));
    var bar = U.el("div", { className: "targets__bar" },
      U.el("span", { className: "targets__fill", style: { width: pct + "%", background: cfg.statusColours[status] } }),
      U.el("span", { className: "targets__goal", style: { left: t.goal + "%" } }));
    var counts = e.den === null || e.den === undefined ? (status === "restricted" ? "无权查看重点关注数据" : "")
      : e.den === 0 ? (t.code === "consistency" ? "尚未抽查" : "暂无可统计的记录")
      : (e.num || 0).toLocaleString() + " / " + e.den.toLocaleString();
    list.appendChild(U.el("li", { className: "targets__item" + (t.part_of ? " targets__item--part" : "") },
      U.el("div", { className: "targets__line" },
        U.el("span", { className: "targets__name" }, t.name),
        U.el("span", { className: "targets__rate" }, rateText(e.rate)),
        statusBadge(status)),
      bar,
      U.el("div", { className: "targets__meta" },
        U.el("span", null, counts),
        U.el("span", null, "目标 " + (t.goal >= 100 ? "100%" : "≥" + t.goal + "%") +
             (e.gap > 0 ? " · 差 " + Number(e.gap).toFixed(1) + " 个百分点" : "")))));
  });
  return list;
}

var panelState = null;  // {kind: "grid"|"village", id, data}

function panelShow(kicker, title, nodes) {
  var panel = state.panel;
  panel.select(null);
  panel.show();
  panel.kicker.replaceChildren.apply(panel.kicker, kicker);
  panel.title.textContent = title;
  panel.body.replaceChildren.apply(panel.body, nodes);
  panel.body.scrollTop = 0;
}

function panelLoading(kind) {
  panelShow([kind], "正在加载…", [U.el("p", { className: "panel__state" }, "正在加载…")]);
}

function panelError(message) {
  panelShow(["目标"], "无法加载", [U.el("p", { className: "panel__error", attrs: { role: "alert" } }, message)]);
}

function fitTo(bounds) {
  U.fitBesidePanel(map, bounds, state.panel.root);
}

function setHash(value) {
  if (window.history && window.history.replaceState) {
    window.history.replaceState(null, "", value ? "#" + value : window.location.pathname + window.location.search);
  }
}

function openGrid(id, fit) {
  panelState = { kind: "grid", id: id };
  panelLoading("网格");
  U.getJSON(cfg.urls.grid + encodeURIComponent(id)).then(function (g) {
    if (!panelState || panelState.id !== id) return;
    panelState.data = g;
    setHash("grid=" + id + (current !== "visit" ? "&target=" + current : ""));
    if (fit) fitTo(g.bounds);
    renderGrid(g);
    // The choropleth's tiles once the panel is painted (from a 地图 link they would queue in
    // front of it), and with them the map's other layers (index.js waits for the panel).
    U.afterPaint(function () {
      if (!map.hasLayer(layers.choropleth)) map.addLayer(layers.choropleth);
      if (panelState && panelState.id === id) highlight(id);
      releaseLayers();
    });
  }).catch(function (err) { panelError(err.message); releaseLayers(); });
}

function releaseLayers() {
  if (state.releaseLayers) state.releaseLayers();
}

function renderGrid(g) {
  var u = g.uncovered || { rows: [], total: 0, unvisited_households: 0 };
  var list = U.el("ol", { className: "uncovered" });
  u.rows.forEach(function (b) {
    var btn = U.el("button", { type: "button", className: "uncovered__item" },
      U.el("span", { className: "uncovered__addr" }, U.text(b.address)),
      U.el("span", { className: "uncovered__meta" },
        U.text(b.building_type) + " · " + b.households + " 户",
        U.el("b", null, "未走访 " + b.unvisited + " 户")));
    btn.addEventListener("click", function () { openBuilding(b, g); });
    list.appendChild(U.el("li", null, btn));
  });
  var more = u.total > u.rows.length
    ? U.el("p", { className: "panel__state" }, "仅列出前 " + u.rows.length + " 栋，全部清单见目标页") : null;
  var section = U.el("section", null,
    U.el("h3", { className: "section-title" }, "未走访楼栋",
      U.el("small", null, u.total + " 栋 · " + u.unvisited_households + " 户未走访")),
    u.rows.length ? list : U.el("p", { className: "panel__state" }, "本网格住户均已走访"),
    more,
    U.el("p", { className: "panel__links" },
      U.el("a", { href: cfg.urls.targets + "?grid=" + encodeURIComponent(g.id) + "#uncovered" }, "在目标页查看与导出 →"),
      " ", U.el("a", { href: (cfg.urls.routes || "/routes/plan") + "?grid=" + encodeURIComponent(g.id) }, "规划路线 →"),
      " ", U.el("a", { href: "/sheets/grids/" + encodeURIComponent(g.id) }, "打印核对表 →")));
  var nodes = [U.el("section", { className: "panel__targets" },
     U.el("h3", { className: "section-title" }, "三个100%、三个95%"), targetRows(g.targets)),
     revisitSection(g), section];
  if (g.attention_gaps) nodes.push(attentionSection(g.attention_gaps));
  panelShow(["网格", " ", U.el("span", { className: "panel__crumb" }, U.text(g.village))], g.name, nodes);
}

var REVISIT_ORDER = ["returned", "refused", "nobody_home", "not_visited"];

/** 重访清单: the households the grid team must (re)visit, by reason (coverage_revisit). */
function revisitSection(g) {
  var r = g.revisit || { rows: [], total: 0, counts: {} };
  var labels = {};
  r.rows.forEach(function (x) { labels[x.reason] = x.reason_label; });
  var chips = U.el("p", { className: "revisit__counts" });
  REVISIT_ORDER.forEach(function (code) {
    var n = (r.counts || {})[code] || 0;
    if (!n) return;
    chips.appendChild(U.el("span", { className: "revisit__chip revisit__chip--" + code },
      U.text(labels[code] || code) + " " + n));
  });
  var list = U.el("ol", { className: "uncovered revisit" });
  r.rows.forEach(function (x) {
    var since = x.since ? x.since.slice(0, 10) : "";
    var btn = U.el("button", { type: "button", className: "uncovered__item",
                               attrs: { "data-household": String(x.household_id), "data-reason": x.reason } },
      U.el("span", { className: "uncovered__addr" }, U.text(x.address)),
      U.el("span", { className: "uncovered__meta" },
        U.el("span", { className: "revisit__reason revisit__reason--" + x.reason }, U.text(x.reason_label)),
        U.text((x.attempts ? "已上门 " + x.attempts + " 次" : "尚未上门") + (since ? " · 自 " + since : ""))));
    btn.addEventListener("click", function () {
      openBuilding({ id: x.building_id, lat: x.lat, lon: x.lon }, g);
    });
    list.appendChild(U.el("li", null, btn));
  });
  var more = r.total > r.rows.length
    ? U.el("p", { className: "panel__state" }, "仅列出前 " + r.rows.length + " 户") : null;
  return U.el("section", { className: "revisit-section" },
    U.el("h3", { className: "section-title" }, "重访清单", U.el("small", null, r.total + " 户")),
    r.total ? chips : null,
    r.rows.length ? list : U.el("p", { className: "panel__state" }, "本网格没有待重访的住户"),
    more);
}

/** 重点关注缺口: subjects that must carry an attention level and have none (read only here). */
function attentionSection(a) {
  var list = U.el("ol", { className: "uncovered attention-gaps" });
  a.rows.forEach(function (x) {
    var button = U.el("button", { type: "button", className: "btn btn--plain btn--small", disabled: true,
      attrs: { "data-subject-kind": x.subject_kind, "data-subject-id": String(x.subject_id),
               title: "标注关注等级（由民警、村级网格办录入）" } }, "标注等级");
    list.appendChild(U.el("li", { className: "attention-gaps__item" },
      U.el("span", { className: "uncovered__addr" }, U.text(x.kind_label) + " · " + U.text(x.name)),
      U.el("span", { className: "uncovered__meta" }, U.text(x.reasons.join("、")), button)));
  });
  var more = a.total > a.rows.length
    ? U.el("p", { className: "panel__state" }, "仅列出前 " + a.rows.length + " 个") : null;
  return U.el("section", { className: "attention-section" },
    U.el("h3", { className: "section-title" }, "未标注关注等级", U.el("small", null, a.total + " 个")),
    a.rows.length ? list : U.el("p", { className: "panel__state" }, "应标注对象均已标注关注等级"),
    more);
}

function openBuilding(b, g) {
  var panel = state.panel;
  map.setView([b.lat, b.lon], Math.max(U.tileZoom(map), 17));
  panel.onRender = function () {
    panel.onRender = null;
    var back = U.el("button", { type: "button", className: "btn btn--link panel__back" }, "← 返回" + g.name + "未走访楼栋");
    back.addEventListener("click", function () { highlight(g.id); panelState = { kind: "grid", id: g.id, data: g }; renderGrid(g); });
    panel.body.insertBefore(back, panel.body.firstChild);
  };
  panel.open(b.id);
}

function openVillage(id, fit) {
  panelState = { kind: "village", id: id };
  panelLoading("村（居）");
  if (!map.hasLayer(layers.choropleth)) map.addLayer(layers.choropleth);
  U.getJSON(cfg.urls.village + encodeURIComponent(id)).then(function (v) {
    if (!panelState || panelState.id !== id) return;
    setHash("village=" + id + (current !== "visit" ? "&target=" + current : ""));
    if (fit) fitTo(v.bounds);
    highlight(null);
    var t = target(current);
    var list = U.el("ol", { className: "uncovered" });
    v.children.forEach(function (g) {
      var e = g.targets[current] || {};
      var btn = U.el("button", { type: "button", className: "uncovered__item" },
        U.el("span", { className: "uncovered__addr" }, U.text(g.name)),
        U.el("span", { className: "uncovered__meta" }, t.name + " " + rateText(e.rate), statusBadge(statusOf(e))));
      btn.addEventListener("click", function () { openGrid(g.id, true); });
      list.appendChild(U.el("li", null, btn));
    });
    var note = v.grids < v.grids_total ? U.el("p", { className: "panel__state" },
      "您可查看其中 " + v.grids + " 个网格，合计仅含这些网格") : null;
    panelShow(["村（居）", " ", U.el("span", { className: "panel__crumb" }, v.grids_total + " 个网格")], v.name,
      [U.el("section", { className: "panel__targets" },
         U.el("h3", { className: "section-title" }, "三个100%、三个95%"), targetRows(v.targets)), note,
       U.el("section", null, U.el("h3", { className: "section-title" }, "各网格", U.el("small", null, t.name)), list)]);
  }).catch(function (err) { panelError(err.message); });
}

// --- heat layers -------------------------------------------------------------------------

function radiusFor(z, mode) {
  if (mode === "points") return z >= 19 ? 30 : z >= 18 ? 24 : z >= 17 ? 19 : 15;
  return z <= 11 ? 24 : z <= 13 ? 27 : 29;
}

var HeatLayer = L.HeatLayer.extend({
  onAdd: function (m) {
    L.HeatLayer.prototype.onAdd.call(this, m);
    var pane = m.getPane(this.options.pane);
    if (pane) pane.appendChild(this._canvas);  // the vendored Leaflet.heat always uses overlayPane
    this._refresh = this._refresh || U.debounce(L.bind(this.load, this), 200);
    m.on("moveend", this._refresh, this);
    this.load();
  },
  onRemove: function (m) {
    L.DomUtil.remove(this._canvas);
    m.off("moveend", this._reset, this);
    if (m.options.zoomAnimation) m.off("zoomanim", this._animateZoom, this);
    m.off("moveend", this._refresh, this);
    if (this._controller) this._controller.abort();
    this._map = null;
    showHeatStats(this.options.layer, null);
  },
  _redraw: function () {
    // Leaflet.heat divides intensities by 2^(maxZoom - zoom); the server already sums per view,
    // so draw at the current zoom's scale. (A maxZoom option would also make the layer
    // switcher disable the layer above that zoom.)
    if (!this._map) { this._frame = null; return; }
    this.options.maxZoom = this._map.getZoom();
    L.HeatLayer.prototype._redraw.call(this);
    delete this.options.maxZoom;
  },
  load: function () {
    var m = this._map, self = this;
    if (!m) return;
    var b = m.getBounds(), tb = cfg.townBounds;
    var west = b.getWest(), south = b.getSouth(), east = b.getEast(), north = b.getNorth();
    if (tb) {  // nothing to draw outside the town: ask for the part of the view inside it
      west = Math.max(west, tb[0][1] - 0.01); south = Math.max(south, tb[0][0] - 0.01);
      east = Math.min(east, tb[1][1] + 0.01); north = Math.min(north, tb[1][0] + 0.01);
    }
    if (east <= west || north <= south) { this.setLatLngs([]); showHeatStats(this.options.layer, { total: 0 }); return; }
    if (east - west > MAX_BBOX) { var cx = (east + west) / 2; west = cx - MAX_BBOX / 2 + 1e-6; east = cx + MAX_BBOX / 2 - 1e-6; }
    if (north - south > MAX_BBOX) { var cy = (north + south) / 2; south = cy - MAX_BBOX / 2 + 1e-6; north = cy + MAX_BBOX / 2 - 1e-6; }
    var z = Math.max(9, Math.min(22, U.tileZoom(m)));
    var bbox = [west, south, east, north].map(function (v) { return v.toFixed(6); }).join(",");
    if (this._controller) this._controller.abort();
    this._controller = new AbortController();
    U.getJSON(cfg.urls.heat + encodeURIComponent(this.options.layer) + "?bbox=" + bbox + "&z=" + z,
              this._controller.signal).then(function (data) {
      if (!self._map) return;
      var r = radiusFor(z, data.mode);
      L.setOptions(self, { radius: r, blur: Math.round(r * 0.85), max: Math.max(1, data.p90), minOpacity: 0.18 });
      if (self._heat) self._updateOptions();
      self.setLatLngs(data.points);
      self.stats = data;
      showHeatStats(self.options.layer, data);
    }).catch(function (err) {
      if (err.name !== "AbortError" && window.console) console.warn("heat:", err.message);
    });
  },
});

function heatLayer(options) {
  return new HeatLayer([], L.extend({ radius: 25, blur: 20, minOpacity: 0.18, max: 1 }, options));
}

function showHeatStats(code, data) {
  var key = document.querySelector('.heat-key[data-layer="' + code + '"]');
  if (!key) return;
  key.hidden = !data;
  var out = key.querySelector(".heat-key__stat");
  if (out && data) {
    var unit = (cfg.heat[code] || {}).unit || "";
    out.textContent = "视图内 " + (data.total || 0).toLocaleString() + " " + unit +
      (data.mode === "points" ? "（按楼栋）" : data.mode ? "（按网格单元汇总）" : "");
  }
  updateLegend();
}

// --- wiring --------------------------------------------------------------------------------

function heatLayers() {
  return Object.keys(layers).filter(function (k) { return k.indexOf("heat_") === 0; })
    .map(function (k) { return layers[k]; });
}

function updateLegend() {
  var onChoropleth = map.hasLayer(layers.choropleth);
  var onHeat = heatLayers().some(function (l) { return map.hasLayer(l); });
  var el = document.getElementById("gc-legend-targets");
  if (el) el.hidden = !onChoropleth;
  el = document.getElementById("gc-legend-heat");
  if (el) el.hidden = !onHeat;
  el = document.getElementById("gc-legend-progress");
  if (el) el.hidden = onChoropleth || onHeat;
  var ctl = document.querySelector(".target-control");
  if (ctl) ctl.classList.toggle("is-on", onChoropleth);
  var m = onChoropleth || onHeat;
  if (m !== muted && layers.grids) {
    muted = m;
    restyle(layers.grids);
  }
}

function muteGridFill(grids) {
  var styles = grids.options.vectorTileLayerStyles;
  var base = styles.grids;
  styles.grids = function (p, z) {
    var s = base(p, z);
    return muted ? L.extend({}, s, { fill: false, fillOpacity: 0 }) : s;
  };
}

function fromLocation() {
  var params = new URLSearchParams((window.location.hash || "").replace(/^#/, ""));
  var query = new URLSearchParams(window.location.search || "");
  var t = params.get("target") || query.get("target");
  if (t && cfg.targets.some(function (x) { return x.code === t; })) setTarget(t, false);
  var grid = params.get("grid") || query.get("grid");
  var village = params.get("village") || query.get("village");
  if (grid && /^\d+$/.test(grid)) openGrid(Number(grid), true);
  else if (village && /^\d+$/.test(village)) openVillage(Number(village), true);
  else if (t) setTarget(t, true);
}

/** Called by folium's set-up; configured once GridCheck's page configuration has arrived. */
export function init(m, lyrs) {
  ready.then(function (all) { start(m, lyrs, all.coverage); });
}

function start(m, lyrs, config) {
  cfg = L.extend(cfg, config || {});
  U = util;
  map = m;
  layers = lyrs;
  if (layers.grids) muteGridFill(layers.grids);
  new TargetControl().addTo(map);
  setupChoropleth();
  map.on("overlayadd overlayremove", function (e) {
    if (e.layer === layers.choropleth && e.type === "overlayremove") highlight(null);
    updateLegend();
  });
  map.on("layeradd layerremove", function (e) {
    if (e.layer === layers.choropleth || heatLayers().indexOf(e.layer) >= 0) updateLegend();
  });
  var panel = state.panel;
  var closed = panel.onClose;
  panel.onClose = function () {
    if (closed) closed();
    panelState = null;
    highlight(null);
    setHash("");
  };
  setTarget(current, false);
  updateLegend();
  window.addEventListener("hashchange", fromLocation);
  map.whenReady(fromLocation);
}

export { style, featureId, heatLayer };
/** Styles by MVT layer name (webgis/sql/coverage.sql, gc_tile_coverage). */
export const tileStyles = { coverage_grids: style.grid, coverage_villages: style.village };

/* 名称标注: village and grid names for the current view (GET /api/layers/labels), decluttered. */
/* global L */
import { badge, cfg, debounce, el, formatTime, getJSON, keepVisible, statusColour, statusLabel, text, tileZoom } from "../util.js";

var MAX_LABEL_BBOX = 1.0;  // degrees per side, the API's cap

function labelMarker(feature) {
  var c = feature.geometry && feature.geometry.coordinates;
  if (!c) return null;
  var kind = feature.properties.kind === "village" ? "village" : "grid";
  var icon = L.divIcon({
    className: "gc-label gc-label--" + kind,
    html: el("span", null, text(feature.properties.name, "")),
    iconSize: null,
  });
  return L.marker([c[1], c[0]], { icon: icon, pane: "gc-labels", interactive: false, keyboard: false });
}

/** Hide labels that would overlap one already shown; village names go first. */
function declutter(group) {
  var placed = [], pad = 3;
  var markers = group.getLayers().sort(function (a, b) {
    return (b.options.icon.options.className.indexOf("village") >= 0) -
           (a.options.icon.options.className.indexOf("village") >= 0);
  });
  markers.forEach(function (m) {
    var span = m.getElement() && m.getElement().firstChild;
    if (!span) return;
    var r = span.getBoundingClientRect();
    var hit = placed.some(function (p) {
      return r.left < p.right + pad && r.right > p.left - pad && r.top < p.bottom + pad && r.bottom > p.top - pad;
    });
    span.style.visibility = hit ? "hidden" : "";
    if (!hit) placed.push(r);
  });
}

export function setupLabels(map, group) {
  var controller = null;
  var shown = null;  // the URL whose labels are on the map (or on their way)
  function refresh() {
    if (!map.hasLayer(group)) {
      if (controller) controller.abort();
      controller = null;
      shown = null;
      return;
    }
    var b = map.getBounds();
    var west = Math.max(-180, b.getWest()), east = Math.min(180, b.getEast());
    var south = Math.max(-90, b.getSouth()), north = Math.min(90, b.getNorth());
    if (east - west > MAX_LABEL_BBOX || north - south > MAX_LABEL_BBOX) {
      if (controller) controller.abort();
      controller = null;
      shown = null;
      group.clearLayers();
      return;
    }
    var bbox = [west, south, east, north].map(function (v) { return v.toFixed(6); }).join(",");
    var url = cfg.urls.labels + "?bbox=" + bbox + "&z=" + tileZoom(map);
    if (url === shown) return;  // the same view again (a fit to where the map already is)
    if (controller) controller.abort();
    controller = new AbortController();
    shown = url;
    getJSON(url, controller.signal).then(function (fc) {
      group.clearLayers();
      (fc.features || []).forEach(function (f) {
        var m = labelMarker(f);
        if (m) group.addLayer(m);
      });
      declutter(group);
    }).catch(function (err) {
      if (shown === url) shown = null;  // failed: the next move asks again
      if (err.name !== "AbortError" && window.console) console.warn("labels:", err.message);
    });
  }
  var debounced = debounce(refresh, 250);
  map.on("moveend", debounced);
  group.on("add", refresh);  // switched on in the layer control, or added by index.js
  map.whenReady(refresh);
}

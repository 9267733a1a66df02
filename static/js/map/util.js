/*
 * The map page's shared state and helpers (ES module): the page configuration (filled from
 * GET /api/map/config by index.js), DOM building (text only, never HTML), colours of the
 * collection states, JSON requests. Server strings only ever reach the page as text.
 */
/* global L */

// Leaflet 1.8 dropped L.DomEvent.fakeStop, which VectorGrid 1.3 calls when a canvas
// feature is clicked; 1.9 stops map propagation through originalEvent._stopped instead.
if (!L.DomEvent.fakeStop) {
  L.DomEvent.fakeStop = function (e) { e._stopped = true; };
}

/** The page configuration (GET /api/map/config), shared by every map module. */
export const cfg = { statuses: {}, buildingMinZoom: 14, footprintZoom: 16, urls: {} };

export function configure(config) { Object.assign(cfg, config || {}); }

export function el(tag, props) {
  var node = document.createElement(tag);
  if (props) {
    Object.keys(props).forEach(function (key) {
      if (key === "style") {
        Object.keys(props.style).forEach(function (p) { node.style.setProperty(p, props.style[p]); });
      } else if (key === "attrs") {
        Object.keys(props.attrs).forEach(function (a) { node.setAttribute(a, props.attrs[a]); });
      } else {
        node[key] = props[key];
      }
    });
  }
  for (var i = 2; i < arguments.length; i++) {
    var child = arguments[i];
    if (child === null || child === undefined || child === false) continue;
    node.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Display text of a server value; a dash (or `fallback`) when it is missing. */
export function text(value, fallback) {
  if (value === null || value === undefined || value === "") return fallback === undefined ? "—" : fallback;
  return String(value);
}

function pad(n) { return n < 10 ? "0" + n : String(n); }

/** Format an ISO timestamp as local "YYYY-MM-DD HH:mm". */
export function formatTime(iso) {
  if (!iso) return null;
  var d = new Date(iso);
  if (isNaN(d.getTime())) return iso;
  return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) +
    " " + pad(d.getHours()) + ":" + pad(d.getMinutes());
}

/** The zoom the vector tiles are drawn at (Leaflet rounds fractional zooms). */
export function tileZoom(map) {
  return Math.round(map.getZoom());
}

export function statusColour(code) {
  return (cfg.statuses[code] || {}).colour || "#6b7280";
}

export function statusLabel(code) {
  return (cfg.statuses[code] || {}).label || code;
}

export function badge(label, colour, extraClass) {
  return el("span", { className: "badge" + (extraClass ? " " + extraClass : ""), style: { "--badge": colour } }, label);
}

export function debounce(fn, ms) {
  var timer = null;
  return function () {
    clearTimeout(timer);
    timer = setTimeout(fn, ms);
  };
}

/**
 * The request the page's head already started for `url` (templates/map.html), taken once:
 * the configuration and a linked grid's data are on their way before the scripts load.
 */
function takeStarted(url) {
  var started = window.gcStarted;
  if (!started || !started[url]) return null;
  var request = started[url];
  delete started[url];
  return request;
}

/** Run `fn` once the page has painted what was just put into it (at most ~100 ms later). */
export function afterPaint(fn) {
  var done = false;
  function run() { if (!done) { done = true; fn(); } }
  requestAnimationFrame(function () { setTimeout(run, 0); });
  setTimeout(run, 100);  // no frames in a background tab
}

/** Fetch JSON from the app; reject with the message of the API's error shape. */
export function getJSON(url, signal) {
  // High priority: ahead of the map's tiles (fetched at low priority, webgis/map/page.py).
  var request = (!signal && takeStarted(url)) ||
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" }, signal: signal,
                 priority: "high" });
  return request.then(function (resp) {
    return resp.json().catch(function () { return null; }).then(function (body) {
      if (resp.ok && body) return body;
      var message = body && body.error && body.error.message;
      if (resp.status === 401) message = message || "登录已失效，请重新登录";
      throw new Error(message || "请求失败（" + resp.status + "）");
    });
  });
}

/** The zoom a grid or village is opened at, at most (its buildings are drawn from z16). */
export const FOCUS_MAX_ZOOM = 17;
/** The bottom sheet's largest share of the map's height on phones (map.css: .panel max-height). */
const SHEET_SHARE = 0.68;

/**
 * Fit `bounds` into the part of the map the panel leaves free: beside the side panel on
 * desktop, above the bottom sheet on phones. The panel's width is measured even while it is
 * hidden, so the map can open at the final view before the panel is shown.
 */
export function fitBesidePanel(map, bounds, panelEl, animate) {
  if (!bounds) return;
  var sheet = window.matchMedia("(max-width: 640px)").matches;
  var width = panelEl ? panelEl.offsetWidth : 0;
  if (panelEl && !width && !sheet) {
    var hidden = panelEl.hidden;
    panelEl.hidden = false;
    width = panelEl.offsetWidth;
    panelEl.hidden = hidden;
  }
  // On phones the bottom sheet grows with its content up to SHEET_SHARE of the map: fit above
  // that, so the view is the same before and after the panel is filled.
  var pad = sheet ? { paddingTopLeft: [16, 16], paddingBottomRight: [16, Math.round(map.getSize().y * SHEET_SHARE) + 16] }
    : { paddingTopLeft: [24, 24], paddingBottomRight: [(width || 420) + 24, 24] };
  map.fitBounds(bounds, L.extend({ maxZoom: FOCUS_MAX_ZOOM }, pad, animate === false ? { animate: false } : {}));
}

export function keepVisible(map, latlng, panelEl) {
  if (!latlng || !panelEl) return;
  var size = map.getSize(), margin = 24;
  var sheet = window.matchMedia("(max-width: 640px)").matches;
  var free = sheet
    ? L.bounds([0, 0], [size.x, size.y * (1 - 0.68)])  // the sheet's max-height in map.css
    : L.bounds([0, 0], [size.x - panelEl.offsetWidth, size.y]);
  var p = map.latLngToContainerPoint(latlng);
  var inside = p.x > free.min.x + margin && p.x < free.max.x - margin &&
               p.y > free.min.y + margin && p.y < free.max.y - margin;
  if (!inside) map.panBy(p.subtract(free.getCenter()));
}

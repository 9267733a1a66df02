/*
 * GridCheck map page (ES module): folium builds the Leaflet objects (webgis/map/page.py) in
 * its inline set-up, which imports this module as `GridCheck` and ends with
 * GridCheck.init(map, layers, {configUrl}). One file per layer under layers/ (its style),
 * the building panel in panel.js, 登记新楼栋 in draw.js, shared state and helpers in util.js.
 */
/* global L */
import { Drawer } from "./draw.js";
import { rampColour } from "./layers/common.js";
import * as buildings from "./layers/buildings.js";
import * as grids from "./layers/grids.js";
import { setupLabels } from "./layers/labels.js";
import * as roads from "./layers/roads.js";
import * as villages from "./layers/villages.js";
import { Panel, perms, readPermissions } from "./panel.js";
import { afterPaint, badge, cfg, configure, debounce, el, fitBesidePanel, getJSON, keepVisible, statusColour,
         statusLabel, text, tileZoom } from "./util.js";

const gridPopup = grids.gridPopup;

/** The styles folium's set-up hands to VectorGrid, by MVT layer name. */
export const style = { villages: villages.style, grids: grids.style, roads: roads.style,
                       buildings: buildings.style, selected: buildings.selected };

/**
 * Feature id for VectorGrid's getFeatureId. The tile functions pass `id` to ST_AsMVT as the
 * MVT feature id, which takes it out of the properties; copy it back so click handlers
 * (which only see properties) have it too.
 */
export function featureId(f) {
  var props = f.properties || (f.properties = {});
  if ((props.id === undefined || props.id === null) && f.id !== undefined) props.id = f.id;
  return props.id;
}

/** What coverage.js shares with the map: the panel and the layers, once started. */
export const state = { panel: null, layers: null, releaseLayers: null };

let resolveReady;
/** Resolves with the page configuration once the map is started. */
export const ready = new Promise((ok) => { resolveReady = (p) => p.then(ok); });

export { rampColour };
/** Helpers coverage.js uses (targets choropleth, heat layers, grid panel). */
export const util = { el, text, getJSON, afterPaint, badge, debounce, fitBesidePanel, keepVisible, statusColour, statusLabel,
                      tileZoom };

/**
 * Called by folium's set-up with the Leaflet objects it built (the app's layers built hidden)
 * and the URL of the page's configuration: fetch it (GET /api/map/config), open the map at
 * the user's grids, then show the layers and wire the panel. `ready` resolves with the whole
 * configuration (static/js/coverage.js waits for it too).
 */
export function init(map, layers, config) {
  window.gcMap = map;  // a handle for the browser tests (tests/browser), not used by the app
  var url = (config && config.configUrl) || "/api/map/config";
  var ready = getJSON(url).then(function (all) {
    start(map, layers, all);
    return all;
  });
  ready.catch(function (err) {
    var hint = document.getElementById("gc-zoom-hint");
    if (hint) { hint.hidden = false; hint.textContent = "地图配置加载失败：" + err.message + "，请刷新页面"; }
  });
  resolveReady(ready);
}

var SHOWN = ["villages", "grids", "roads", "buildings", "labels"];
var FIRST_PANEL_WAIT = 1500;  // ms

function start(map, layers, config) {
  configure(config);
  var focus = cfg.focus || cfg.townBounds;
  if (cfg.focusGrid && cfg.focus) {
    // A grid's 地图 link: open at the view its panel will fit (coverage.js openGrid), so the
    // tiles are fetched once, for the final view.
    fitBesidePanel(map, cfg.focus, document.getElementById("gc-panel"), false);
  } else if (focus) {
    map.fitBounds(focus, { padding: [12, 12], animate: false });
  }
  // From a grid's 地图 link the grid's panel goes first (its data was requested in the page's
  // head): the map's layers, a hundred tile requests and their drawing, start once the panel
  // is painted (coverage.js calls state.releaseLayers), or FIRST_PANEL_WAIT later at most.
  var shown = false;
  function showLayers() {
    if (shown) return;
    shown = true;
    state.releaseLayers = null;
    SHOWN.forEach(function (key) { if (layers[key]) layers[key].addTo(map); });
    updateHint();
  }
  var waitForPanel = Boolean(cfg.focusGrid && cfg.coverage);
  state.releaseLayers = waitForPanel ? showLayers : null;  // coverage.js calls it after the paint
  readPermissions();
  var panel = new Panel(map, layers.buildings);
  state.panel = panel;
  // /?building=<id> (the registration form's 返回地图): open that building's panel and go there.
  var wanted = new URLSearchParams(window.location.search).get("building");
  if (wanted && /^\d{1,12}$/.test(wanted)) {
    panel.open(Number(wanted));
    panel.onFirstRender = function (b) {
      var c = b.geometry && b.geometry.coordinates;
      if (c) map.setView([c[1], c[0]], Math.max(map.getZoom(), cfg.footprintZoom + 1));
    };
  }
  state.layers = layers;

  var drawer = perms.edit && document.getElementById("gc-draw-start") ? new Drawer(map, panel, layers.buildings) : null;
  layers.buildings.on("click", function (e) {
    if (drawer && drawer.active) return;  // while drawing, a click is a vertex (see Drawer)
    var id = e.layer && e.layer.properties && e.layer.properties.id;
    if (id === undefined || id === null) return;
    panel.open(id);
    keepVisible(map, e.latlng, panel.root);
  });

  layers.grids.on("click", function (e) {
    // From the building zoom on, a click is about buildings (unless they are switched off).
    if (!e.layer || !e.layer.properties) return;
    if (drawer && drawer.active) return;
    if (tileZoom(map) >= cfg.buildingMinZoom && map.hasLayer(layers.buildings)) return;
    L.popup({ className: "gc-popup", maxWidth: 280, autoPanPaddingTopLeft: [12, 12] })
      .setLatLng(e.latlng)
      .setContent(gridPopup(map, e.layer.properties, e.latlng))
      .openOn(map);
  });

  var hint = document.getElementById("gc-zoom-hint");
  function updateHint() {
    if (hint) hint.hidden = !shown || tileZoom(map) >= cfg.buildingMinZoom || !map.hasLayer(layers.buildings);
  }
  map.on("zoomend overlayadd overlayremove", updateHint);

  if (layers.labels) setupLabels(map, layers.labels);
  if (waitForPanel) setTimeout(showLayers, FIRST_PANEL_WAIT); else showLayers();

  // Legend folded away on phones so the map keeps the screen.
  var legend = document.getElementById("gc-legend");
  if (legend && window.matchMedia && window.matchMedia("(max-width: 640px)").matches) legend.open = false;

  // The panel changes the visible map area on desktop; keep Leaflet's size in sync.
  window.addEventListener("resize", debounce(function () { map.invalidateSize(); }, 150));
}


/* 楼栋: the building layer (MVT layer "buildings"): points below the footprint zoom, footprints
 * from it, coloured by collection state; `selected` outlines the building open in the panel. */
/* global L */
import { badge, cfg, debounce, el, formatTime, getJSON, keepVisible, statusColour, statusLabel, text, tileZoom } from "../util.js";

export const style = function (p, z) {
  var c = statusColour(p.status), hollow = p.status === "demolished";
  if (z < cfg.footprintZoom) {
    return {
      radius: z >= 15 ? 4.5 : 3.2, weight: hollow ? 1.5 : 1, color: hollow ? c : "#ffffff", opacity: 1,
      fill: !hollow, fillColor: c, fillOpacity: 0.95, dashArray: hollow ? "2 2" : null,
    };
  }
  return {
    radius: 5, weight: hollow ? 1.5 : 1, color: hollow ? c : shade(c), opacity: 0.95,
    fill: !hollow, fillColor: c, fillOpacity: 0.62, dashArray: hollow ? "4 3" : null,
  };
};

export const selected = function (p, z) {
  var base = style(p, z);
  return L.extend({}, base, {
    color: "#0f172a", weight: 3, opacity: 1, dashArray: null,
    fill: true, fillColor: statusColour(p.status), fillOpacity: 0.9,
    radius: (base.radius || 5) + 2.5,
  });
};

function shade(hex) {
  var n = parseInt(hex.slice(1), 16);
  var r = Math.round(((n >> 16) & 255) * 0.7), g = Math.round(((n >> 8) & 255) * 0.7), b = Math.round((n & 255) * 0.7);
  return "rgb(" + r + "," + g + "," + b + ")";
}


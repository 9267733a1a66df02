/* 网格: the grid layer (MVT layer "grids"), its ramp fill at overview zooms and its popup. */
import { rampColour } from "./common.js";
import { badge, cfg, debounce, el, formatTime, getJSON, keepVisible, statusColour, statusLabel, text, tileZoom } from "../util.js";

export const style = function (p, z) {
  var overview = z < cfg.buildingMinZoom;
  var s = {
    color: "#2563eb", opacity: overview ? 0.55 : 0.7,
    weight: overview ? 1 : 1.6, fill: overview, fillOpacity: 0,
  };
  if (overview && p.buildings > 0) {
    s.fillColor = rampColour(p.not_visited / p.buildings);
    s.fillOpacity = 0.5;
  }
  return s;
};

export function gridPopup(map, p, latlng) {
  var total = p.buildings || 0;
  var others = Math.max(0, total - p.not_visited - p.visited - p.verified);
  var bar = el("div", { className: "gridpop__bar", attrs: { "aria-hidden": "true" } });
  [["verified", p.verified], ["visited", p.visited], ["not_visited", p.not_visited], ["demolished", others]]
    .forEach(function (part) {
      if (total > 0 && part[1] > 0) {
        bar.appendChild(el("span", { style: { width: (100 * part[1] / total) + "%", background: statusColour(part[0]) } }));
      }
    });
  function stat(value, label) {
    return el("div", { className: "gridpop__stat" }, el("b", null, text(value, "0")), el("span", null, label));
  }
  var zoomIn = el("button", { type: "button", className: "btn btn--link" }, "放大查看楼栋 →");
  zoomIn.addEventListener("click", function () {
    map.closePopup();
    map.setView(latlng, Math.max(cfg.footprintZoom, tileZoom(map) + 1));
  });
  return el("div", { className: "gridpop" },
    el("div", { className: "gridpop__title" }, text(p.name)),
    el("div", { className: "gridpop__sub" }, text(p.village)),
    bar,
    el("div", { className: "gridpop__stats" },
      stat(total, "楼栋"), stat(p.not_visited, statusLabel("not_visited")),
      stat(p.visited, statusLabel("visited")), stat(p.verified, statusLabel("verified"))),
    el("div", { className: "gridpop__action" }, zoomIn));
}

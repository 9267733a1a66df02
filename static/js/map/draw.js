/* 登记新楼栋: place a point, or draw a footprint with a few clicks and 完成 (map edit roles). */
/* global L */
import * as api from "../api.js";
import { formField, perms, showErrors } from "./panel.js";
import { badge, cfg, debounce, el, formatTime, getJSON, keepVisible, statusColour, statusLabel, text, tileZoom } from "./util.js";

export function Drawer(map, panel, buildings) {
  this.map = map; this.panel = panel; this.buildings = buildings;
  this.shell = document.getElementById("gc-shell");
  this.bar = document.getElementById("gc-draw");
  this.start = document.getElementById("gc-draw-start");
  this.done = document.getElementById("gc-draw-done");
  this.undo = document.getElementById("gc-draw-undo");
  this.hint = document.getElementById("gc-draw-hint");
  this.points = [];
  this.active = false;
  this.shape = L.layerGroup().addTo(map);
  var self = this;
  this.start.addEventListener("click", function () { self.begin(); });
  document.getElementById("gc-draw-cancel").addEventListener("click", function () { self.end(); });
  this.undo.addEventListener("click", function () { self.points.pop(); self.redraw(); });
  this.done.addEventListener("click", function () { self.finish(); });
  // Vector-tile canvases swallow clicks on empty ground (no map "click"), so while drawing
  // the container's own clicks are read: any tap that is not a drag and not on a control.
  var container = map.getContainer(), down = null;
  container.addEventListener("pointerdown", function (e) { down = [e.clientX, e.clientY]; }, true);
  container.addEventListener("click", function (e) {
    if (!self.active) return;
    if (e.target.closest && e.target.closest(".leaflet-control, .leaflet-popup")) return;
    if (down && Math.abs(e.clientX - down[0]) + Math.abs(e.clientY - down[1]) > 6) return;  // a pan
    self.add(map.mouseEventToLatLng(e));
  }, true);
}

/** A vertex (the map, or a layer that stops the click from reaching the map, may report it). */
Drawer.prototype.add = function (latlng) {
  var last = this.points[this.points.length - 1];
  if (last && last.equals(latlng)) return;  // the same click reported twice
  this.points.push(latlng);
  this.redraw();
};

Drawer.prototype.begin = function () {
  this.panel.close();
  this.active = true;
  this.points = [];
  this.shell.classList.add("is-drawing");
  this.bar.hidden = false;
  if (tileZoom(this.map) < cfg.footprintZoom) {
    this.hint.textContent = "请先放大到楼栋清晰可见，再点击地图放置楼栋位置或绘制轮廓";
  }
  this.redraw();
};

Drawer.prototype.end = function () {
  this.active = false;
  this.points = [];
  this.shape.clearLayers();
  this.shell.classList.remove("is-drawing");
  this.bar.hidden = true;
};

Drawer.prototype.redraw = function () {
  var pts = this.points;
  this.shape.clearLayers();
  pts.forEach(function (p) {
    this.shape.addLayer(L.circleMarker(p, { radius: 6, color: "#1d4ed8", weight: 2, fillColor: "#fff", fillOpacity: 1 }));
  }, this);
  if (pts.length >= 3) this.shape.addLayer(L.polygon(pts, { color: "#1d4ed8", weight: 2, fillOpacity: 0.2 }));
  else if (pts.length === 2) this.shape.addLayer(L.polyline(pts, { color: "#1d4ed8", weight: 2, dashArray: "4 4" }));
  this.done.disabled = pts.length === 0 || pts.length === 2;
  this.undo.disabled = pts.length === 0;
  this.hint.textContent = pts.length === 0 ? "点击地图放置楼栋位置；或依次点击楼栋各角绘制轮廓，再点“完成”"
    : pts.length === 1 ? "已放置位置点。点“完成”登记；或继续点击绘制轮廓（至少三点）"
    : pts.length === 2 ? "轮廓至少需要三个点" : "已绘制 " + pts.length + " 个角点，点“完成”结束绘制";
};

Drawer.prototype.geometry = function () {
  var pts = this.points;
  if (pts.length === 1) return { type: "Point", coordinates: [pts[0].lng, pts[0].lat] };
  var ring = pts.map(function (p) { return [p.lng, p.lat]; });
  ring.push(ring[0]);
  return { type: "Polygon", coordinates: [ring] };
};

Drawer.prototype.finish = function () {
  var self = this, panel = this.panel, geometry = this.geometry();
  this.active = false;
  this.bar.hidden = true;
  panel.select(null);
  panel.show();
  panel.kicker.replaceChildren("登记新楼栋");
  panel.title.textContent = geometry.type === "Point" ? "楼栋位置已放置" : "楼栋轮廓已绘制";
  var name = "gc-af-" + Date.now();
  function radio(value, label, checked) {
    return el("label", { className: "choice__item" },
      el("input", { type: "radio", name: name, value: value, checked: checked, className: "choice__radio" }),
      el("span", null, label));
  }
  var rural = el("div", { className: "draw-form__row" },
    formField("组", el("input", { className: "field__input", attrs: { maxlength: 20, placeholder: "如 14组" } })),
    formField("号（门牌）", el("input", { className: "field__input", attrs: { maxlength: 20, placeholder: "如 8号" } })));
  var urban = el("div", { className: "draw-form__row" },
    formField("小区（路）", el("input", { className: "field__input", attrs: { maxlength: 60 } })),
    formField("幢（号）", el("input", { className: "field__input", attrs: { maxlength: 20, placeholder: "如 3幢" } })));
  urban.hidden = true;
  var type = el("select", { className: "field__input" });
  perms.buildingTypes.forEach(function (o) { type.appendChild(el("option", { value: o[0] }, o[1])); });
  var floors = el("input", { className: "field__input", type: "number", value: "1", attrs: { min: 1, max: 100, inputmode: "numeric" } });
  var rooms = el("input", { className: "field__input", type: "number", value: "1", attrs: { min: 0, max: 2000, inputmode: "numeric" } });
  var errors = el("div", { className: "edit-form__errors", attrs: { role: "alert" } });
  errors.hidden = true;
  var save = el("button", { type: "submit", className: "btn btn--primary" }, "保存楼栋");
  var cancel = el("button", { type: "button", className: "btn btn--outline" }, "取消");
  var form = el("form", { className: "draw-form edit-form" },
    el("fieldset", { className: "choice" }, el("legend", { className: "field__label" }, "地址形式"),
      el("div", { className: "choice__group" }, radio("rural", "村组门牌（组/号）", true), radio("urban", "小区楼幢（小区/幢）", false))),
    rural, urban, formField("楼栋类型", type),
    el("div", { className: "draw-form__row" }, formField("层数", floors), formField("间数", rooms)),
    errors, el("div", { className: "edit-actions__row" }, save, cancel));
  form.addEventListener("change", function () {
    var urbanOn = form.querySelector("input[name='" + name + "']:checked").value === "urban";
    urban.hidden = !urbanOn;
    rural.hidden = urbanOn;
  });
  cancel.addEventListener("click", function () { panel.close(); self.end(); });
  var attempt = null;
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var form_ = form.querySelector("input[name='" + name + "']:checked").value;
    var r = rural.querySelectorAll("input"), u = urban.querySelectorAll("input");
    attempt = attempt || api.uuid();
    save.disabled = true;
    api.postJSON("/api/buildings", {
      client_uuid: attempt, geometry: geometry, address_form: form_,
      group_name: form_ === "rural" ? r[0].value.trim() || null : null,
      house_no: form_ === "rural" ? r[1].value.trim() || null : null,
      compound: form_ === "urban" ? u[0].value.trim() || null : null,
      building_no: form_ === "urban" ? u[1].value.trim() || null : null,
      building_type: type.value, floors: Number(floors.value), rooms_count: Number(rooms.value),
    }).then(function (res) {
      self.end();
      if (self.buildings.redraw) self.buildings.redraw();
      panel.open(res.id);
    }, function (err) {
      save.disabled = false;
      if (err.status) attempt = null;
      showErrors(errors, err);
    });
  });
  panel.body.replaceChildren(form);
  var first = form.querySelector("input.field__input");
  if (first) first.focus();
};

/*
 * The building panel (side panel on desktop, bottom sheet on phones): address, facts, the
 * households with their residents (masked), 登记/核对 links, and the map edits 添加房间 /
 * 标记拆除 for roles the server says may edit (data attributes, never role names).
 */
/* global L */
import * as api from "../api.js";
import { selected } from "./layers/buildings.js";
import { badge, cfg, debounce, el, formatTime, getJSON, keepVisible, statusColour, statusLabel, text, tileZoom } from "./util.js";

export function Panel(map, buildings) {
  this.map = map;
  this.buildings = buildings;
  this.shell = document.getElementById("gc-shell");
  this.root = document.getElementById("gc-panel");
  this.kicker = document.getElementById("gc-panel-kicker");
  this.title = document.getElementById("gc-panel-title");
  this.body = document.getElementById("gc-panel-body");
  this.selected = null;
  this.controller = null;
  var self = this;
  document.getElementById("gc-panel-close").addEventListener("click", function () { self.close(); });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && !self.root.hidden) self.close();
  });
}

Panel.prototype.select = function (id) {
  if (this.selected !== null) this.buildings.resetFeatureStyle(this.selected);
  this.selected = id;
  if (id !== null) this.buildings.setFeatureStyle(id, selected);
};

Panel.prototype.open = function (id) {
  var self = this;
  this.select(id);
  this.show();
  this.kicker.replaceChildren("楼栋");
  this.title.textContent = "正在加载…";
  this.body.replaceChildren(el("p", { className: "panel__state" }, "正在加载楼栋信息…"));
  if (this.controller) this.controller.abort();
  this.controller = new AbortController();
  getJSON(cfg.urls.building + encodeURIComponent(id), this.controller.signal)
    .then(function (b) { if (self.selected === id) self.render(b); })
    .catch(function (err) {
      if (err.name === "AbortError") return;
      self.title.textContent = "无法加载楼栋";
      self.body.replaceChildren(el("p", { className: "panel__error", attrs: { role: "alert" } }, err.message));
    });
};

Panel.prototype.show = function () {
  this.root.hidden = false;
  this.shell.classList.add("panel-open");
};

Panel.prototype.close = function () {
  if (this.controller) this.controller.abort();
  this.select(null);
  this.root.hidden = true;
  this.shell.classList.remove("panel-open");
  if (this.onClose) this.onClose();
};

Panel.prototype.render = function (b) {
  var kicker = ["楼栋", " ", badge(text(b.collection_status_label), statusColour(b.collection_status))];
  // 新增: the building was reported new in the campaign (its own status, not a collection state).
  if (b.status === "new") kicker.push(" ", badge("新增", "#2563eb", "badge--new"));
  this.kicker.replaceChildren.apply(this.kicker, kicker);
  this.title.textContent = text(b.standard_address);

  function fact(label, value, wide) {
    return el("div", { className: "facts__item" + (wide ? " facts__item--wide" : "") },
      el("dt", null, label), el("dd", null, value));
  }
  var facts = el("dl", { className: "facts" },
    fact("村（居）", text(b.village && b.village.name)),
    fact("网格", text(b.grid && b.grid.name)),
    fact("类型", text(b.building_type_label)),
    fact("层数", text(b.floors)),
    fact("间数", text(b.rooms_count)),
    fact("房屋状态", text(b.status_label)));

  var households = b.households || [];
  var people = households.reduce(function (n, h) { return n + (h.residents || []).length; }, 0);
  var section = el("section", null,
    el("h3", { className: "section-title" }, "住户",
      el("small", null, households.length + " 户 · 实有人口 " + people + " 人")));
  if (!households.length) {
    section.appendChild(el("p", { className: "panel__state" }, "该楼栋暂无住户记录"));
  } else {
    section.appendChild(householdSummary(households));
  }
  households.forEach(function (h) { section.appendChild(renderHousehold(h)); });
  var edits = editActions(this, b);
  this.body.replaceChildren(facts);
  if (edits) this.body.appendChild(edits);
  this.body.appendChild(section);
  this.body.scrollTop = 0;
  if (this.onFirstRender) { var first = this.onFirstRender; this.onFirstRender = null; first(b); }
  if (this.onRender) this.onRender(b);  // e.g. coverage.js adds a way back to the grid's list
};

function householdState(h) {
  if (h.verified_at) return ["verified", statusLabel("verified")];
  if (h.last_visit_at) return ["visited", statusLabel("visited")];
  return ["not_visited", statusLabel("not_visited")];
}

/** One line of counts per household state, so a big building reads at a glance. */
function householdSummary(households) {
  var counts = {};
  households.forEach(function (h) {
    if (h.status === "demolished") return;
    var code = householdState(h)[0];
    counts[code] = (counts[code] || 0) + 1;
  });
  var line = el("div", { className: "summary" });
  ["not_visited", "visited", "verified"].forEach(function (code) {
    line.appendChild(badge(statusLabel(code) + " " + (counts[code] || 0), statusColour(code)));
  });
  return line;
}

function renderHousehold(h) {
  var state = householdState(h);
  var badges = el("div", { className: "household__badges" });
  if (h.status && h.status !== "active") badges.appendChild(badge(text(h.status_label), statusColour("demolished")));
  if (h.status !== "demolished") badges.appendChild(badge(state[1], statusColour(state[0])));

  var visit = h.last_visit_at
    ? formatTime(h.last_visit_at) + (h.last_visit_result_label ? " · " + h.last_visit_result_label : "")
    : "未走访";
  var meta = el("dl", { className: "household__meta" },
    el("dt", null, "房屋性质"), el("dd", null, text(h.house_nature_label)),
    el("dt", null, "最近走访"), el("dd", null, visit),
    el("dt", null, "民警核验"), el("dd", null, h.verified_at ? formatTime(h.verified_at) : "未核验"));
  if (h.remarks) meta.append(el("dt", null, "备注"), el("dd", null, h.remarks));

  var card = el("article", { className: "household" },
    el("header", { className: "household__head" },
      el("span", { className: "household__addr", title: text(h.standard_address, "") }, text(h.address)),
      badges),
    meta);
  if (perms.register && h.status !== "demolished") {
    card.appendChild(el("div", { className: "household__actions" },
      el("a", { className: "btn btn--primary btn--small household__register",
                href: perms.registerUrl.replace("/0/register", "/" + encodeURIComponent(h.id) + "/register") },
        "登记/核对")));
  }

  var residents = h.residents || [];
  if (!residents.length) {
    card.appendChild(el("p", { className: "household__empty" }, "暂无实有人口登记"));
    return card;
  }
  var head = el("tr", null);
  ["姓名", "性别", "与户主关系", "身份证号", "联系电话", "人口类别"].forEach(function (t) {
    head.appendChild(el("th", { attrs: { scope: "col" } }, t));
  });
  var tbody = el("tbody", null);
  residents.forEach(function (r) {
    tbody.appendChild(el("tr", null,
      el("td", { className: "r-name" }, text(r.name)),
      el("td", null, text(r.gender_label)),
      el("td", null, text(r.relation_label)),
      el("td", { className: r.id_number ? "mono" : "muted" }, text(r.id_number)),
      el("td", { className: r.phone ? "mono" : "muted" }, text(r.phone)),
      el("td", null, text(r.category_label))));
  });
  card.appendChild(el("div", { className: "residents-wrap" },
    el("table", { className: "residents" }, el("thead", null, head), tbody)));
  return card;
}

// --- map edits in the panel (添加房间, 标记拆除): only for roles the server says may edit ----

export const perms = { register: false, edit: false, registerUrl: "", houseNatures: [] };

export function readPermissions() {
  var shell = document.getElementById("gc-shell");
  if (!shell) return;
  perms.register = shell.dataset.mayRegister === "1";
  perms.edit = shell.dataset.mayEdit === "1";
  perms.registerUrl = shell.dataset.registerUrl || "";
  try { perms.houseNatures = JSON.parse(shell.dataset.houseNatures || "[]"); } catch (e) { perms.houseNatures = []; }
  try { perms.buildingTypes = JSON.parse(shell.dataset.buildingTypes || "[]"); } catch (e) { perms.buildingTypes = []; }
}

export function formField(label, control) {
  return el("label", { className: "edit-form__field" }, el("span", null, label), control);
}

export function showErrors(box, err) {
  var lines = [err.message];
  Object.keys(err.details || {}).forEach(function (k) {
    if (typeof err.details[k] === "string") lines.push(err.details[k]);
  });
  box.replaceChildren.apply(box, lines.map(function (t) { return el("p", null, t); }));
  box.hidden = false;
}

/** 添加房间 / 标记拆除 for the building in the panel (POSTs carry one UUID per attempt). */
function editActions(panel, b) {
  if (!perms.edit || b.status === "demolished") return null;
    var box = el("section", { className: "edit-actions" });
  var addBtn = el("button", { type: "button", className: "btn btn--outline btn--small" }, "添加房间");
  var demBtn = el("button", { type: "button", className: "btn btn--danger btn--small" }, "标记拆除");
  var area = el("div", { className: "edit-form-area" });
  box.append(el("div", { className: "edit-actions__row" }, addBtn, demBtn), area);

  addBtn.addEventListener("click", function () {
    var unit = el("input", { className: "field__input", attrs: { maxlength: 10, placeholder: "如 1单元" } });
    var room = el("input", { className: "field__input", attrs: { maxlength: 20, placeholder: "如 101室、车库" } });
    var nature = el("select", { className: "field__input" });
    perms.houseNatures.forEach(function (o) { nature.appendChild(el("option", { value: o[0] }, o[1])); });
    var special = el("input", { className: "field__input", attrs: { maxlength: 40, placeholder: "车库、阁楼等住人空间（可空）" } });
    var errors = el("div", { className: "edit-form__errors", attrs: { role: "alert" } });
    errors.hidden = true;
    var save = el("button", { type: "submit", className: "btn btn--primary btn--small" }, "保存房间");
    var cancel = el("button", { type: "button", className: "btn btn--outline btn--small" }, "取消");
    var form = el("form", { className: "edit-form" }, el("p", { className: "edit-form__title" }, "添加房间"),
      b.address_form === "urban" ? formField("单元", unit) : null, formField("室 / 户", room),
      formField("房屋性质", nature), formField("其他居住空间", special), errors,
      el("div", { className: "edit-actions__row" }, save, cancel));
    var attempt = null;
    cancel.addEventListener("click", function () { area.replaceChildren(); });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      attempt = attempt || api.uuid();
      save.disabled = true;
      api.postJSON("/api/buildings/" + encodeURIComponent(b.id) + "/households", {
        client_uuid: attempt, unit: unit.value.trim() || null, room: room.value.trim(),
        house_nature: nature.value, special_space: special.value.trim() || null,
      }).then(function () {
        panel.open(b.id);
      }, function (err) {
        save.disabled = false;
        if (err.status) attempt = null;
        showErrors(errors, err);
      });
    });
    area.replaceChildren(form);
    room.focus();
  });

  demBtn.addEventListener("click", function () {
    var note = el("textarea", { className: "field__input", attrs: { rows: 2, maxlength: 500,
                                                                    placeholder: "拆迁公告号、住户去向等" } });
    var errors = el("div", { className: "edit-form__errors", attrs: { role: "alert" } });
    errors.hidden = true;
    var ok = el("button", { type: "submit", className: "btn btn--danger btn--small" }, "确认拆除");
    var cancel = el("button", { type: "button", className: "btn btn--outline btn--small" }, "取消");
    var form = el("form", { className: "edit-form edit-form--danger" },
      el("p", { className: "edit-form__title" }, "标记拆除：" + text(b.standard_address)),
      el("p", { className: "edit-form__note" }, "楼栋第 " + text(b.version) + " 版。所有房间的在住人员将标记为已搬离，记录保留。"),
      formField("说明", note), errors, el("div", { className: "edit-actions__row" }, ok, cancel));
    var attempt = null;
    cancel.addEventListener("click", function () { area.replaceChildren(); });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      attempt = attempt || api.uuid();
      ok.disabled = true;
      api.postJSON("/api/buildings/" + encodeURIComponent(b.id) + "/demolish",
                   { client_uuid: attempt, version: b.version, note: note.value.trim() || null })
        .then(function () {
          panel.open(b.id);
          if (panel.buildings.redraw) panel.buildings.redraw();
        }, function (err) {
          ok.disabled = false;
          if (err.status) attempt = null;
          if (err.code === "stale_version") err.message += "（请关闭面板后重新打开，查看最新内容）";
          showErrors(errors, err);
        });
    });
    area.replaceChildren(form);
    note.focus();
  });
  return box;
}

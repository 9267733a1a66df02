/*
 * 登记/核对: the registration form (住户基础信息登记表, 附件2) of one household.
 *
 * Loads the pre-filled form (GET …/form), lets the grid leader confirm or correct it row by
 * row, and saves it as one visit (POST …/registration) with a client UUID made once per
 * submission attempt and reused when the network fails and the user retries. Errors come
 * back as {"error": {code, message, details}}: field messages are shown next to their field,
 * a stale version offers a side-by-side merge, an ID registered in another room offers to
 * move the person here. Nothing typed is lost on an error.
 */
import * as api from "./api.js";
import * as offline from "./offline.js";

(function (window, document) {
  "use strict";

  var el = api.el, text = api.text;
  var root = document.getElementById("gc-register");
  if (!root) return;

  var urls = { form: root.dataset.formUrl, save: root.dataset.saveUrl, history: root.dataset.historyUrl,
               map: root.dataset.mapUrl, queue: root.dataset.queueUrl };
  // Offline, the service worker may answer with the page of another household (any registration
  // page it holds): the household is the one in the address bar.
  var householdId = root.dataset.householdId;
  var inPath = /\/households\/(\d+)\/register$/.exec(window.location.pathname);
  if (inPath && inPath[1] !== householdId) {
    Object.keys(urls).forEach(function (k) {
      if (urls[k]) urls[k] = urls[k].replace("/households/" + householdId + "/", "/households/" + inPath[1] + "/");
    });
    householdId = inPath[1];
  }
  var CIRCLED = ["①", "②", "③", "④", "⑤", "⑥", "⑦", "⑧", "⑨", "⑩"];
  // Outcomes where somebody was met: 知晓/满意 are asked (mirrors PRESENT_RESULTS in visits/schemas.py).
  var PRESENT = { verified: 1, changed: 1, new: 1, police_collected: 1 };
  // Outcomes after which nobody lives in the room: every member row leaves.
  var EMPTY = { moved_out: 1, vacant: 1, demolished: 1 };
  var LEAVE = [["", "在住"], ["moved_out", "已搬离"], ["deceased", "死亡"], ["long_absent", "长期不在"]];
  var LABELS = {
    name: "姓名", gender: "性别", ethnicity: "民族", id_number: "身份证号码", occupation: "职业",
    employer: "工作单位", relation: "与户主关系", marital: "婚姻状况", hukou_consistent: "人户一致",
    registered_address: "户籍地址", phone: "联系电话", category: "人员类别", leave: "离开",
    house_nature: "房屋性质", landlord: "房东姓名", lease_period: "承租期限", lease_reason: "租赁原因",
    cotenant_relation: "合租人关系", special_space: "其他居住空间", remarks: "备注", result: "入户结果",
    awareness: "知晓", satisfaction: "满意", form_filler: "填表人", police_officer: "驻村民警", note: "说明",
  };
  var CODE_OF_FIELD = { gender: "gender", ethnicity: "ethnicity", occupation: "occupation", relation: "relation",
                        marital: "marital", category: "person_category", house_nature: "house_nature",
                        result: "visit_result", status: "person_status" };
  var NUMBERED = { occupation: 1, relation: 1, marital: 1 };

  var els = {
    title: document.getElementById("gc-reg-title"), sub: document.getElementById("gc-reg-sub"),
    back: document.getElementById("gc-reg-back"), alert: document.getElementById("gc-reg-alert"),
    form: document.getElementById("gc-reg-form"), house: document.getElementById("gc-reg-house"),
    members: document.getElementById("gc-reg-members"), count: document.getElementById("gc-reg-count"),
    add: document.getElementById("gc-reg-add"), visit: document.getElementById("gc-reg-visit"),
    status: document.getElementById("gc-reg-status"), save: document.getElementById("gc-reg-save"),
    done: document.getElementById("gc-reg-done"), history: document.getElementById("gc-reg-history"),
    historyBody: document.getElementById("gc-reg-history-body"),
    historyCount: document.getElementById("gc-reg-history-count"),
  };

  /** Replace a node's children, skipping null/false (DOM replaceChildren would print "null"). */
  function fill(node) {
    var holder = el("div");
    for (var i = 1; i < arguments.length; i++) {
      var c = arguments[i];
      if (Array.isArray(c)) c.forEach(function (x) { if (x) holder.appendChild(x); });
      else if (c) holder.appendChild(typeof c === "object" ? c : document.createTextNode(String(c)));
    }
    node.replaceChildren.apply(node, Array.prototype.slice.call(holder.childNodes));
    return node;
  }

  var state = { form: null, codes: {}, rows: [], house: {}, visit: {}, uuid: null, busy: false, seq: 0 };

  // --- code lists and display ---------------------------------------------------------------

  function codeLabel(list, value) {
    var items = state.codes[list] || [];
    for (var i = 0; i < items.length; i++) if (items[i][0] === value) return items[i][1];
    return value;
  }

  /** A stored value as the user reads it (code labels, 是/否). */
  var ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

  function display(field, value) {
    if (value === null || value === undefined || value === "") return "（空）";
    if (typeof value === "string" && ISO_TIME.test(value)) return api.formatTime(value);
    if (value === true) return "是";
    if (value === false) return "否";
    if (field === "leave") {
      for (var i = 0; i < LEAVE.length; i++) if (LEAVE[i][0] === value) return LEAVE[i][1];
    }
    if (CODE_OF_FIELD[field]) return codeLabel(CODE_OF_FIELD[field], String(value));
    return String(value);
  }

  function options(list, numbered, blank) {
    var out = blank === undefined ? [] : [["", blank]];
    (state.codes[list] || []).forEach(function (item, i) {
      out.push([item[0], (numbered && i < CIRCLED.length ? CIRCLED[i] : "") + item[1]]);
    });
    return out;
  }

  // --- controls -------------------------------------------------------------------------------

  function nextId(prefix) { state.seq += 1; return prefix + "-" + state.seq; }

  /** A labelled field: {wrap, control, error}; `key` names it for error messages. */
  function field(key, label, control, opts) {
    opts = opts || {};
    var id = control.id || nextId("f");
    if (!control.id && control.tagName !== "FIELDSET") control.id = id;
    var labelEl = control.tagName === "FIELDSET"
      ? null : el("label", { className: "field__label", htmlFor: control.input ? control.input.id : id }, label, opts.required ? el("span", { className: "req", attrs: { "aria-hidden": "true" } }, "*") : null);
    var error = el("p", { className: "field__error", hidden: true, id: id + "-err" });
    var wrap = el("div", { className: "field" + (opts.wide ? " field--wide" : "") + (opts.className ? " " + opts.className : ""),
                           dataset: { key: key } }, labelEl, control, opts.extra || null, error);
    if (control.tagName !== "FIELDSET") control.setAttribute("aria-describedby", id + "-err");
    return { wrap: wrap, control: control, error: error };
  }

  function input(value, attrs) {
    return el("input", { className: "field__input", type: "text", value: value === null || value === undefined ? "" : value,
                         attrs: attrs || {} });
  }

  function select(opts, value) {
    var s = el("select", { className: "field__input" });
    opts.forEach(function (o) {
      s.appendChild(el("option", { value: o[0], selected: String(value === null || value === undefined ? "" : value) === o[0] }, o[1]));
    });
    return s;
  }

  /** A row of big radio buttons (one thumb): returns a fieldset with .value / .onchange. */
  function choice(label, opts, value, className) {
    var name = nextId("c");
    var fs = el("fieldset", { className: "choice" + (className ? " " + className : "") },
      label ? el("legend", { className: "field__label" }, label) : null);
    var group = el("div", { className: "choice__group" });
    opts.forEach(function (o) {
      var radio = el("input", { type: "radio", name: name, value: o[0], checked: value === o[0] || String(value) === o[0],
                                className: "choice__radio" });
      group.appendChild(el("label", { className: "choice__item", dataset: { value: o[0] } }, radio,
        el("span", { className: "choice__text" }, o[1])));
    });
    fs.appendChild(group);
    fs.getValue = function () {
      var c = fs.querySelector("input:checked");
      return c ? c.value : null;
    };
    fs.setValue = function (v) {
      Array.prototype.forEach.call(fs.querySelectorAll("input"), function (r) { r.checked = r.value === String(v); });
    };
    return fs;
  }

  var YES_NO = [["true", "是"], ["false", "否"]];
  function boolValue(fs) { var v = fs.getValue(); return v === null ? null : v === "true"; }
  function boolString(v) { return v === true ? "true" : v === false ? "false" : null; }
  function valueOf(control) {
    var v = control.value.trim();
    return v === "" ? null : v;
  }

  /** A masked identifier shown read-only with a "更正" toggle to type a full new value. */
  function correctable(masked, placeholder, attrs) {
    var box = el("div", { className: "correct" });
    var shown = el("span", { className: "correct__value mono" }, text(masked, "未登记"));
    var inp = input("", L_extend({ placeholder: placeholder, autocomplete: "off" }, attrs));
    inp.hidden = true;
    var btn = el("button", { type: "button", className: "btn btn--outline btn--small correct__toggle" }, "更正");
    box.editing = false;
    btn.addEventListener("click", function () {
      box.editing = !box.editing;
      inp.hidden = !box.editing;
      shown.classList.toggle("is-struck", box.editing);
      btn.textContent = box.editing ? "取消更正" : "更正";
      btn.setAttribute("aria-pressed", box.editing ? "true" : "false");
      if (box.editing) inp.focus(); else inp.value = "";
    });
    box.append(el("div", { className: "correct__line" }, shown, btn), inp);
    box.input = inp;
    box.id = nextId("f");
    inp.id = box.id + "-in";
    return box;
  }

  function L_extend(a, b) { var o = {}; [a, b].forEach(function (x) { Object.keys(x || {}).forEach(function (k) { o[k] = x[k]; }); }); return o; }

  // --- the household's facts -------------------------------------------------------------

  function buildHouse(h) {
    var f = state.house = { version: h.version };
    f.house_nature = field("house_nature", "房屋性质", choice("房屋性质", options("house_nature"), h.house_nature, "choice--wrap"), { wide: true });
    var rent = el("div", { className: "reg-grid reg-sub field--wide" });
    f.landlord = field("landlord", "房东姓名", input(h.landlord, { maxlength: 40 }), { required: true });
    f.lease_period = field("lease_period", "承租期限", input(h.lease_period, { maxlength: 60, placeholder: "如 2026-01 至 2027-01" }), { required: true });
    f.lease_reason = field("lease_reason", "租赁原因", input(h.lease_reason, { maxlength: 120, placeholder: "务工、经商、就学…" }));
    f.cotenant_relation = field("cotenant_relation", "合租人关系", input(h.cotenant_relation, { maxlength: 120, placeholder: "同事、亲属、无…" }));
    rent.append(el("p", { className: "reg-sub__title" }, "租住情况"), f.landlord.wrap, f.lease_period.wrap,
                f.lease_reason.wrap, f.cotenant_relation.wrap);
    f.rent = rent;
    f.special_space = field("special_space", "其他居住空间", input(h.special_space, { maxlength: 40, placeholder: "车库、阁楼等住人空间" }));
    f.remarks = field("remarks", "备注", el("textarea", { className: "field__input field__input--area", value: h.remarks || "",
                                                           attrs: { rows: 2, maxlength: 500 } }), { wide: true });
    els.house.replaceChildren(f.house_nature.wrap, rent, f.special_space.wrap, f.remarks.wrap);
    function sync() { rent.hidden = f.house_nature.control.getValue() !== "rented"; }
    f.house_nature.control.addEventListener("change", sync);
    sync();
  }

  function collectHouse() {
    var f = state.house, rented = f.house_nature.control.getValue() === "rented";
    var out = { version: f.version, house_nature: f.house_nature.control.getValue(),
                special_space: valueOf(f.special_space.control), remarks: valueOf(f.remarks.control) };
    ["landlord", "lease_period", "lease_reason", "cotenant_relation"].forEach(function (k) {
      out[k] = rented ? valueOf(f[k].control) : null;
    });
    return out;
  }

  // --- member rows -------------------------------------------------------------------------

  function buildRow(m) {
    var existing = !!(m && m.person_id);
    m = m || { gender: null, ethnicity: "01", relation: null, category: "registered", hukou_consistent: true };
    var row = { existing: existing, person_id: m.person_id || null, version: m.version || null, move: null,
                fields: {}, data: m };
    var f = row.fields;
    f.name = field("name", "姓名", input(m.name, { maxlength: 40, autocomplete: "off" }), { required: true });
    f.gender = field("gender", "性别", choice("性别", options("gender"), m.gender));
    f.ethnicity = field("ethnicity", "民族", select(options("ethnicity", false, "请选择"), m.ethnicity), { required: true });
    if (existing) {
      f.id_number = field("id_number", "身份证号码", correctable(m.id_number, "输入完整的18位新号码",
                                                                 { maxlength: 22, inputmode: "text" }));
      f.phone = field("phone", "联系电话", correctable(m.phone, "新号码；留空表示无电话", { maxlength: 24, inputmode: "tel" }));
    } else {
      f.id_number = field("id_number", "身份证号码", input("", { maxlength: 22, autocomplete: "off", placeholder: "18位" }), { required: true });
      f.phone = field("phone", "联系电话", input("", { maxlength: 24, inputmode: "tel", placeholder: "手机或区号+座机" }));
    }
    f.relation = field("relation", "与户主关系", select(options("relation", true, "请选择"), m.relation), { required: true });
    f.marital = field("marital", "婚姻状况", select(options("marital", true, "未填"), m.marital));
    f.occupation = field("occupation", "职业", select(options("occupation", true, "未填"), m.occupation));
    f.employer = field("employer", "工作单位", input(m.employer, { maxlength: 80 }));
    f.category = field("category", "人员类别", choice("人员类别", options("person_category"), m.category));
    f.hukou_consistent = field("hukou_consistent", "人户一致", choice("人户一致", YES_NO, boolString(m.hukou_consistent)));
    f.registered_address = field("registered_address", "户籍地址", input(m.registered_address, { maxlength: 120 }), { wide: true, required: true });

    var head = el("header", { className: "member__head" });
    var title = el("h3", { className: "member__title" });
    var body = el("div", { className: "reg-grid member__body" },
      f.name.wrap, f.gender.wrap, f.relation.wrap, f.id_number.wrap, f.phone.wrap, f.ethnicity.wrap,
      f.marital.wrap, f.occupation.wrap, f.employer.wrap, f.category.wrap, f.hukou_consistent.wrap,
      f.registered_address.wrap);
    var rowError = el("p", { className: "member__error", hidden: true, attrs: { role: "alert" } });
    var offer = el("div", { className: "member__offer", hidden: true });
    // Pre-filled rows start folded to one line (a thumb confirms them at a glance); 核对/修改 opens one.
    row.expanded = !existing;
    var facts = el("span", { className: "member__facts" });
    var toggle = el("button", { type: "button", className: "btn btn--outline btn--small member__toggle",
                                attrs: { "aria-expanded": row.expanded ? "true" : "false" } }, "修改");
    toggle.addEventListener("click", function () {
      row.expanded = !row.expanded;
      syncRow(row);
      if (row.expanded) row.fields.name.control.focus({ preventScroll: true });
    });
    var summary = el("div", { className: "member__summary" }, facts, existing ? toggle : null);
    var card = el("article", { className: "member" + (existing ? "" : " member--new") }, head, summary, rowError, offer, body);
    row.el = card; row.title = title; row.error = rowError; row.offer = offer; row.body = body;
    row.facts = facts; row.toggle = toggle; row.summary = summary;

    if (existing) {
      f.leave = field("leave", "离开", select(LEAVE, ""), { className: "member__leave" });
      head.append(title, f.leave.wrap);
      f.leave.control.addEventListener("change", function () { syncRow(row); });
    } else {
      var remove = el("button", { type: "button", className: "btn btn--outline btn--small member__remove" }, "移除");
      remove.addEventListener("click", function () {
        state.rows.splice(state.rows.indexOf(row), 1);
        card.remove();
        renumber();
      });
      head.append(title, remove);
    }
    f.name.control.addEventListener("input", function () { renumber(); });
    f.relation.control.addEventListener("change", function () { renumber(); });
    f.hukou_consistent.control.addEventListener("change", function () { syncRow(row); });
    body.addEventListener("change", function () { syncRow(row); });
    syncRow(row);
    return row;
  }

  function syncRow(row) {
    var f = row.fields;
    f.registered_address.wrap.hidden = boolValue(f.hukou_consistent.control) !== false;
    var leaving = f.leave && f.leave.control.value;
    row.el.classList.toggle("is-leaving", !!leaving);
    row.body.hidden = !!leaving || !row.expanded;
    row.summary.hidden = !row.existing;
    row.toggle.hidden = !!leaving;
    row.toggle.textContent = row.expanded ? "收起" : "核对/修改";
    row.toggle.setAttribute("aria-expanded", row.expanded ? "true" : "false");
    if (row.existing) {
      var idc = f.id_number.control, ph = f.phone.control;
      fill(row.facts, [
        codeLabel("gender", f.gender.control.getValue() || ""),
        idc.editing && idc.input.value.trim() ? "身份证号码（更正）" : text(row.data.id_number, "无身份证号"),
        ph.editing ? "电话（更正）" : text(row.data.phone, "无电话"),
        codeLabel("person_category", f.category.control.getValue() || ""),
      ].filter(Boolean).map(function (t) { return el("span", null, t); }));
    }
  }

  function renumber() {
    var staying = 0;
    state.rows.forEach(function (row, i) {
      var f = row.fields, name = f.name.control.value.trim();
      var rel = f.relation.control.value;
      var tag = row.move ? "迁入" : row.existing ? null : "新增";
      fill(row.title, 
        el("span", { className: "member__no" }, String(i + 1)),
        el("span", { className: "member__name" }, name || "（未填姓名）"),
        rel ? el("span", { className: "member__rel" }, codeLabel("relation", rel)) : null,
        tag ? el("span", { className: "tag tag--new" }, tag) : null);
      if (!(f.leave && f.leave.control.value)) staying += 1;
    });
    els.count.textContent = state.rows.length + " 人" + (staying !== state.rows.length ? "（在住 " + staying + " 人）" : "");
  }

  function addRow(m) {
    var row = buildRow(m);
    state.rows.push(row);
    els.members.appendChild(row.el);
    renumber();
    return row;
  }

  function collectRow(row) {
    var f = row.fields;
    var out = {
      name: valueOf(f.name.control), gender: f.gender.control.getValue(), ethnicity: valueOf(f.ethnicity.control),
      relation: valueOf(f.relation.control), marital: valueOf(f.marital.control),
      occupation: valueOf(f.occupation.control), employer: valueOf(f.employer.control),
      category: f.category.control.getValue(), hukou_consistent: boolValue(f.hukou_consistent.control),
      registered_address: boolValue(f.hukou_consistent.control) === false ? valueOf(f.registered_address.control) : null,
    };
    if (row.move) {
      out.person_id = row.move.person_id;
      out.version = row.move.version;
      out.move = true;
    } else if (row.existing) {
      out.person_id = row.person_id;
      out.version = row.version;
      out.leave = f.leave.control.value || null;
      if (f.id_number.control.editing && valueOf(f.id_number.control.input)) out.id_number = valueOf(f.id_number.control.input);
    } else {
      out.id_number = valueOf(f.id_number.control);
    }
    if (row.existing && !row.move) {
      if (f.phone.control.editing) out.phone = f.phone.control.input.value.trim();
    } else if (!row.move || valueOf(f.phone.control)) {
      var phone = valueOf(f.phone.control);
      if (phone !== null) out.phone = phone;
    }
    return out;
  }

  // --- the visit ---------------------------------------------------------------------------

  function buildVisit(form) {
    var police = !!form.police;
    var results = options("visit_result").filter(function (o) {
      return police ? o[0] === "police_collected" : o[0] !== "police_collected";
    });
    var v = state.visit = {};
    v.result = field("result", "入户结果", choice("入户结果", results, police ? "police_collected" : null, "choice--wrap choice--results"), { wide: true });
    v.awareness = field("awareness", "知晓", choice("知晓（在场住户是否知晓本次核查）", YES_NO, null));
    v.satisfaction = field("satisfaction", "满意", choice("满意（在场住户是否满意）", YES_NO, null));
    var qa = el("div", { className: "reg-grid reg-sub field--wide" },
      el("p", { className: "reg-sub__title" }, "在场住户问询"), v.awareness.wrap, v.satisfaction.wrap);
    v.qa = qa;
    v.hint = el("p", { className: "reg-hint field--wide", hidden: true });
    v.form_filler = field("form_filler", "填表人", input("", { maxlength: 40, placeholder: "默认为当前登录人" }));
    v.police_officer = field("police_officer", "驻村民警", input("", { maxlength: 40 }));
    v.note = field("note", "说明", el("textarea", { className: "field__input field__input--area",
                                                   attrs: { rows: 2, maxlength: 500, placeholder: "敲不开门、拒绝配合的情况等" } }), { wide: true });
    els.visit.replaceChildren(el("div", { className: "reg-grid" }, v.result.wrap, v.hint, qa, v.form_filler.wrap,
                                 v.police_officer.wrap, v.note.wrap));
    v.result.control.addEventListener("change", syncVisit);
    syncVisit();
  }

  function syncVisit() {
    var v = state.visit, result = v.result.control.getValue();
    v.qa.hidden = !PRESENT[result];
    if (EMPTY[result]) {
      var marked = 0;
      state.rows.forEach(function (row) {
        if (row.fields.leave && !row.fields.leave.control.value) {
          row.fields.leave.control.value = "moved_out";
          syncRow(row);
          marked += 1;
        }
      });
      renumber();
      v.hint.textContent = marked ? "已将 " + marked + " 名在住成员标记为“已搬离”，如有死亡或长期不在请逐人修改。" : "";
      v.hint.hidden = !marked;
    } else {
      v.hint.hidden = true;
    }
  }

  function collectVisit() {
    var v = state.visit, result = v.result.control.getValue();
    var out = { result: result, form_filler: valueOf(v.form_filler.control),
                police_officer: valueOf(v.police_officer.control), note: valueOf(v.note.control) };
    if (PRESENT[result]) {
      out.awareness = boolValue(v.awareness.control);
      out.satisfaction = boolValue(v.satisfaction.control);
    }
    var location = window.GCPosition ? window.GCPosition.current() : null;  // optional: static/js/position.js
    if (location) out.location = location;
    return out;
  }

  // --- errors ------------------------------------------------------------------------------

  function clearErrors() {
    Array.prototype.forEach.call(root.querySelectorAll(".field--error"), function (w) { w.classList.remove("field--error"); });
    Array.prototype.forEach.call(root.querySelectorAll(".field__error, .member__error"), function (p) {
      p.hidden = true; p.textContent = "";
    });
    showAlert(null);
  }

  function showAlert(content, kind) {
    els.alert.className = "reg__alert" + (kind ? " reg__alert--" + kind : "");
    if (!content) { els.alert.hidden = true; els.alert.replaceChildren(); return; }
    fill(els.alert, content);
    els.alert.hidden = false;
  }

  function setFieldError(f, message) {
    f.wrap.classList.add("field--error");
    f.wrap.hidden = false;
    f.error.textContent = message;
    f.error.hidden = false;
    return f.wrap;
  }

  /** Put each `details` message next to its field; return how many found a place. */
  function showFieldErrors(details, rowsSent) {
    var first = null, placed = 0, loose = [];
    function mark(node) { if (!first) first = node; placed += 1; }
    Object.keys(details || {}).forEach(function (path) {
      var msg = details[path], parts = path.split(".");
      var target = null;
      if (parts[0] === "household" && state.house[parts[1]] && state.house[parts[1]].wrap) target = state.house[parts[1]];
      else if (parts[0] === "visit" && state.visit[parts[1]] && state.visit[parts[1]].wrap) target = state.visit[parts[1]];
      else if (parts[0] === "members" && parts.length > 1) {
        var row = rowsSent[Number(parts[1])];
        if (row) {
          var key = parts[2] === "person_id" || parts[2] === "version" || parts[2] === "move" ? null : parts[2];
          if (key && row.fields[key]) {
            if (key !== "leave") { row.expanded = true; syncRow(row); }
            mark(setFieldError(row.fields[key], msg));
            return;
          }
          row.expanded = true;
          syncRow(row);
          row.error.textContent = msg;
          row.error.hidden = false;
          mark(row.el);
          return;
        }
      }
      if (target) { mark(setFieldError(target, msg)); return; }
      loose.push((LABELS[parts[parts.length - 1]] ? LABELS[parts[parts.length - 1]] + "：" : "") + msg);
    });
    return { first: first, placed: placed, loose: loose };
  }

  function focusFirst(node) {
    if (!node) return;
    node.scrollIntoView({ block: "center", behavior: "smooth" });
    var focusable = node.querySelector("input:not([hidden]):not([type=hidden]), select, textarea");
    if (focusable) focusable.focus({ preventScroll: true });
  }

  // --- stale version: both versions side by side -----------------------------------------------

  function staleMerge(err) {
    var d = err.details || {}, current = d.current || {}, yours = d.yours || {};
    var row = null, what = "房屋情况";
    if (d.kind === "person") {
      state.rows.forEach(function (r) { if (r.person_id === d.id || (r.move && r.move.person_id === d.id)) row = r; });
      what = "成员：" + text(current.name || (row && row.fields.name.control.value));
    }
    var diff = Object.keys(yours).filter(function (k) {
      return k !== "version" && k !== "person_id" && k in current && !same(current[k], yours[k]);
    });
    var tbody = el("tbody");
    var picks = {};
    diff.forEach(function (k) {
      var name = nextId("m");
      var theirs = el("input", { type: "radio", name: name, value: "current" });
      var mine = el("input", { type: "radio", name: name, value: "yours", checked: true });
      picks[k] = theirs;
      tbody.appendChild(el("tr", null,
        el("th", { attrs: { scope: "row" } }, LABELS[k] || k),
        el("td", null, el("label", { className: "merge__pick" }, theirs, display(k, current[k]))),
        el("td", null, el("label", { className: "merge__pick" }, mine, display(k, yours[k])))));
    });
    var table = diff.length ? el("table", { className: "merge" },
      el("thead", null, el("tr", null, el("th", null, "字段"), el("th", null, "最新（已保存）"), el("th", null, "我的填写"))),
      tbody) : el("p", null, "字段内容相同，只是版本已更新（如其他人员或状态有变）。");
    var apply = el("button", { type: "button", className: "btn btn--primary btn--small" }, "按选择合并");
    var reload = el("button", { type: "button", className: "btn btn--outline btn--small" }, "放弃我的修改，重新加载");
    apply.addEventListener("click", function () {
      if (d.kind === "household") {
        state.house.version = d.current_version;
        diff.forEach(function (k) { if (picks[k].checked) setHouseValue(k, current[k]); });
      } else if (row) {
        if (row.move) row.move.version = d.current_version; else row.version = d.current_version;
        diff.forEach(function (k) { if (picks[k].checked) setRowValue(row, k, current[k]); });
        renumber();
      }
      showAlert(el("p", null, "已合并最新版本（第 " + d.current_version + " 版），请检查后再次保存。"), "info");
      state.uuid = null;
      (row ? row.el : els.house).scrollIntoView({ block: "start", behavior: "smooth" });
    });
    reload.addEventListener("click", function () { load(); });
    showAlert([
      el("p", { className: "reg__alert-title" }, err.message),
      el("p", null, what + "：您打开时是第 " + text(d.your_version) + " 版，现在已是第 " + text(d.current_version) +
         " 版。请对照两边内容，逐项选择保留哪一边，合并后再保存。"),
      table, el("div", { className: "reg__alert-actions" }, apply, reload)], "warn");
    els.alert.scrollIntoView({ block: "start", behavior: "smooth" });
  }

  function same(a, b) {
    if ((a === null || a === undefined || a === "") && (b === null || b === undefined || b === "")) return true;
    return String(a) === String(b);
  }

  function setHouseValue(k, v) {
    var f = state.house[k];
    if (!f) return;
    if (f.control.setValue) f.control.setValue(v); else f.control.value = v === null || v === undefined ? "" : v;
    f.control.dispatchEvent(new Event("change"));
  }

  function setRowValue(row, k, v) {
    var f = row.fields[k];
    if (!f) return;
    if (k === "hukou_consistent") f.control.setValue(boolString(v));
    else if (f.control.setValue) f.control.setValue(v);
    else if (f.control.input) return;  // identifiers: the current one stays masked
    else f.control.value = v === null || v === undefined ? "" : v;
    syncRow(row);
  }

  // --- an ID living in another room: offer to move the person here ----------------------------

  function offerMove(err, rowsSent) {
    var d = err.details || {};
    var parts = String(d.field || "").split(".");
    var row = rowsSent[Number(parts[1])];
    if (!row) { showAlert(el("p", null, err.message), "error"); return; }
    var btn = el("button", { type: "button", className: "btn btn--primary btn--small" }, "迁入本户");
    var cancel = el("button", { type: "button", className: "btn btn--outline btn--small" }, "不迁入，修改号码");
    fill(row.offer, 
      el("p", null, err.message),
      d.address ? el("p", { className: "member__offer-where" }, "现登记在：" + d.address) : null,
      el("div", { className: "reg__alert-actions" }, btn, cancel));
    row.offer.hidden = false;
    setFieldError(row.fields.id_number, "该号码已登记，可迁入本户");
    btn.addEventListener("click", function () {
      row.move = { person_id: d.person_id, version: d.version, address: d.address };
      var p = d.person || {};
      ["name", "ethnicity", "employer", "registered_address"].forEach(function (k) {
        if (!row.fields[k].control.value && p[k]) row.fields[k].control.value = p[k];
      });
      ["gender", "category"].forEach(function (k) { if (!row.fields[k].control.getValue() && p[k]) row.fields[k].control.setValue(p[k]); });
      row.fields.id_number.control.disabled = true;
      row.fields.id_number.error.hidden = true;
      row.fields.id_number.wrap.classList.remove("field--error");
      fill(row.offer, el("p", null, "将从 " + text(d.address, "原登记处") + " 迁入本户（同一人员记录，原住址保留为历史）。"),
        el("div", { className: "reg__alert-actions" }, el("button", {
          type: "button", className: "btn btn--outline btn--small",
          on: { click: function () { undoMove(row); } } }, "撤销迁入")));
      renumber();
      submit();
    });
    cancel.addEventListener("click", function () {
      row.offer.hidden = true;
      focusFirst(row.fields.id_number.wrap);
    });
    row.expanded = true;
    syncRow(row);
    row.offer.scrollIntoView({ block: "start", behavior: "smooth" });
    btn.focus({ preventScroll: true });
  }

  function undoMove(row) {
    row.move = null;
    row.fields.id_number.control.disabled = false;
    row.offer.hidden = true;
    renumber();
  }

  // --- saving ------------------------------------------------------------------------------

  function setBusy(busy, message) {
    state.busy = busy;
    els.save.disabled = busy;
    els.save.textContent = busy ? "正在保存…" : "保存登记";
    els.status.textContent = message || "";
  }

  function submit() {
    if (state.busy) return;
    clearErrors();
    var rowsSent = state.rows.slice();
    var body = { client_uuid: state.uuid || (state.uuid = api.uuid()), household: collectHouse(),
                 members: rowsSent.map(collectRow), visit: collectVisit() };
    if (!body.visit.result) {
      focusFirst(setFieldError(state.visit.result, "请选择入户结果"));
      return;
    }
    setBusy(true);
    if (state.form.offline) { keepOffline(body); return; }
    api.postJSON(urls.save, body).then(function (res) {
      state.uuid = null;
      setBusy(false);
      done(res);
    }, function (err) {
      setBusy(false);
      if (err.status === 0) {
        // No connection: the submission goes to the outbox with its UUID (applied at most once,
        // also if this attempt did arrive after all).
        keepOffline(body);
        return;
      }
      state.uuid = null;  // the server answered: nothing was saved, the next attempt is a new one
      if (err.code === "stale_version") { staleMerge(err); return; }
      if (err.code === "id_registered_elsewhere") { offerMove(err, rowsSent); return; }
      var shown = err.details ? showFieldErrors(err.details, rowsSent) : { placed: 0, loose: [], first: null };
      var lines = [el("p", { className: "reg__alert-title" }, err.message +
        (shown.placed ? "（共 " + (shown.placed + shown.loose.length) + " 处，已在对应位置标出）" : ""))];
      shown.loose.forEach(function (m) { lines.push(el("p", null, m)); });
      showAlert(lines, "error");
      els.status.textContent = "未保存，请按提示修改";
      focusFirst(shown.first || els.alert);
    });
  }

  /** Saved without signal: the submission waits in the phone's outbox (static/js/offline.js). */
  function keepOffline(body) {
    offline.enqueue(householdId, state.form, body).then(function (item) {
      state.uuid = null;
      setBusy(false);
      var f = state.form;
      fill(els.done,
        el("p", { className: "reg-done__icon", attrs: { "aria-hidden": "true" } }, "✓"),
        el("h2", { className: "reg-done__title", id: "gc-reg-done-title" }, "已保存在本机，待上传"),
        el("p", { className: "reg-done__addr" }, text(f.standard_address)),
        el("p", null, "入户结果：", el("strong", null, display("result", body.visit.result)),
           "（本机第 " + item.seq + " 条）"),
        el("p", { className: "muted" }, "有网络时自动按顺序上传；也可点上方“同步”。若平台上同一字段已被他人修改，" +
           "不会覆盖，将转民警/村网格办审核。"),
        el("div", { className: "reg-done__links" },
          el("a", { className: "btn btn--primary", href: urls.map + "?building=" + encodeURIComponent(f.building_id) },
             "返回地图（本楼栋）"),
          el("a", { className: "btn btn--outline", href: window.location.pathname }, "重新打开本户")));
      els.form.hidden = true;
      els.done.hidden = false;
      showAlert(null);
      window.scrollTo({ top: 0 });
    }, function (err) {
      setBusy(false);
      showAlert(el("p", null, "未能保存到本机：" + (err && err.message ? err.message : err)), "error");
    });
  }

  function done(res) {
    var f = state.form;
    var changed = (res.changed_fields || []).length;
    var police = !!f.police;
    var lines = [
      el("p", { className: "reg-done__icon", attrs: { "aria-hidden": "true" } }, "✓"),
      el("h2", { className: "reg-done__title" }, res.applied === false ? "本次登记此前已保存" : "登记已保存"),
      el("p", { className: "reg-done__addr" }, text(f.standard_address)),
      el("p", null, "入户结果：", el("strong", null, text(res.result_label || display("result", res.result))),
         changed ? "，修改 " + changed + " 处" : ""),
      el("p", { className: "muted" }, police ? "民警上门采集的记录已直接核验。"
        : (res.result === "nobody_home" || res.result === "refused") ? "已转社区民警上门采集。"
        : "已进入社区民警核验队列，7 日内核验后计入核查登记率。"),
    ];
    var links = el("div", { className: "reg-done__links" },
      el("a", { className: "btn btn--primary", href: urls.map + "?building=" + encodeURIComponent(f.building_id) }, "返回地图（本楼栋）"),
      police && urls.queue ? el("a", { className: "btn btn--outline", href: urls.queue }, "返回核验队列") : null,
      el("a", { className: "btn btn--outline", href: window.location.pathname }, "重新打开本户"));
    fill(els.done, lines, links);
    els.form.hidden = true;
    els.done.hidden = false;
    showAlert(null);
    window.scrollTo({ top: 0 });
    loadHistory();
    api.getJSON(urls.form).then(header, function () {});
  }

  /** The page head: standard address, status, latest visit and verification. */
  function header(f) {
    els.title.textContent = text(f.standard_address);
    var bits = [text(f.status_label)];
    if (f.last_visit) bits.push("最近走访 " + api.formatTime(f.last_visit.at) + " · " + text(f.last_visit.result_label));
    else bits.push("未走访");
    bits.push(f.verified_at ? "民警已核验 " + api.formatTime(f.verified_at, true) : "未核验");
    els.sub.textContent = bits.join(" · ");
  }

  // --- 变更记录 ---------------------------------------------------------------------------

  function loadHistory() {
    api.getJSON(urls.history).then(function (data) {
      var changes = data.changes || [];
      els.historyCount.textContent = changes.length ? changes.length + " 条" : "";
      if (!changes.length) {
        els.historyBody.replaceChildren(el("p", { className: "muted" }, "暂无变更记录"));
        return;
      }
      var list = el("ol", { className: "history" });
      changes.forEach(function (c) {
        var fields = el("ul", { className: "history__fields" });
        c.fields.forEach(function (x) {
          // A new row lists what it holds; empty values and user ids (shown as "by") say nothing.
          if (c.action === "insert" && (x.after === null || x.after === "" || /_id$/.test(x.field))) return;
          fields.appendChild(el("li", null, el("span", { className: "history__label" }, x.label), " ",
            c.action === "insert" ? display(x.field, x.after)
              : [el("span", { className: "history__before" }, display(x.field, x.before)), " → ",
                 el("span", { className: "history__after" }, display(x.field, x.after))]));
        });
        list.appendChild(el("li", { className: "history__item" },
          el("p", { className: "history__head" },
            el("span", { className: "history__what" }, c.action_label + c.table_label),
            el("span", { className: "muted" }, api.formatTime(c.at) + " · " + text(c.by, "系统"))),
          fields.childNodes.length ? fields : null));
      });
      els.historyBody.replaceChildren(list);
    }, function (err) {
      els.historyBody.replaceChildren(el("p", { className: "field__error" }, err.message));
    });
  }

  // --- loading -----------------------------------------------------------------------------

  function load() {
    showAlert(null);
    els.form.hidden = true;
    els.done.hidden = true;
    state.rows = [];
    state.uuid = null;
    api.getJSON(urls.form).then(show, function (err) {
      if (err.status !== 0) { failed(err); return; }
      offline.formOf(householdId).then(function (f) {
        if (f) show(f); else failed({ message: "当前无网络，且离线包中没有本户，请联网后再打开" });
      }, function () { failed(err); });
    });
    loadHistory();
  }

  function failed(err) {
    els.title.textContent = "无法打开登记表";
    showAlert([el("p", null, err.message), el("div", { className: "reg__alert-actions" },
      el("button", { type: "button", className: "btn btn--outline btn--small", on: { click: load } }, "重试"))], "error");
  }

  function show(f) {
    {
      state.form = f;
      state.codes = f.codes || {};
      header(f);
      els.back.href = urls.map + "?building=" + encodeURIComponent(f.building_id);
      els.back.textContent = "‹ 返回地图（本楼栋）";
      buildHouse(f.household);
      els.members.replaceChildren();
      (f.members || []).forEach(function (m) { addRow(m); });
      if (!f.members || !f.members.length) els.count.textContent = "暂无在住人员";
      buildVisit(f);
      els.form.hidden = false;
      setBusy(false);
      if (f.offline) {
        showAlert(el("p", null, "当前无网络：使用离线包中的数据，保存后存在本机，联网后按顺序上传"), "warn");
      }
    }
  }

  els.add.addEventListener("click", function () {
    var row = addRow(null);
    row.fields.name.control.focus();
    row.el.scrollIntoView({ block: "start", behavior: "smooth" });
  });
  els.form.addEventListener("submit", function (e) { e.preventDefault(); submit(); });
  if (window.GCPosition) window.GCPosition.watch(document.getElementById("gc-reg-position"));
  load();
  offline.start();
})(window, document);

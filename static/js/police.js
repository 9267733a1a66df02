/*
 * 民警核验: the police queue (滚动式采集审核). Two tabs — 待核验 (kind=sign: changed, new,
 * confirmed, departed households) and 待民警采集 (kind=collect: doors that did not open,
 * residents who refused) — each page oldest first, with the 7-day deadline, days left, what
 * the visit changed, and the actions 签字确认 / 退回重访 (a note is required) or 上门采集.
 */
import * as api from "./api.js";

(function (window, document) {
  "use strict";

  var el = api.el, text = api.text;
  var root = document.getElementById("gc-queue");
  if (!root) return;

  var urls = { queue: root.dataset.queueUrl, verify: root.dataset.verifyUrl, register: root.dataset.registerUrl,
               map: root.dataset.mapUrl, resolve: root.dataset.resolveUrl };
  var FIELD_LABELS = {
    name: "姓名", gender: "性别", ethnicity: "民族", id_number: "身份证号码", occupation: "职业",
    employer: "工作单位", marital: "婚姻状况", hukou_consistent: "人户一致", registered_address: "户籍地址",
    phone: "联系电话", category: "人员类别", status: "状态", relation_to_head: "与户主关系", start_date: "入住日期",
    end_date: "离开日期", house_nature: "房屋性质", landlord: "房东", lease_period: "承租期限",
    lease_reason: "租赁原因", cotenant_relation: "合租人关系", special_space: "其他居住空间", remarks: "备注",
    unit: "单元", room: "室",
  };
  var TABLE_LABELS = { household: "房屋", person: "人员", residence: "人房关联" };
  var state = { kind: root.dataset.kind || "sign", page: 1, overdue: false, controller: null };
  var els = {
    list: document.getElementById("gc-q-list"), alert: document.getElementById("gc-q-alert"),
    prev: document.getElementById("gc-q-prev"), next: document.getElementById("gc-q-next"),
    page: document.getElementById("gc-q-page"), info: document.getElementById("gc-q-page-info"),
    overdueOnly: document.getElementById("gc-q-overdue-only"), overdue: document.getElementById("gc-q-overdue"),
    overdueN: document.getElementById("gc-q-overdue-n"),
  };

  function value(v) {
    if (v === null || v === undefined || v === "") return "（空）";
    if (v === true) return "是";
    if (v === false) return "否";
    return String(v);
  }

  function daysLeft(item) {
    var d = item.days_left;
    if (item.overdue) return "逾期 " + Math.max(1, Math.ceil(-d)) + " 天";
    if (d < 1) return "今日到期";
    return "剩 " + Math.ceil(d) + " 天";
  }

  function showAlert(message, kind) {
    els.alert.hidden = !message;
    els.alert.className = "reg__alert" + (kind ? " reg__alert--" + kind : "");
    els.alert.textContent = message || "";
  }

  function updateCounts(counts) {
    if (!counts) return;
    var overdue = 0;
    Object.keys(counts).forEach(function (k) {
      var c = counts[k];
      overdue += c.overdue;
      var n = root.querySelector('[data-count="' + k + '"]');
      if (n) n.textContent = c.total;
      var late = root.querySelector('[data-late="' + k + '"]');
      if (late) { late.hidden = !c.overdue; late.textContent = "逾期 " + c.overdue; }
    });
    els.overdue.hidden = !overdue;
    els.overdueN.textContent = overdue;
  }

  function changeList(changes) {
    if (!changes || !changes.length) return el("p", { className: "q-item__nochange muted" }, "未修改登记内容");
    var list = el("ul", { className: "q-item__changes" });
    changes.forEach(function (c) {
      var what = (TABLE_LABELS[c.table] || c.table) + (c.action === "insert" ? "（新增）" : "") + " · " +
        (FIELD_LABELS[c.field] || c.field);
      list.appendChild(el("li", null, el("span", { className: "history__label" }, what), " ",
        c.action === "insert" ? el("span", { className: "history__after" }, value(c.after))
          : [el("span", { className: "history__before" }, value(c.before)), " → ",
             el("span", { className: "history__after" }, value(c.after))]));
    });
    return list;
  }

  /** "household.remarks" → 房屋 · 备注; "members.12.phone" → 成员 · 联系电话. */
  function fieldLabel(key) {
    var parts = key.split(".");
    if (parts[0] === "household") return parts[1] === "members" ? "在住成员" : "房屋 · " + (FIELD_LABELS[parts[1]] || parts[1]);
    if (parts[1] === "new") return "新增成员";
    var f = parts[2] === "relation" ? "relation_to_head" : parts[2] === "leave" ? "status" : parts[2];
    return "成员 · " + (FIELD_LABELS[f] || f);
  }

  /** 离线同步: a phone's offline submission — a 冲突 to decide, a refused item, a 并行修改 to look at. */
  function renderSyncItem(item) {
    var li = el("li", { className: "q-item q-sync q-sync--" + item.status, dataset: { submissionId: item.submission_id } });
    var msg = el("p", { className: "q-item__msg", attrs: { role: "status" } });
    var actions = el("div", { className: "q-item__actions" });
    var body = null;
    if (item.status === "conflict") {
      var rows = Object.keys(item.conflicts || {}).map(function (key) {
        var c = item.conflicts[key];
        return el("tr", null, el("th", { scope: "row" }, fieldLabel(key)), el("td", { className: "q-sync__device" }, value(c.device)),
                  el("td", { className: "q-sync__server" }, value(c.server)), el("td", { className: "muted" }, value(c.base)));
      });
      body = el("table", { className: "q-sync__table" },
        el("thead", null, el("tr", null, el("th", null, "字段"), el("th", null, "手机上的值"), el("th", null, "平台现值"),
                                  el("th", null, "原值"))), el("tbody", null, rows));
      var device = el("button", { type: "button", className: "btn btn--primary" }, "采用手机上的值");
      var server = el("button", { type: "button", className: "btn btn--outline" }, "保留平台现值");
      actions.append(device, server);
      [[device, "device"], [server, "server"]].forEach(function (pair) {
        pair[0].addEventListener("click", function () {
          device.disabled = server.disabled = true;
          msg.className = "q-item__msg";
          msg.textContent = "正在提交…";
          api.postJSON(urls.resolve.replace("/0/resolve", "/" + encodeURIComponent(item.submission_id) + "/resolve"),
                       { keep: pair[1] }).then(function () {
            li.classList.add("is-done");
            actions.hidden = true;
            msg.className = "q-item__msg is-ok";
            msg.textContent = pair[1] === "device" ? "已采用手机上的值，入户记录已保存" : "已保留平台现值，入户记录已保存";
            refreshCounts();
          }, function (err) {
            device.disabled = server.disabled = false;
            msg.className = "q-item__msg is-error";
            msg.textContent = err.message;
          });
        });
      });
    } else if (item.status === "refused") {
      body = el("p", { className: "q-item__msg is-error" }, "未通过校验：" + text(item.error && item.error.message));
    } else {
      body = el("p", { className: "muted" }, "平台上同时被修改的字段：" +
        ((item.server_changes || []).map(fieldLabel).join("、") || "—") + "；手机上的修改已合并，未覆盖他人修改。");
    }
    li.append(
      el("header", { className: "q-item__head" },
        el("h2", { className: "q-item__addr" }, text(item.standard_address)),
        el("span", { className: "q-item__due" + (item.status === "conflict" ? " is-overdue" : "") }, text(item.status_label))),
      el("dl", { className: "q-item__meta" },
        el("dt", null, "入户结果"), el("dd", null, el("strong", null, text(item.result_label))),
        el("dt", null, "网格员"), el("dd", null, text(item.user)),
        el("dt", null, "手机保存"), el("dd", null, api.formatTime(item.recorded_at)),
        el("dt", null, "上传时间"), el("dd", null, api.formatTime(item.received_at))),
      body, actions, msg);
    return li;
  }

  function renderItem(item) {
    if (state.kind === "sync") return renderSyncItem(item);
    var li = el("li", { className: "q-item" + (item.overdue ? " is-overdue" : ""), dataset: { visitId: item.visit_id } });
    var actions = el("div", { className: "q-item__actions" });
    var msg = el("p", { className: "q-item__msg", attrs: { role: "status" } });
    var registerUrl = urls.register.replace("/0/register", "/" + encodeURIComponent(item.household_id) + "/register");
    if (state.kind === "collect") {
      actions.appendChild(el("a", { className: "btn btn--primary", href: registerUrl }, "上门采集"));
    } else {
      var sign = el("button", { type: "button", className: "btn btn--primary q-sign" }, "签字确认");
      var back = el("button", { type: "button", className: "btn btn--danger q-return" }, "退回重访");
      actions.append(sign, back);
      sign.addEventListener("click", function () { send(item, li, "signed", null, [sign, back], msg); });
      back.addEventListener("click", function () { returnForm(item, li, [sign, back], msg); });
    }
    actions.appendChild(el("a", { className: "btn btn--outline", href: urls.map + "?building=" + encodeURIComponent(item.building_id) }, "地图"));
    var qa = item.awareness === null || item.awareness === undefined ? null
      : "知晓 " + value(item.awareness) + " · 满意 " + value(item.satisfaction);
    li.append(
      el("header", { className: "q-item__head" },
        el("h2", { className: "q-item__addr" }, text(item.standard_address)),
        el("span", { className: "q-item__due" + (item.overdue ? " is-overdue" : "") }, daysLeft(item))),
      el("dl", { className: "q-item__meta" },
        el("dt", null, "入户结果"), el("dd", null, el("strong", null, text(item.result_label))),
        el("dt", null, "走访人"), el("dd", null, text(item.visitor)),
        el("dt", null, "入户时间"), el("dd", null, api.formatTime(item.visited_at)),
        el("dt", null, "核验期限"), el("dd", null, api.formatTime(item.deadline)),
        qa ? el("dt", null, "问询") : null, qa ? el("dd", null, qa) : null,
        item.note ? el("dt", null, "说明") : null, item.note ? el("dd", null, item.note) : null),
      changeList(item.changes), actions, msg);
    return li;
  }

  function returnForm(item, li, buttons, msg) {
    if (li.querySelector(".q-item__return")) return;
    var note = el("textarea", { className: "field__input field__input--area",
                                attrs: { rows: 2, maxlength: 500, placeholder: "请写明需重新核实的内容" } });
    var id = "q-note-" + item.visit_id;
    note.id = id;
    var err = el("p", { className: "field__error", hidden: true });
    var ok = el("button", { type: "submit", className: "btn btn--danger" }, "确认退回");
    var cancel = el("button", { type: "button", className: "btn btn--outline" }, "取消");
    var form = el("form", { className: "q-item__return field" },
      el("label", { className: "field__label", htmlFor: id }, "退回原因（必填）"), note, err,
      el("div", { className: "q-item__actions" }, ok, cancel));
    cancel.addEventListener("click", function () { form.remove(); });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (!note.value.trim()) {
        err.textContent = "退回重访时请写明原因";
        err.hidden = false;
        form.classList.add("field--error");
        note.focus();
        return;
      }
      send(item, li, "disputed", note.value.trim(), buttons.concat([ok, cancel]), msg, function (e2) {
        if (e2 && e2.details && e2.details.note) {
          err.textContent = e2.details.note;
          err.hidden = false;
        }
      });
    });
    li.insertBefore(form, msg);
    note.focus();
  }

  function send(item, li, outcome, note, buttons, msg, onError) {
    // One UUID per attempt on this item, kept while the network fails so a retry applies once.
    var key = outcome + ":" + (note || "");
    if (!li.attempt || li.attempt.key !== key) li.attempt = { key: key, uuid: api.uuid() };
    buttons.forEach(function (b) { b.disabled = true; });
    msg.className = "q-item__msg";
    msg.textContent = "正在提交…";
    api.postJSON(urls.verify, { client_uuid: li.attempt.uuid, visit_id: item.visit_id, outcome: outcome, note: note })
      .then(function (res) {
        li.classList.add("is-done");
        var form = li.querySelector(".q-item__return");
        if (form) form.remove();
        li.querySelector(".q-item__actions").hidden = true;
        msg.className = "q-item__msg is-ok";
        msg.textContent = outcome === "signed" ? "已签字确认，计入已核验" : "已退回，进入网格员重访清单";
        refreshCounts();
        return res;
      }, function (err) {
        if (err.status) li.attempt = null;
        buttons.forEach(function (b) { b.disabled = false; });
        msg.className = "q-item__msg is-error";
        msg.textContent = err.message;
        if (onError) onError(err);
      });
  }

  function refreshCounts() {
    api.getJSON(urls.queue + "?kind=" + state.kind + "&page=1&overdue=" + (state.overdue ? "1" : "0"))
      .then(function (d) { updateCounts(d.counts); }, function () {});
  }

  function load() {
    if (state.controller) state.controller.abort();
    state.controller = new AbortController();
    showAlert(null);
    els.list.setAttribute("aria-busy", "true");
    var url = urls.queue + "?kind=" + encodeURIComponent(state.kind) + "&page=" + state.page +
      (state.overdue ? "&overdue=1" : "");
    api.getJSON(url, state.controller.signal).then(function (d) {
      els.list.removeAttribute("aria-busy");
      updateCounts(d.counts);
      els.list.replaceChildren();
      (d.items || []).forEach(function (item) { els.list.appendChild(renderItem(item)); });
      if (!d.items || !d.items.length) {
        els.list.appendChild(el("li", { className: "q-empty" },
          state.page > 1 ? "本页没有记录" : state.overdue ? "没有逾期记录" : "队列已清空，暂无待处理记录"));
      }
      els.page.textContent = "第 " + d.page + " 页";
      els.prev.disabled = d.page <= 1;
      els.next.disabled = !d.more;
      var total = d.counts && d.counts[state.kind] ? d.counts[state.kind].total : null;
      els.info.textContent = total === null ? "" : state.kind === "sync" ? "待处理冲突 " + total + " 条"
        : "共 " + total + " 户";
    }, function (err) {
      if (err.name === "AbortError") return;
      els.list.removeAttribute("aria-busy");
      showAlert(err.message, "error");
    });
  }

  Array.prototype.forEach.call(root.querySelectorAll(".queue__tab"), function (tab) {
    tab.addEventListener("click", function () {
      Array.prototype.forEach.call(root.querySelectorAll(".queue__tab"), function (t) {
        var on = t === tab;
        t.classList.toggle("is-active", on);
        t.setAttribute("aria-selected", on ? "true" : "false");
      });
      state.kind = tab.dataset.kind;
      state.page = 1;
      load();
    });
  });
  els.overdueOnly.addEventListener("change", function () { state.overdue = els.overdueOnly.checked; state.page = 1; load(); });
  els.prev.addEventListener("click", function () { if (state.page > 1) { state.page -= 1; load(); window.scrollTo({ top: 0 }); } });
  els.next.addEventListener("click", function () { state.page += 1; load(); window.scrollTo({ top: 0 }); });
  load();
})(window, document);

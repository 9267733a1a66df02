/*
 * Field work without signal (issue 12), an ES module used by the map page and the registration
 * form: the offline package of a grid in IndexedDB (Dexie), the ordered outbox of what was saved
 * without signal, its sync, the service worker's registration and the widget that shows the
 * leader what is still on the phone: "离线包：N 小时前", "同步（N 条待上传）", and what became of
 * each item (已同步 / 并行修改 / 冲突 / 未通过校验).
 *
 * The outbox is flushed when the connection returns (`online`), when a page starts and from the
 * button; strictly in order of the device's sequence, one item at a time, stopping at the first
 * item that could not be delivered (so nothing overtakes it). An item leaves the outbox only once
 * the server has stored it (it answers with what it made of it); a retried item is applied once
 * (its client UUID). Logging out or an expired session keeps the outbox (see docs/offline.md).
 */
import Dexie from "../vendor/dexie/dexie.mjs";
import * as api from "./api.js";

export const db = new Dexie("gridcheck");
db.version(1).stores({
  meta: "key",                               // device id, sequence counter
  packages: "grid_id, user_id",              // one offline package per grid
  households: "household_id, grid_id",       // the registration form of each household, as packed
  outbox: "seq, user_id, client_uuid",       // what waits to be sent, in the device's order
  sent: "client_uuid, user_id, seq",         // what the server made of each sent item
});

const URLS = { session: "/api/offline/session", sync: "/api/offline/sync",
               pkg: (id) => "/api/offline/grids/" + encodeURIComponent(id) + "/package" };
const meta = document.querySelector('meta[name="gc-user"]');
export const userId = meta ? Number(meta.getAttribute("content")) : null;
const STATUS = { applied: "已同步", parallel: "并行修改", conflict: "冲突", refused: "未通过校验", resolved: "已处理" };
const state = { expired: false, busy: false, message: "", grids: [] };
const listeners = new Set();

// --- device identity and order ---------------------------------------------------------------

async function deviceId() {
  return db.transaction("rw", db.meta, async () => {
    const row = await db.meta.get("device_id");
    if (row) return row.value;
    const id = api.uuid();
    await db.meta.put({ key: "device_id", value: id });
    return id;
  });
}

// --- the package -------------------------------------------------------------------------------

/** 下载离线包: one grid's records (masked as the role sees them), code lists, re-visit list, tiles. */
export async function downloadPackage(gridId, onProgress) {
  const pkg = await api.getJSON(URLS.pkg(gridId));
  await db.transaction("rw", db.packages, db.households, async () => {
    await db.households.where("grid_id").equals(pkg.grid.id).delete();
    await db.households.bulkPut(pkg.households.map((h) => ({
      household_id: h.household_id, grid_id: pkg.grid.id, form: { ...h, codes: pkg.codes, police: pkg.role === "police" },
      base_mark: pkg.history_mark })));
    await db.packages.put({ grid_id: pkg.grid.id, user_id: userId, grid: pkg.grid, as_of: pkg.as_of,
                            fetched_at: new Date().toISOString(), buildings: pkg.buildings, revisit: pkg.revisit,
                            codes: pkg.codes, zooms: pkg.zooms, tiles: pkg.tiles.length, households: pkg.households.length });
  });
  await cacheDetails(pkg.building_details || []);
  await cachePages(["/", "/api/map/config", ...(pkg.households.length ? ["/households/" + pkg.households[0].household_id + "/register"] : [])]);
  await cacheTiles(pkg.tiles, onProgress);
  notify();
  return pkg;
}

// The pages a leader needs without signal, as the service worker keeps them (gc-pages): the map
// and one registration page (the worker serves it for every household of the package).
async function cachePages(urls) {
  if (!("caches" in window)) return;
  const cache = await caches.open("gc-pages");
  await Promise.all(urls.map(async (url) => {
    try {
      const resp = await fetch(url, { credentials: "same-origin" });
      if (resp.ok && !resp.redirected) await cache.put(url, resp);
    } catch (e) { /* next time */ }
  }));
}

// The building panel reads GET /api/buildings/<id>; offline the service worker answers it from
// this cache (filled from the package only, never from ordinary browsing).
async function cacheDetails(details) {
  if (!("caches" in window)) return;
  await caches.delete("gc-package");
  const cache = await caches.open("gc-package");
  await Promise.all(details.map((d) => cache.put("/api/buildings/" + d.id,
    new Response(JSON.stringify(d), { headers: { "Content-Type": "application/json" } }))));
}

async function cacheTiles(urls, onProgress) {
  if (!("caches" in window)) return;
  const cache = await caches.open("gc-tiles");
  let done = 0;
  const queue = urls.slice();
  async function worker() {
    while (queue.length) {
      const url = queue.shift();
      try {
        const resp = await fetch(url, { credentials: "same-origin" });
        if (resp.ok) await cache.put(url, resp);
      } catch (e) { /* a tile that fails is fetched again next time */ }
      done += 1;
      if (onProgress && done % 20 === 0) onProgress(done, urls.length);
    }
  }
  await Promise.all([worker(), worker(), worker(), worker()]);
}

export async function latestPackage() {
  const all = await db.packages.toArray();
  const mine = all.filter((p) => p.user_id === userId);
  mine.sort((a, b) => (a.fetched_at < b.fetched_at ? 1 : -1));
  return mine[0] || null;
}

/** The household's registration form from the offline package (with the phone's own changes). */
export async function formOf(householdId) {
  const row = await db.households.get(Number(householdId));
  return row ? { ...row.form, offline: true, base_mark: row.base_mark } : null;
}

export function ageText(iso) {
  if (!iso) return "";
  const hours = Math.max(0, (Date.now() - new Date(iso).getTime()) / 3600000);
  if (hours < 1) return "不到 1 小时前";
  if (hours < 48) return Math.floor(hours) + " 小时前";
  return Math.floor(hours / 24) + " 天前";
}

// --- the outbox ----------------------------------------------------------------------------------

const PERSON_FIELDS = ["name", "gender", "ethnicity", "occupation", "employer", "marital", "hukou_consistent",
                       "registered_address", "category", "relation"];
const HOUSEHOLD_FIELDS = ["house_nature", "landlord", "lease_period", "lease_reason", "cotenant_relation",
                          "special_space", "remarks"];

function same(a, b) {
  const n = (v) => (v === "" || v === undefined ? null : v);
  return n(a) === n(b);
}

/** The field-level diff of a submission against the form it was filled in on. */
export function diffOf(form, body) {
  const diff = {};
  HOUSEHOLD_FIELDS.forEach((f) => {
    if (!same(form.household[f], body.household[f])) diff["household." + f] = [form.household[f] ?? null, body.household[f] ?? null];
  });
  const loaded = new Map((form.members || []).map((m) => [m.person_id, m]));
  body.members.forEach((m, i) => {
    if (m.person_id == null || m.move) {
      diff["members.new." + i] = [null, m.name];
      return;
    }
    const before = loaded.get(m.person_id) || {};
    PERSON_FIELDS.forEach((f) => {
      if (!same(before[f], m[f])) diff["members." + m.person_id + "." + f] = [before[f] ?? null, m[f] ?? null];
    });
    ["id_number", "phone"].forEach((f) => {
      if (f in m) diff["members." + m.person_id + "." + f] = [before[f] ?? null, m[f]];
    });
    if (m.leave) diff["members." + m.person_id + ".leave"] = [null, m.leave];
  });
  return diff;
}

/** Keep a submission saved without signal in the outbox (next in the device's order). */
export async function enqueue(householdId, form, body) {
  const device = await deviceId();
  const diff = diffOf(form, body);
  const item = await db.transaction("rw", db.meta, db.outbox, db.households, async () => {
    const counter = await db.meta.get("seq");
    const seq = (counter ? counter.value : 0) + 1;
    await db.meta.put({ key: "seq", value: seq });
    const entry = {
      seq, user_id: userId, client_uuid: body.client_uuid, household_id: Number(householdId),
      address: form.standard_address, result: body.visit.result, created_at: new Date().toISOString(),
      body: { client_uuid: body.client_uuid, device_id: device, seq, kind: "registration",
              household_id: Number(householdId), recorded_at: new Date().toISOString(),
              base_mark: form.base_mark ?? null, diff, payload: body },
    };
    await db.outbox.add(entry);
    // The phone's copy now shows what the leader saved (the versions stay those of the package:
    // they are the base the server merges against).
    const row = await db.households.get(Number(householdId));
    if (row) {
      const f = row.form;
      HOUSEHOLD_FIELDS.forEach((k) => { if (("household." + k) in diff) f.household[k] = body.household[k]; });
      (f.members || []).forEach((m) => {
        const sent = body.members.find((x) => x.person_id === m.person_id);
        if (sent) PERSON_FIELDS.forEach((k) => { if (("members." + m.person_id + "." + k) in diff) m[k] = sent[k]; });
      });
      f.last_visit = { at: entry.created_at, result: body.visit.result, result_label: "待上传" };
      await db.households.put(row);
    }
    return entry;
  });
  notify();
  return item;
}

export async function pending() {
  return db.outbox.orderBy("seq").filter((i) => i.user_id === userId).toArray();
}

export async function pendingOthers() {
  return db.outbox.filter((i) => i.user_id !== userId).count();
}

export async function recentResults(limit = 20) {
  const rows = await db.sent.where("user_id").equals(userId || 0).toArray();
  rows.sort((a, b) => b.seq - a.seq);
  return rows.slice(0, limit);
}

let flushing = null;

/** Send the outbox, in order; resolves to {sent, left}. Never two flushes at once. */
export function flush() {
  if (!flushing) flushing = doFlush().finally(() => { flushing = null; state.busy = false; notify(); });
  return flushing;
}

async function doFlush() {
  let items = await pending();
  if (!items.length || !userId) return { sent: 0, left: 0 };
  state.busy = true;
  state.message = "正在同步…";
  notify();
  try {
    const session = await api.getJSON(URLS.session);
    if (session.user_id !== userId) {
      state.message = "当前登录的不是保存这些记录的账号，记录保留在本机";
      return { sent: 0, left: items.length };
    }
    api.setCsrfToken(session.csrf_token);
    state.expired = false;
  } catch (err) {
    if (err.status === 401) {
      state.expired = true;
      state.message = "登录已过期：" + items.length + " 条记录保留在本机，请重新登录后同步";
    } else {
      state.message = err.status === 0 ? "无网络，记录保留在本机" : err.message;
    }
    return { sent: 0, left: items.length };
  }
  let sent = 0;
  for (const item of items) {
    let answer;
    try {
      answer = await api.postJSON(URLS.sync, item.body);
    } catch (err) {
      state.message = err.status === 0 ? "网络中断，剩余记录保留在本机" : "第 " + item.seq + " 条未能上传：" + err.message;
      if (err.status === 401) state.expired = true;
      await db.outbox.update(item.seq, { last_error: err.message, tried_at: new Date().toISOString() });
      break;
    }
    await db.transaction("rw", db.outbox, db.sent, async () => {
      await db.sent.put({ client_uuid: item.client_uuid, user_id: item.user_id, seq: item.seq,
                          household_id: item.household_id, address: item.address, result: item.result,
                          status: answer.status, status_label: answer.status_label, conflicts: answer.conflicts,
                          error: answer.error, synced_at: new Date().toISOString() });
      await db.outbox.delete(item.seq);
    });
    sent += 1;
    notify();
  }
  const left = (await pending()).length;
  if (!left) state.message = sent ? "已同步 " + sent + " 条" : "";
  return { sent, left };
}

// --- logout, the worker, persistence --------------------------------------------------------------

async function forgetPackages() {
  // The records of the grid leave the phone at logout; the outbox (the leader's own work) stays.
  await db.transaction("rw", db.packages, db.households, async () => {
    await db.packages.clear();
    await db.households.clear();
  });
  if (navigator.serviceWorker && navigator.serviceWorker.controller) {
    navigator.serviceWorker.controller.postMessage({ type: "logout" });
  }
}

function guardLogout() {
  document.querySelectorAll('form[action$="/logout"]').forEach((form) => {
    form.addEventListener("submit", async (e) => {
      if (form.dataset.confirmed) return;
      e.preventDefault();
      const n = (await pending()).length;
      if (n && !window.confirm("本机还有 " + n + " 条记录未上传。退出后这些记录仍保存在本机，" +
                               "用同一账号重新登录后会自动上传。确定退出？")) return;
      await forgetPackages();
      form.dataset.confirmed = "1";
      form.submit();
    });
  });
}

export async function registerWorker() {
  if (!("serviceWorker" in navigator)) return null;
  try {
    const reg = await navigator.serviceWorker.register("/sw.js", { scope: "/" });
    if (navigator.storage && navigator.storage.persist) {
      navigator.storage.persisted().then((yes) => yes || navigator.storage.persist()).catch(() => {});
    }
    return reg;
  } catch (err) {
    // Not a secure context (plain http on an intranet address): see docs/offline.md.
    console.warn("service worker:", err.message);
    return null;
  }
}

// --- the widget ----------------------------------------------------------------------------------

export function onChange(fn) { listeners.add(fn); }
function notify() { listeners.forEach((fn) => { try { fn(); } catch (e) { console.warn(e); } }); }

/** Fill `root` (section#gc-offline): package age and the sync button always in view; the grid
 * choice, 下载离线包 and what became of each item behind 详情. */
export function mountWidget(root) {
  const el = api.el;
  const grids = el("select", { className: "field__input offline__grid", attrs: { "aria-label": "网格" } });
  const download = el("button", { type: "button", className: "btn btn--outline btn--small", id: "gc-offline-download" },
                      "下载离线包");
  const syncBtn = el("button", { type: "button", className: "btn btn--primary btn--small offline__sync",
                                 id: "gc-offline-sync" }, "同步");
  const more = el("button", { type: "button", className: "btn btn--ghost btn--small offline__more",
                              attrs: { "aria-expanded": "false", "aria-controls": "gc-offline-detail" } }, "详情");
  const age = el("span", { className: "offline__age", id: "gc-offline-age" });
  const net = el("span", { className: "offline__net", id: "gc-offline-net" });
  const msg = el("p", { className: "offline__msg", id: "gc-offline-msg", attrs: { "aria-live": "polite" } });
  const list = el("ol", { className: "offline__list", id: "gc-offline-results" });
  const revisit = el("div", { className: "offline__revisit", id: "gc-offline-revisit" });
  const detail = el("div", { className: "offline__detail", id: "gc-offline-detail", hidden: true },
                    el("div", { className: "offline__row" }, grids, download), msg, list, revisit);
  root.replaceChildren(el("div", { className: "offline__bar" }, net, age, syncBtn, more), detail);
  root.hidden = false;
  more.addEventListener("click", () => {
    detail.hidden = !detail.hidden;
    more.setAttribute("aria-expanded", detail.hidden ? "false" : "true");
  });

  download.addEventListener("click", async () => {
    const gridId = grids.value;
    if (!gridId) return;
    download.disabled = true;
    state.message = "正在下载离线包…";
    render();
    try {
      const pkg = await downloadPackage(gridId, (done, total) => { msg.textContent = "正在缓存地图 " + done + "/" + total; });
      state.message = "离线包已下载：" + pkg.households.length + " 户，" + pkg.tiles.length + " 张地图切片";
    } catch (err) {
      state.message = "离线包下载失败：" + err.message;
    }
    download.disabled = false;
    render();
  });
  syncBtn.addEventListener("click", () => { flush(); });

  async function render() {
    const [items, others, pkg, results] = await Promise.all([pending(), pendingOthers(), latestPackage(), recentResults()]);
    const n = items.length;
    const online = navigator.onLine;
    syncBtn.textContent = "同步（" + n + " 条待上传）";
    syncBtn.disabled = !n || state.busy;
    age.textContent = pkg ? "离线包：" + ageText(pkg.fetched_at) : "尚未下载离线包";
    age.title = pkg ? pkg.grid.village + " " + pkg.grid.name + "，" + pkg.households + " 户，" + pkg.tiles + " 张地图切片" : "";
    net.textContent = online ? "在线" : "离线";
    root.classList.toggle("offline--pending", n > 0);
    root.classList.toggle("offline--offline", !online);
    msg.textContent = [state.message, others ? others + " 条记录属于其他账号，需该账号登录后上传" : ""]
      .filter(Boolean).join("；");
    const rows = items.map((i) => el("li", { className: "offline__item offline__item--pending" },
      el("span", { className: "offline__tag" }, "待上传"), " ", api.text(i.address), i.last_error ? "（" + i.last_error + "）" : ""));
    results.forEach((r) => rows.push(el("li", { className: "offline__item offline__item--" + r.status, dataset: { status: r.status } },
      el("span", { className: "offline__tag" }, r.status_label || STATUS[r.status] || r.status), " ", api.text(r.address),
      r.status === "conflict" ? "：与平台上的修改冲突，已转民警/村网格办审核，未覆盖任何数据" : "",
      r.status === "parallel" ? "：平台上同时有他人修改其他字段，已合并" : "",
      r.error ? "：" + r.error.message : "")));
    list.replaceChildren(...rows);
    // The package's 重访清单: the households to (re)visit, one tap to their form, also offline.
    const todo = pkg && pkg.revisit ? pkg.revisit : [];
    revisit.replaceChildren(...(todo.length ? [
      el("p", { className: "offline__head" }, "重访清单（" + todo.length + " 户）"),
      el("ol", { className: "offline__list" }, todo.slice(0, 50).map((r) => el("li", { className: "offline__item" },
        el("a", { href: "/households/" + encodeURIComponent(r.household_id) + "/register" }, api.text(r.address)),
        " ", el("span", { className: "muted" }, api.text(r.reason_label))))),
    ] : []));
    if (state.message && detail.hidden && (state.expired || results.some((r) => r.status === "conflict"))) {
      detail.hidden = false;
      more.setAttribute("aria-expanded", "true");
    }
    download.hidden = grids.hidden = !state.grids.length;
  }
  onChange(render);
  window.addEventListener("online", render);
  window.addEventListener("offline", render);
  api.getJSON(URLS.session).then((s) => {
    state.grids = s.grids || [];
    grids.replaceChildren(...state.grids.map((g) => el("option", { value: String(g.id) }, g.village + " " + g.name)));
    render();
  }, (err) => { if (err.status === 401) { state.expired = true; state.message = "登录已过期，本机记录已保留"; } render(); });
  render();
}

/** Start offline support on a page: the worker, the logout guard, the flush triggers. */
export function start() {
  registerWorker();
  guardLogout();
  window.addEventListener("online", () => { flush(); });
  if (navigator.onLine) flush();
  const widget = document.getElementById("gc-offline");
  if (widget) mountWidget(widget);
}

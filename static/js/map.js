/*
 * GridCheck map page behaviour: vector-tile styles, the grid popup, the label layer and
 * the building panel. The Leaflet objects are built by folium (webgis/map/page.py), which
 * ends its script with GridCheck.init(map, layers, config).
 *
 * Server strings are only ever put into the page as text (textContent / text nodes).
 */
(function (window, document, L) {
  "use strict";

  // Leaflet 1.8 dropped L.DomEvent.fakeStop, which VectorGrid 1.3 calls when a canvas
  // feature is clicked; 1.9 stops map propagation through originalEvent._stopped instead.
  if (!L.DomEvent.fakeStop) {
    L.DomEvent.fakeStop = function (e) { e._stopped = true; };
  }

  var cfg = { statuses: {}, buildingMinZoom: 14, footprintZoom: 16, urls: {} };
  // The shared request helpers are an ES module (static/js/api.js); this classic script (folium
  // calls GridCheck.init from its inline set-up) loads it once, next to itself.
  var API_URL = new URL("api.js", document.currentScript ? document.currentScript.src : window.location.href).href;
  var gcApi = null;
  import(API_URL).then(function (m) { gcApi = m; });

  // --- small helpers ------------------------------------------------------------------

  /** Build an element: el("td", {className: "x"}, "text", child, ...). */
  function el(tag, props) {
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
  function text(value, fallback) {
    if (value === null || value === undefined || value === "") return fallback === undefined ? "—" : fallback;
    return String(value);
  }

  function pad(n) { return n < 10 ? "0" + n : String(n); }

  /** Format an ISO timestamp as local "YYYY-MM-DD HH:mm". */
  function formatTime(iso) {
    if (!iso) return null;
    var d = new Date(iso);
    if (isNaN(d.getTime())) return iso;
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) +
      " " + pad(d.getHours()) + ":" + pad(d.getMinutes());
  }

  /** The zoom the vector tiles are drawn at (Leaflet rounds fractional zooms). */
  function tileZoom(map) {
    return Math.round(map.getZoom());
  }

  function statusColour(code) {
    return (cfg.statuses[code] || {}).colour || "#6b7280";
  }

  function statusLabel(code) {
    return (cfg.statuses[code] || {}).label || code;
  }

  function badge(label, colour, extraClass) {
    return el("span", { className: "badge" + (extraClass ? " " + extraClass : ""), style: { "--badge": colour } }, label);
  }

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, ms);
    };
  }

  /** Fetch JSON from the app; reject with the message of the API's error shape. */
  function getJSON(url, signal) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" }, signal: signal })
      .then(function (resp) {
        return resp.json().catch(function () { return null; }).then(function (body) {
          if (resp.ok && body) return body;
          var message = body && body.error && body.error.message;
          if (resp.status === 401) message = message || "登录已失效，请重新登录";
          throw new Error(message || "请求失败（" + resp.status + "）");
        });
      });
  }

  // --- styles (VectorGrid calls them per feature with its properties and the tile zoom) ----

  // Share of not-visited buildings in a grid -> fill colour (light = done, red = gap).
  var RAMP = [[0, [238, 242, 247]], [0.25, [253, 230, 138]], [0.55, [251, 146, 60]], [1, [220, 38, 38]]];

  function rampColour(share) {
    share = Math.max(0, Math.min(1, share));
    for (var i = 1; i < RAMP.length; i++) {
      if (share <= RAMP[i][0]) {
        var a = RAMP[i - 1], b = RAMP[i], t = (share - a[0]) / (b[0] - a[0]);
        var rgb = a[1].map(function (v, k) { return Math.round(v + (b[1][k] - v) * t); });
        return "rgb(" + rgb.join(",") + ")";
      }
    }
    return "rgb(220,38,38)";
  }

  function byZoom(z, steps) {
    // steps: [[minZoom, value], ...] ascending; returns the value of the last step <= z.
    var value = steps[0][1];
    for (var i = 0; i < steps.length; i++) if (z >= steps[i][0]) value = steps[i][1];
    return value;
  }

  var style = {
    villages: function (p, z) {
      return {
        fill: false, color: "#475569", opacity: 0.9, lineCap: "round",
        weight: byZoom(z, [[0, 2], [13, 2.5], [15, 3.5]]), dashArray: "10 5",
      };
    },

    grids: function (p, z) {
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
    },

    roads: function (p, z) {
      var kind = p.kind || "street";
      if (kind === "main") {
        return { color: "#a3a9b3", opacity: 1, weight: byZoom(z, [[0, 2], [13, 3], [14, 4], [15, 6], [16, 9], [17, 13]]), lineCap: "round" };
      }
      if (kind === "street") {
        return { color: "#bcc1c9", opacity: 1, weight: byZoom(z, [[0, 1], [13, 1.5], [14, 2.5], [15, 3.5], [16, 6], [17, 9]]), lineCap: "round" };
      }
      return { color: "#cdd1d7", opacity: 1, weight: byZoom(z, [[0, 0.8], [15, 1.5], [16, 3], [17, 5]]), lineCap: "round" };
    },

    buildings: function (p, z) {
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
    },

    selected: function (p, z) {
      var base = style.buildings(p, z);
      return L.extend({}, base, {
        color: "#0f172a", weight: 3, opacity: 1, dashArray: null,
        fill: true, fillColor: statusColour(p.status), fillOpacity: 0.9,
        radius: (base.radius || 5) + 2.5,
      });
    },
  };

  /** A darker shade of a #rrggbb colour for footprint outlines. */
  function shade(hex) {
    var n = parseInt(hex.slice(1), 16);
    var r = Math.round(((n >> 16) & 255) * 0.7), g = Math.round(((n >> 8) & 255) * 0.7), b = Math.round((n & 255) * 0.7);
    return "rgb(" + r + "," + g + "," + b + ")";
  }

  /**
   * Feature id for VectorGrid's getFeatureId. The tile functions pass `id` to ST_AsMVT as the
   * MVT feature id, which takes it out of the properties; copy it back so click handlers
   * (which only see properties) have it too.
   */
  function featureId(f) {
    var props = f.properties || (f.properties = {});
    if ((props.id === undefined || props.id === null) && f.id !== undefined) props.id = f.id;
    return props.id;
  }

  // --- grid popup (overview zooms) -------------------------------------------------------

  function gridPopup(map, p, latlng) {
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

  // --- labels -----------------------------------------------------------------------------

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

  function setupLabels(map, group) {
    var controller = null;
    function refresh() {
      if (controller) controller.abort();
      controller = null;
      if (!map.hasLayer(group)) return;
      var b = map.getBounds();
      var west = Math.max(-180, b.getWest()), east = Math.min(180, b.getEast());
      var south = Math.max(-90, b.getSouth()), north = Math.min(90, b.getNorth());
      if (east - west > MAX_LABEL_BBOX || north - south > MAX_LABEL_BBOX) {
        group.clearLayers();
        return;
      }
      controller = new AbortController();
      var bbox = [west, south, east, north].map(function (v) { return v.toFixed(6); }).join(",");
      var url = cfg.urls.labels + "?bbox=" + bbox + "&z=" + tileZoom(map);
      getJSON(url, controller.signal).then(function (fc) {
        group.clearLayers();
        (fc.features || []).forEach(function (f) {
          var m = labelMarker(f);
          if (m) group.addLayer(m);
        });
        declutter(group);
      }).catch(function (err) {
        if (err.name !== "AbortError" && window.console) console.warn("labels:", err.message);
      });
    }
    var debounced = debounce(refresh, 250);
    map.on("moveend", debounced);
    map.on("overlayadd", function (e) { if (e.layer === group) refresh(); });
    map.whenReady(refresh);
  }

  // --- building panel ---------------------------------------------------------------------

  function Panel(map, buildings) {
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
    if (id !== null) this.buildings.setFeatureStyle(id, style.selected);
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

  var perms = { register: false, edit: false, registerUrl: "", houseNatures: [] };

  function readPermissions() {
    var shell = document.getElementById("gc-shell");
    if (!shell) return;
    perms.register = shell.dataset.mayRegister === "1";
    perms.edit = shell.dataset.mayEdit === "1";
    perms.registerUrl = shell.dataset.registerUrl || "";
    try { perms.houseNatures = JSON.parse(shell.dataset.houseNatures || "[]"); } catch (e) { perms.houseNatures = []; }
    try { perms.buildingTypes = JSON.parse(shell.dataset.buildingTypes || "[]"); } catch (e) { perms.buildingTypes = []; }
  }

  function formField(label, control) {
    return el("label", { className: "edit-form__field" }, el("span", null, label), control);
  }

  function showErrors(box, err) {
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
    var api = gcApi;
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

  // --- 登记新楼栋: place a point, or draw a footprint with a few clicks and 完成 ---------------

  function Drawer(map, panel, buildings) {
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
    var self = this, panel = this.panel, geometry = this.geometry(), api = gcApi;
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

  /**
   * Pan the clicked point into the part of the map the panel leaves free: left of the side
   * panel on desktop, above the bottom sheet on phones (its full height once loaded).
   */
  function keepVisible(map, latlng, panelEl) {
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

  // --- wiring -------------------------------------------------------------------------------

  /**
   * Called by folium's set-up with the Leaflet objects it built (the app's layers built hidden)
   * and the URL of the page's configuration: fetch it (GET /api/map/config), open the map at
   * the user's grids, then show the layers and wire the panel. `GridCheck.ready` resolves with
   * the whole configuration (static/js/coverage.js waits for it too).
   */
  function init(map, layers, config) {
    window.gcMap = map;
    var url = (config && config.configUrl) || "/api/map/config";
    var ready = getJSON(url).then(function (all) {
      start(map, layers, all);
      return all;
    });
    ready.catch(function (err) {
      var hint = document.getElementById("gc-zoom-hint");
      if (hint) { hint.hidden = false; hint.textContent = "地图配置加载失败：" + err.message + "，请刷新页面"; }
    });
    window.GridCheck.ready = ready;
  }

  var SHOWN = ["villages", "grids", "roads", "buildings", "labels"];

  function start(map, layers, config) {
    cfg = L.extend(cfg, config || {});
    var focus = cfg.focus || cfg.townBounds;
    if (focus) map.fitBounds(focus, { padding: [12, 12], animate: false });
    SHOWN.forEach(function (key) { if (layers[key]) layers[key].addTo(map); });

    readPermissions();
    var panel = new Panel(map, layers.buildings);
    window.GridCheck.panel = panel;
    // /?building=<id> (the registration form's 返回地图): open that building's panel and go there.
    var wanted = new URLSearchParams(window.location.search).get("building");
    if (wanted && /^\d{1,12}$/.test(wanted)) {
      panel.open(Number(wanted));
      panel.onFirstRender = function (b) {
        var c = b.geometry && b.geometry.coordinates;
        if (c) map.setView([c[1], c[0]], Math.max(map.getZoom(), cfg.footprintZoom + 1));
      };
    }
    window.GridCheck.layers = layers;

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
      if (hint) hint.hidden = tileZoom(map) >= cfg.buildingMinZoom || !map.hasLayer(layers.buildings);
    }
    map.on("zoomend overlayadd overlayremove", updateHint);
    updateHint();

    if (layers.labels) setupLabels(map, layers.labels);

    // Legend folded away on phones so the map keeps the screen.
    var legend = document.getElementById("gc-legend");
    if (legend && window.matchMedia && window.matchMedia("(max-width: 640px)").matches) legend.open = false;

    // The panel changes the visible map area on desktop; keep Leaflet's size in sync.
    window.addEventListener("resize", debounce(function () { map.invalidateSize(); }, 150));
  }

  window.GridCheck = {
    init: init, style: style, featureId: featureId, rampColour: rampColour,
    // Shared with static/js/coverage.js (targets choropleth, heat layers, grid panel).
    util: { el: el, text: text, getJSON: getJSON, badge: badge, debounce: debounce, keepVisible: keepVisible,
            statusColour: statusColour, statusLabel: statusLabel, tileZoom: tileZoom },
  };
})(window, document, L);

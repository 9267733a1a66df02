/*
 * GridCheck page helpers, an ES module shared by the door-to-door pages (register.js, police.js),
 * the offline outbox (offline.js) and the map's edit actions: building DOM from data (text only,
 * never HTML), JSON requests in the app's error shape with the CSRF header, and client UUIDs.
 */

/** Build an element: el("td", {className: "x"}, "text", child, ...). */
export function el(tag, props) {
  var node = document.createElement(tag);
  if (props) {
    Object.keys(props).forEach(function (key) {
      var value = props[key];
      if (value === undefined || value === null) return;
      if (key === "attrs") {
        Object.keys(value).forEach(function (a) {
          if (value[a] !== undefined && value[a] !== null && value[a] !== false) node.setAttribute(a, value[a]);
        });
      } else if (key === "dataset") {
        Object.keys(value).forEach(function (d) { node.dataset[d] = value[d]; });
      } else if (key === "on") {
        Object.keys(value).forEach(function (ev) { node.addEventListener(ev, value[ev]); });
      } else {
        node[key] = value;
      }
    });
  }
  for (var i = 2; i < arguments.length; i++) append(node, arguments[i]);
  return node;
}

function append(node, child) {
  if (child === null || child === undefined || child === false) return;
  if (Array.isArray(child)) { child.forEach(function (c) { append(node, c); }); return; }
  node.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
}

/** Display text of a server value; a dash (or `fallback`) when it is missing. */
export function text(value, fallback) {
  if (value === null || value === undefined || value === "") return fallback === undefined ? "—" : fallback;
  return String(value);
}


/** Format an ISO timestamp as local "YYYY-MM-DD HH:mm" (or the date only). */
export function formatTime(iso, dateOnly) {
  if (!iso) return null;
  var d = new Date(iso);
  if (isNaN(d.getTime())) return iso;
  // The campaign's clock is China Standard Time, whatever the device's own time zone says.
  var p = {};
  new Intl.DateTimeFormat("en-GB", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit",
    day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false })
    .formatToParts(d).forEach(function (x) { p[x.type] = x.value; });
  var day = p.year + "-" + p.month + "-" + p.day;
  return dateOnly ? day : day + " " + (p.hour === "24" ? "00" : p.hour) + ":" + p.minute;
}

/** A random RFC 4122 version-4 UUID (crypto.randomUUID needs a secure context; this does not). */
export function uuid() {
  if (window.crypto && typeof window.crypto.randomUUID === "function" && window.isSecureContext) {
    return window.crypto.randomUUID();
  }
  var b = window.crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
  return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
}

var freshToken = null;

/** The CSRF token: the page's own, or a fresher one (a page served offline may be days old). */
export function csrfToken() {
  if (freshToken) return freshToken;
  var meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.getAttribute("content") : "";
}

/** Use this token from now on (from /api/offline/session, after a login in another tab). */
export function setCsrfToken(token) { freshToken = token || null; }

/**
 * An error of the JSON API: `status` (0 when the network failed), `code`, `message`, `details`.
 */
export function ApiError(status, body) {
  var err = (body && body.error) || {};
  this.name = "ApiError";
  this.status = status;
  this.code = err.code || (status ? "error" : "network");
  this.message = err.message || (status ? "请求失败（" + status + "）" : "网络连接失败，请检查网络后重试");
  this.details = err.details || null;
}
ApiError.prototype = Object.create(Error.prototype);

function request(method, url, body, signal) {
  // High priority: a user's own request goes ahead of queued map tiles (low priority).
  var opts = { method: method, credentials: "same-origin", headers: { Accept: "application/json" },
               signal: signal, priority: "high" };
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.headers["X-CSRFToken"] = csrfToken();
    opts.body = JSON.stringify(body);
  }
  return fetch(url, opts).then(function (resp) {
    return resp.json().catch(function () { return null; }).then(function (data) {
      if (!resp.ok) throw new ApiError(resp.status, data);
      return data;
    });
  }, function (err) {
    if (err && err.name === "AbortError") throw err;
    throw new ApiError(0, null);
  });
}

export function getJSON(url, signal) { return request("GET", url, undefined, signal); }
export function postJSON(url, body, signal) { return request("POST", url, body, signal); }

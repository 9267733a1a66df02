/*
 * The phone's position for the door-to-door form: where a visit was recorded.
 *
 * Watches the browser's Geolocation API while the page is open and keeps the latest fix
 * (WGS 84 lat/lon and its accuracy radius in metres). Entirely optional: no API, a refused
 * permission, no fix yet or a stale one all give `current() === null`, and the form saves
 * without a location. The status line says which, in a few words.
 *
 *   GCPosition.watch(statusElement)   // start; statusElement may be null
 *   GCPosition.current()              // {lat, lon, accuracy_m} or null
 */
(function (window) {
  "use strict";

  var MAX_AGE_MS = 10 * 60 * 1000;  // an older fix may be another building's
  var fix = null, statusEl = null, watchId = null;

  function say(message) {
    if (statusEl) statusEl.textContent = message;
  }

  function onFix(pos) {
    var c = pos.coords;
    fix = { lat: c.latitude, lon: c.longitude, accuracy_m: Math.max(0, c.accuracy || 0), at: pos.timestamp || Date.now() };
    say("已记录走访位置（精度约 " + Math.round(fix.accuracy_m) + " 米）");
  }

  function onError(err) {
    if (err && err.code === 1) say("未授权定位：走访位置不记录，不影响保存");
    else if (!fix) say("暂未获取定位：走访位置不记录，不影响保存");
  }

  function watch(el) {
    statusEl = el || null;
    if (!window.navigator.geolocation || !window.isSecureContext) {
      say("此浏览器无法定位：走访位置不记录，不影响保存");
      return;
    }
    say("正在获取走访位置…（可不等待，直接保存）");
    try {
      watchId = window.navigator.geolocation.watchPosition(onFix, onError,
        { enableHighAccuracy: true, maximumAge: 60000, timeout: 30000 });
    } catch (e) {
      onError(null);
    }
    window.addEventListener("pagehide", function () {
      if (watchId !== null) window.navigator.geolocation.clearWatch(watchId);
    });
  }

  function current() {
    if (!fix || Date.now() - fix.at > MAX_AGE_MS) return null;
    return { lat: fix.lat, lon: fix.lon, accuracy_m: fix.accuracy_m };
  }

  window.GCPosition = { watch: watch, current: current };
})(window);

/*
 * GridCheck service worker (issue 12: field work without signal). Built by tools/build-offline.mjs
 * (workbox-build injectManifest) into static/sw.js and served at /sw.js, so it controls every page.
 *
 *  - the app shell (our scripts, styles, fonts, vendored libraries) is precached at install;
 *  - pages (the map, the registration form, the police queue) are network-first: online they are
 *    always fresh; offline the last copy is served (a registration page of a household never opened
 *    online is served from any cached registration page: the form reads its household from the URL);
 *  - vector tiles are network-first with the tiles of the offline package as the fallback;
 *  - the JSON API is never cached from browsing: the offline package lives in IndexedDB (Dexie),
 *    the submissions in the outbox, and the pages fall back to them themselves; only the
 *    package's building details (cache gc-package, written by offline.js) answer the building
 *    panel's GET /api/buildings/<id> when the network fails.
 */
/* global workbox */
importScripts("/static/vendor/workbox/workbox-sw.js");
workbox.setConfig({ modulePathPrefix: "/static/vendor/workbox/", debug: false });

const PAGES = "gc-pages";
const TILES = "gc-tiles";
const PACKAGE = "gc-package";
const REGISTER = /^\/households\/\d+\/register$/;

self.skipWaiting();
workbox.core.clientsClaim();
workbox.precaching.cleanupOutdatedCaches();
workbox.precaching.precacheAndRoute([{"revision":"1511c83ed189e613aa3148fe6044637d","url":"/static/js/targets.js"},{"revision":"67d478df162b8e4a64f46f36a33ab5d2","url":"/static/js/sheet.js"},{"revision":"28a40950b778f62e0bfe256e0fae50e4","url":"/static/js/routes.js"},{"revision":"904c7ddf038a3276b2ee22449a161142","url":"/static/js/register.js"},{"revision":"9610fbc62487183ef9e17d664ee31c0e","url":"/static/js/protected_export.js"},{"revision":"fb67bb991079eca850d55959e8a23a08","url":"/static/js/position.js"},{"revision":"ab21ddfa2336bbc684f17b1d841407b7","url":"/static/js/police.js"},{"revision":"adecf7cbf7d981ec289086508848ab5d","url":"/static/js/offline.js"},{"revision":"d62b411a898546794c150e98f1934954","url":"/static/js/offline-page.js"},{"revision":"a90ca333b78fb12e86cb39e4dc1440ac","url":"/static/js/inspections.js"},{"revision":"28a9a2942e17e2aae2d14ed701676bad","url":"/static/js/exchange_progress.js"},{"revision":"9424497818462f9bb92d717f5a183bfe","url":"/static/js/coverage.js"},{"revision":"2c9b909eb8a11eb67a4a79a44622a07e","url":"/static/js/api.js"},{"revision":"003f81f4d91a08586d75f05376763536","url":"/static/js/map/util.js"},{"revision":"86e7929e2ed377cef5861cc0669cc4b6","url":"/static/js/map/panel.js"},{"revision":"c9fd7dd24d80d2bd0ef61e238e5c9e27","url":"/static/js/map/index.js"},{"revision":"8ce5fd0bea70fd5fbcaf9d3bf621b62c","url":"/static/js/map/draw.js"},{"revision":"68610710eb32ff7c25de9eba6414da95","url":"/static/js/map/layers/villages.js"},{"revision":"4c02414cc319bca9ef3cc56e884b4562","url":"/static/js/map/layers/roads.js"},{"revision":"0a75322e668ecf099ae79aea90147441","url":"/static/js/map/layers/labels.js"},{"revision":"082fd98c67469dff6eb8f45ef70f9890","url":"/static/js/map/layers/grids.js"},{"revision":"42e62718995e7466364f62c9c91304f2","url":"/static/js/map/layers/common.js"},{"revision":"8c8a4fe844bd9072b428cde587e7969b","url":"/static/js/map/layers/buildings.js"},{"revision":"506deee0db81c789ee7ca15a84e82828","url":"/static/css/targets.css"},{"revision":"ab22538cb7643399da849bd47915202d","url":"/static/css/sheet.css"},{"revision":"2606fed78a85044290fc8653b388eafb","url":"/static/css/routes.css"},{"revision":"e4bcdd4e0b376e73ecd6746ff3e3c8f6","url":"/static/css/register.css"},{"revision":"4a5d0b4cb912b581aaca9513e98b63bd","url":"/static/css/map.css"},{"revision":"e3747795d71e8f6f95e2d14f14af86d3","url":"/static/css/inspections.css"},{"revision":"8df07f5c68d155b162e8fabfeaf5c9d9","url":"/static/css/fonts.css"},{"revision":"703dcb464e8183ac907197af58d2434e","url":"/static/css/coverage.css"},{"revision":"5e05209f0e3874c57315976bfcc98eb4","url":"/static/css/app.css"},{"revision":"57afe000853d539e89845b5b55d0f9b1","url":"/static/img/logo.svg"},{"revision":"3dfa92b57feae4cc1e85b5fe630c9b81","url":"/static/vendor/vectorgrid/Leaflet.VectorGrid.bundled.min.js"},{"revision":"7c49f3d195e12e0cfe039a517c02e349","url":"/static/vendor/leaflet-heat/leaflet-heat.js"},{"revision":"35b48eb991f383702f153452506e07b2","url":"/static/vendor/leaflet/leaflet.js"},{"revision":"c02c12fe5e21d2493070649584ca38b7","url":"/static/vendor/leaflet/leaflet.css"},{"revision":"44a526eed258222515aa21eaffd14a96","url":"/static/vendor/leaflet/images/marker-shadow.png"},{"revision":"2273e3d8ad9264b7daa5bdbf8e6b47f8","url":"/static/vendor/leaflet/images/marker-icon.png"},{"revision":"401d815dc206b8dc1b17cd0e37695975","url":"/static/vendor/leaflet/images/marker-icon-2x.png"},{"revision":"a6137456ed160d7606981aa57c559898","url":"/static/vendor/leaflet/images/layers.png"},{"revision":"4f0283c6ce28e888000e978e537a6a56","url":"/static/vendor/leaflet/images/layers-2x.png"},{"revision":"6b9803dc6c1439c1328d5d7a9ff2867b","url":"/static/vendor/fonts/noto-sans-sc-latin-400-normal.woff2"},{"revision":"7a69138dad925756c34e8c7c9b0ecdae","url":"/static/vendor/fonts/noto-sans-sc-chinese-simplified-400-normal.woff2"},{"revision":"a9082e704f54ffc4749aa7170c35ccf8","url":"/static/vendor/dexie/dexie.mjs"}]);

// A page answered by the login form (a redirect) or an error is never kept as the page.
const onlyRealPages = {
  cacheWillUpdate: async ({ response }) => (response && response.status === 200 && !response.redirected
    ? response : null),
};
const pages = new workbox.strategies.NetworkFirst({ cacheName: PAGES, networkTimeoutSeconds: 6,
                                                    plugins: [onlyRealPages] });

function isPage(url) {
  return url.pathname === "/" || url.pathname === "/police" || REGISTER.test(url.pathname);
}

workbox.routing.registerRoute(({ request, url }) => request.mode === "navigate" && url.origin === self.location.origin
  && isPage(url), async (options) => {
  try {
    return await pages.handle(options);
  } catch (err) {
    if (REGISTER.test(options.url.pathname)) {
      const cache = await caches.open(PAGES);
      const shell = (await cache.keys()).find((k) => REGISTER.test(new URL(k.url).pathname));
      if (shell) return cache.match(shell);
    }
    throw err;
  }
});

const tiles = new workbox.strategies.NetworkFirst({ cacheName: TILES, networkTimeoutSeconds: 4,
                                                    plugins: [onlyRealPages] });
workbox.routing.registerRoute(({ url }) => url.origin === self.location.origin && url.pathname.startsWith("/tiles/"),
  async (options) => {
    try {
      return await tiles.handle(options);
    } catch (err) {
      // Offline, beyond the package: an empty vector tile (no features) rather than a failed
      // request the map library would report as an error for every tile.
      return new Response(new ArrayBuffer(0), { status: 200, headers: {
        "Content-Type": "application/vnd.mapbox-vector-tile", "X-GridCheck-Offline": "1" } });
    }
  });

// The map page's configuration (no personal data: URLs, zooms, colours, the bounds to open at):
// network first, the last copy offline (the page itself is the same for every response).
workbox.routing.registerRoute(({ url, request }) => url.origin === self.location.origin && request.method === "GET"
  && url.pathname === "/api/map/config",
  new workbox.strategies.NetworkFirst({ cacheName: PAGES, networkTimeoutSeconds: 6, plugins: [onlyRealPages] }));

// The building panel offline: the package's copy of GET /api/buildings/<id> (network first).
workbox.routing.registerRoute(({ url, request }) => url.origin === self.location.origin && request.method === "GET"
  && /^\/api\/buildings\/\d+$/.test(url.pathname), async ({ request }) => {
  try {
    return await fetch(request);
  } catch (err) {
    const copy = await caches.match(new URL(request.url).pathname, { cacheName: PACKAGE });
    if (copy) return copy;
    throw err;
  }
});

self.addEventListener("message", (event) => {
  // Logout: the page copies go (the outbox stays in IndexedDB; see static/js/offline.js).
  if (event.data && event.data.type === "logout") {
    event.waitUntil(Promise.all([caches.delete(PAGES), caches.delete(TILES), caches.delete(PACKAGE)]));
  }
});

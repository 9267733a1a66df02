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
workbox.precaching.precacheAndRoute(self.__WB_MANIFEST);

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

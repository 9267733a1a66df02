/*
 * GridCheck service worker (issue 12: field work without signal). Built by tools/build-offline.mjs
 * (workbox-build injectManifest) into static/sw.js and served at /sw.js, so it controls every page.
 *
 *  - the app shell (our scripts, styles, fonts, vendored libraries) is precached at install;
 *  - pages (the map, the registration form, the police queue) are network-first: online they are
 *    always fresh; offline the last copy is served (a registration page of a household never opened
 *    online is served from any cached registration page: the form reads its household from the URL);
 *  - vector tiles are network-first with the tiles of the offline package as the fallback;
 *  - the JSON API is never cached here: the offline package lives in IndexedDB (Dexie), the
 *    submissions in the outbox, and the pages fall back to them themselves.
 */
/* global workbox */
importScripts("/static/vendor/workbox/workbox-sw.js");
workbox.setConfig({ modulePathPrefix: "/static/vendor/workbox/", debug: false });

const PAGES = "gc-pages";
const TILES = "gc-tiles";
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

workbox.routing.registerRoute(({ url }) => url.origin === self.location.origin && url.pathname.startsWith("/tiles/"),
  new workbox.strategies.NetworkFirst({ cacheName: TILES, networkTimeoutSeconds: 4, plugins: [onlyRealPages] }));

self.addEventListener("message", (event) => {
  // Logout: the page copies go (the outbox stays in IndexedDB; see static/js/offline.js).
  if (event.data && event.data.type === "logout") {
    event.waitUntil(Promise.all([caches.delete(PAGES), caches.delete(TILES)]));
  }
});

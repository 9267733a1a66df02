// Build GridCheck's offline app shell (issue 12), from the npm packages in package-lock.json:
//   * static/vendor/dexie/dexie.mjs       — Dexie (IndexedDB), as an ES module for the pages;
//   * static/vendor/workbox/               — the Workbox runtime the service worker imports (local,
//                                            never Google's CDN: town offices run on an intranet);
//   * static/sw.js                         — static/js/sw/sw-src.js with the precache manifest of
//                                            the app shell injected (workbox-build injectManifest).
// Run by `npm run build` (the Makefile's set-up runs it when a source is newer than static/sw.js).
import { copyFile, mkdir, readdir, rm, rename } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const { copyWorkboxLibraries, injectManifest } = require("workbox-build");

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const stat = path.join(root, "static");

async function vendorDexie() {
  const dest = path.join(stat, "vendor", "dexie");
  await mkdir(dest, { recursive: true });
  const dist = path.join(root, "node_modules", "dexie", "dist");
  await copyFile(path.join(dist, "dexie.mjs"), path.join(dest, "dexie.mjs"));
  await copyFile(path.join(root, "node_modules", "dexie", "LICENSE"), path.join(dest, "LICENSE"));
}

async function vendorWorkbox() {
  const vendor = path.join(stat, "vendor");
  const dest = path.join(vendor, "workbox");
  await rm(dest, { recursive: true, force: true });
  const dir = await copyWorkboxLibraries(vendor); // "workbox-v7.x.y"
  await rename(path.join(vendor, dir), dest);
  // Only the production builds the worker loads are kept (no .dev.js, no source maps).
  for (const name of await readdir(dest)) {
    if (name.includes(".dev.") || name.endsWith(".map")) await rm(path.join(dest, name));
  }
}

async function buildWorker() {
  const { count, size, warnings } = await injectManifest({
    swSrc: path.join(stat, "js", "sw", "sw-src.js"),
    swDest: path.join(stat, "sw.js"),
    globDirectory: stat,
    // The app shell: our scripts and styles, the vendored libraries, fonts and images.
    globPatterns: ["js/**/*.js", "css/**/*.css", "img/**/*.{svg,png}", "vendor/**/*.{js,mjs,css,png,woff2}"],
    globIgnores: ["sw.js", "js/sw/**", "vendor/workbox/**", "vendor/chartjs/**", "**/*.map"],
    modifyURLPrefix: { "": "/static/" },
    maximumFileSizeToCacheInBytes: 4 * 1024 * 1024,
  });
  warnings.forEach((w) => console.warn(w));
  console.log(`static/sw.js: ${count} files precached, ${(size / 1024).toFixed(0)} KiB`);
}

await vendorDexie();
await vendorWorkbox();
await buildWorker();

/* Offline support on a page that has no module of its own (the map page: see static/js/offline.js). */
import { start } from "./offline.js";

start();

/* 道路: the road layer (MVT layer "roads"), by road kind. */
import { byZoom } from "./common.js";

export const style = function (p, z) {
  var kind = p.kind || "street";
  if (kind === "main") {
    return { color: "#a3a9b3", opacity: 1, weight: byZoom(z, [[0, 2], [13, 3], [14, 4], [15, 6], [16, 9], [17, 13]]), lineCap: "round" };
  }
  if (kind === "street") {
    return { color: "#bcc1c9", opacity: 1, weight: byZoom(z, [[0, 1], [13, 1.5], [14, 2.5], [15, 3.5], [16, 6], [17, 9]]), lineCap: "round" };
  }
  return { color: "#cdd1d7", opacity: 1, weight: byZoom(z, [[0, 0.8], [15, 1.5], [16, 3], [17, 5]]), lineCap: "round" };
};

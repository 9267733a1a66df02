/* 村/居界线: the village boundary layer (MVT layer "villages"). */
import { byZoom } from "./common.js";

export const style = function (p, z) {
  return {
    fill: false, color: "#475569", opacity: 0.9, lineCap: "round",
    weight: byZoom(z, [[0, 2], [13, 2.5], [15, 3.5]]), dashArray: "10 5",
  };
};

/* Shared by the layer styles: zoom steps and the grid ramp. */
// Share of not-visited buildings in a grid -> fill colour (light = done, red = gap).
export const RAMP = [[0, [238, 242, 247]], [0.25, [253, 230, 138]], [0.55, [251, 146, 60]], [1, [220, 38, 38]]];

export function rampColour(share) {
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

export function byZoom(z, steps) {
  // steps: [[minZoom, value], ...] ascending; returns the value of the last step <= z.
  var value = steps[0][1];
  for (var i = 0; i < steps.length; i++) if (z >= steps[i][0]) value = steps[i][1];
  return value;
}

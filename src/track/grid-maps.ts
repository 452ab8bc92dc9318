/**
 * Maps on the correlation filter's circular N×N grid: the cosine (Hann) window of MOSSE/KCF/CFNet,
 * the Gaussian label, and signed circular offsets.
 */

/** `n` Hann (raised cosine) weights, the classic window of MOSSE/KCF/CFNet. */
export function hann1d(n: number): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 0.5)) / n);
  return w;
}

/**
 * `n` Tukey (tapered cosine) weights: flat over the central fraction `flat` of the span, a raised
 * cosine on either side; `flat` 0 is the Hann window.
 */
export function tukey1d(n: number, flat: number): Float64Array {
  const w = new Float64Array(n);
  const taper = 1 - flat; // the fraction of the span in the two cosine flanks together
  for (let i = 0; i < n; i++) {
    const u = Math.min(i + 0.5, n - i - 0.5) / n; // distance from the nearer edge, in spans
    w[i] = u >= taper / 2 ? 1 : 0.5 - 0.5 * Math.cos((2 * Math.PI * u) / taper);
  }
  return w;
}

/** The separable f×f cosine window, row-major; `flat` > 0 makes it a Tukey window (tukey1d). */
export function cosineWindow(f: number, flat = 0): Float64Array {
  const h = flat > 0 ? tukey1d(f, flat) : hann1d(f);
  const w = new Float64Array(f * f);
  for (let y = 0; y < f; y++) for (let x = 0; x < f; x++) w[y * f + x] = h[y] * h[x];
  return w;
}

/**
 * How much of each of the f×f cells of a region lies inside the frame, for weighting the features
 * of a search region that crosses the frame's border (row-major): 1 at least `taper` cells inside,
 * a raised cosine down to 0 at the border and 0 beyond, so that the edge between the image and the
 * crop's padding does not look like scene structure. The region's top-left is (x0, y0) px, its
 * cells `cellW`×`cellH` px. Undefined when every weight would be 1.
 */
export function inFrameWeights(
  f: number,
  x0: number,
  y0: number,
  cellW: number,
  cellH: number,
  width: number,
  height: number,
  taper: number,
  out: Float64Array,
): Float64Array | undefined {
  const margin = taper + 0.5;
  if (x0 >= margin * cellW && y0 >= margin * cellH) {
    if (x0 + f * cellW <= width - margin * cellW && y0 + f * cellH <= height - margin * cellH)
      return undefined;
  }
  const soft = (inside: number): number =>
    inside <= 0 ? 0 : inside >= taper ? 1 : 0.5 - 0.5 * Math.cos((Math.PI * inside) / taper);
  for (let y = 0; y < f; y++) {
    const py = y0 + (y + 0.5) * cellH;
    const wy = soft(Math.min(py, height - py) / cellH);
    for (let x = 0; x < f; x++) {
      const px = x0 + (x + 0.5) * cellW;
      out[y * f + x] = wy * soft(Math.min(px, width - px) / cellW);
    }
  }
  return out;
}

/** Signed circular offset of index `i` in [−n/2, n/2). */
export function wrapIndex(i: number, n: number): number {
  const m = ((i % n) + n) % n;
  return m >= n / 2 ? m - n : m;
}

/**
 * A Gaussian target response on the N×N circular grid, centred at (cy, cx) cells (fractional,
 * measured circularly), standard deviation `sigma` cells.
 */
export function gaussianLabel(n: number, sigma: number, cy: number, cx: number, out: Float64Array): void {
  const k = -0.5 / (sigma * sigma);
  for (let y = 0; y < n; y++) {
    const dy = circularDistance(y - cy, n);
    for (let x = 0; x < n; x++) {
      const dx = circularDistance(x - cx, n);
      out[y * n + x] = Math.exp(k * (dy * dy + dx * dx));
    }
  }
}

/** A (fractional) offset wrapped into [−n/2, n/2]. */
export function circularDistance(d: number, n: number): number {
  return d - n * Math.round(d / n);
}

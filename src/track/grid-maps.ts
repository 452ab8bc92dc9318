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

/** The separable f×f cosine window, row-major. */
export function cosineWindow(f: number): Float64Array {
  const h = hann1d(f);
  const w = new Float64Array(f * f);
  for (let y = 0; y < f; y++) for (let x = 0; x < f; x++) w[y * f + x] = h[y] * h[x];
  return w;
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

/**
 * The correlation-filter head of CFNet: a ridge regression over all circular shifts of the
 * exemplar features, solved in closed form in the Fourier domain.
 *
 * Valmadre, Bertinetto, Henriques, Vedaldi & Torr, "End-to-end representation learning for
 * Correlation Filter based tracking", CVPR 2017, §3 (Eq. 2–4) and the reference code
 * `corr_filter.m` (bertinetto/cfnet): for exemplar features x (C channels of n = N² cells, cosine
 * window applied) and a target response y (a Gaussian),
 *
 *   w = argmin_w  1/(2n) ‖ Σ_l w_l ⋆ x_l − y ‖² + λ/2 Σ_l ‖w_l‖²                      (CFNet Eq. 2)
 *
 * has one dual solution α shared across channels (the Gram matrix of the shifts is circulant):
 *
 *   k̂ = 1/n Σ_l x̂_l* ∘ x̂_l + λ,   α̂ = 1/n · ŷ ⊘ k̂,   ŵ_l = α̂* ∘ x̂_l             (CFNet Eq. 4)
 *
 * and the response on search features z is r = Σ_l w_l ⋆ z_l, i.e. r̂ = Σ_l ŵ_l* ∘ ẑ_l.
 * (⋆ is circular cross-correlation: (w ⋆ z)[u] = Σ_t w[t]·z[t+u].) Everything here is plain
 * JS on typed buffers allocated once per filter.
 */
import { Fft2d } from './fft2d.js';

/** How the template is averaged over frames (CFNet averages the filter itself). */
export type TemplateUpdate = 'filter' | 'ratio';

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

/** A multi-channel correlation filter on an N×N grid (N a power of two). */
export class CorrelationFilter {
  readonly n: number;
  readonly channels: number;
  readonly lambda: number;
  readonly mode: TemplateUpdate;
  readonly fft: Fft2d;
  /** ŵ_l ('filter' mode) or the numerators ŷ* ∘ x̂_l ('ratio' mode), one complex map per channel. */
  private readonly model: Float64Array[];
  /** 'ratio' mode: the running Σ_l |x̂_l|². */
  private readonly den: Float64Array;
  private trained = false;
  private readonly planeA: Float64Array;
  private readonly planeB: Float64Array;
  private readonly acc: Float64Array;

  constructor(n: number, channels: number, lambda: number, mode: TemplateUpdate = 'filter') {
    this.n = n;
    this.channels = channels;
    this.lambda = lambda;
    this.mode = mode;
    this.fft = new Fft2d(n);
    this.model = Array.from({ length: channels }, () => new Float64Array(2 * n * n));
    this.den = new Float64Array(n * n);
    this.planeA = new Float64Array(n * n);
    this.planeB = new Float64Array(n * n);
    this.acc = new Float64Array(2 * n * n);
  }

  /** A set of C complex spectra of this filter's size (allocate once, reuse). */
  allocSpectra(): Float64Array[] {
    return Array.from({ length: this.channels }, () => new Float64Array(2 * this.n * this.n));
  }

  get isTrained(): boolean {
    return this.trained;
  }

  /**
   * Spectra of f×f×C features (HWC, as the trunk emits them) times `gain`, optionally cosine
   * windowed, zero-padded top-left to N×N.
   */
  spectra(
    features: Float32Array,
    f: number,
    window: Float64Array | null,
    gain: number | Float64Array,
    out: Float64Array[],
  ): void {
    spectraOf(this.fft, features, f, this.channels, window, gain, out, this.planeA, this.planeB);
  }

  /**
   * Solves the filter for exemplar spectra `xf` and label spectrum `yf` (CFNet Eq. 4) and blends
   * it into the template: model ← (1 − rate)·model + rate·new (rate 1 replaces it).
   */
  train(xf: Float64Array[], yf: Float64Array, rate: number): void {
    const { n, channels, den, acc } = this;
    const cells = n * n;
    const nl = cells * this.lambda;
    const keep = this.trained ? 1 - rate : 0;
    const take = this.trained ? rate : 1;
    // acc (real part only used) = Σ_l |x̂_l|²
    acc.fill(0);
    for (let l = 0; l < channels; l++) {
      const x = xf[l];
      for (let k = 0; k < cells; k++) acc[k] += x[2 * k] * x[2 * k] + x[2 * k + 1] * x[2 * k + 1];
    }
    for (let l = 0; l < channels; l++) {
      const x = xf[l];
      const m = this.model[l];
      for (let k = 0; k < cells; k++) {
        // conj(ŷ) ∘ x̂_l, divided by (Σ|x̂|² + nλ) in 'filter' mode: ŵ_l = conj(β̂) ∘ x̂_l.
        const yr = yf[2 * k];
        const yi = -yf[2 * k + 1];
        const s = this.mode === 'filter' ? 1 / (acc[k] + nl) : 1;
        const re = (yr * x[2 * k] - yi * x[2 * k + 1]) * s;
        const im = (yr * x[2 * k + 1] + yi * x[2 * k]) * s;
        m[2 * k] = keep * m[2 * k] + take * re;
        m[2 * k + 1] = keep * m[2 * k + 1] + take * im;
      }
    }
    if (this.mode === 'ratio') for (let k = 0; k < cells; k++) den[k] = keep * den[k] + take * acc[k];
    this.trained = true;
  }

  /** Response spectrum r̂ = Σ_l ŵ_l* ∘ ẑ_l for search spectra `zf` (same N). */
  responseSpectrum(zf: Float64Array[], out: Float64Array): void {
    const { n, channels, den } = this;
    const cells = n * n;
    out.fill(0);
    for (let l = 0; l < channels; l++) {
      const w = this.model[l];
      const z = zf[l];
      for (let k = 0; k < cells; k++) {
        const wr = w[2 * k];
        const wi = w[2 * k + 1];
        const zr = z[2 * k];
        const zi = z[2 * k + 1];
        out[2 * k] += wr * zr + wi * zi;
        out[2 * k + 1] += wr * zi - wi * zr;
      }
    }
    if (this.mode === 'ratio') {
      const nl = cells * this.lambda;
      for (let k = 0; k < cells; k++) {
        const s = 1 / (den[k] + nl);
        out[2 * k] *= s;
        out[2 * k + 1] *= s;
      }
    }
  }

  /** The spatial filter of channel `l` (N², real), for tests and for resampling to a larger grid. */
  spatialFilter(l: number, out: Float64Array): void {
    const { n, den } = this;
    const cells = n * n;
    const m = this.model[l];
    if (this.mode === 'filter') {
      this.fft.inverseReal(m, out);
      return;
    }
    const nl = cells * this.lambda;
    for (let k = 0; k < cells; k++) {
      const s = 1 / (den[k] + nl);
      this.acc[2 * k] = m[2 * k] * s;
      this.acc[2 * k + 1] = m[2 * k + 1] * s;
    }
    this.fft.inverseReal(this.acc, out);
  }

  /**
   * The filter's spectra on a larger M×M grid (used while the target is lost and the search
   * widens): the spatial filter is taken over circular indices [lo, lo + N) (centred on the
   * exemplar), placed at the same indices of the M grid, zero elsewhere, and transformed.
   */
  spectraOnGrid(big: Fft2d, lo: number, out: Float64Array[]): void {
    const { n } = this;
    const m = big.n;
    const w = this.planeA;
    const plane = new Float64Array(m * m);
    for (let l = 0; l < this.channels; l++) {
      this.spatialFilter(l, w);
      plane.fill(0);
      for (let ty = lo; ty < lo + n; ty++) {
        const sy = ((ty % n) + n) % n;
        const dy = ((ty % m) + m) % m;
        for (let tx = lo; tx < lo + n; tx++) {
          const sx = ((tx % n) + n) % n;
          const dx = ((tx % m) + m) % m;
          plane[dy * m + dx] = w[sy * n + sx];
        }
      }
      big.forwardReal(plane, out[l]);
    }
  }

  /** Forgets the template. */
  reset(): void {
    for (const m of this.model) m.fill(0);
    this.den.fill(0);
    this.trained = false;
  }
}

/**
 * Spectra of f×f×C HWC features (times `gain`, one number or one per channel, optionally windowed), zero-padded to the FFT's
 * N×N, two channels per complex transform. `planeA`/`planeB` are N² scratch buffers.
 */
export function spectraOf(
  fft: Fft2d,
  features: Float32Array,
  f: number,
  channels: number,
  window: Float64Array | null,
  gain: number | Float64Array,
  out: Float64Array[],
  planeA: Float64Array,
  planeB: Float64Array,
): void {
  const n = fft.n;
  const gainOf = (l: number): number => (typeof gain === 'number' ? gain : gain[l]);
  if (f > n) throw new RangeError(`Expected the feature side to be ≤ ${n}, got ${f}`);
  for (let l = 0; l < channels; l += 2) {
    const pair = l + 1 < channels;
    planeA.fill(0);
    if (pair) planeB.fill(0);
    const ga = gainOf(l);
    const gb = pair ? gainOf(l + 1) : 0;
    for (let y = 0; y < f; y++) {
      for (let x = 0; x < f; x++) {
        const cell = y * f + x;
        const g = window ? window[cell] : 1;
        const src = cell * channels + l;
        planeA[y * n + x] = features[src] * g * ga;
        if (pair) planeB[y * n + x] = features[src + 1] * g * gb;
      }
    }
    if (pair) fft.forwardRealPair(planeA, planeB, out[l], out[l + 1], f);
    else fft.forwardReal(planeA, out[l]);
  }
}

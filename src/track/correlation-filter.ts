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

/**
 * A multi-channel correlation filter on an N×N grid (N a power of two).
 *
 * Channels travel in pairs: the spectrum of a pair is that of the complex map a + i·b, one
 * complex transform for two real channels, and the filter is stored the same way. This is exact:
 * ŵ_l = c ∘ x̂_l with one per-frequency factor c shared by all channels (CFNet Eq. 4), so
 * ŵ_a + i·ŵ_b = c ∘ (x̂_a + i·x̂_b); Σ_l |x̂_l|² = (|ẑ[k]|² + |ẑ[−k]|²)/2 summed over pairs; and
 * Σ_pairs ĝ* ∘ ẑ = Σ_l ŵ_l* ∘ ẑ_l + (an anti-Hermitian cross term) whose Hermitian part is the
 * response's spectrum. No pair is ever split back into its two channels.
 */
export class CorrelationFilter {
  readonly n: number;
  readonly channels: number;
  /** Complex maps per set of spectra: ⌈channels / 2⌉. */
  readonly pairs: number;
  readonly lambda: number;
  readonly mode: TemplateUpdate;
  readonly fft: Fft2d;
  /** Per pair, ŵ_a + i·ŵ_b ('filter' mode) or the numerators ŷ* ∘ (x̂_a + i·x̂_b) ('ratio' mode). */
  private readonly model: Float64Array[];
  /** 'ratio' mode: the running Σ_l |x̂_l|². */
  private readonly den: Float64Array;
  private trained = false;
  private readonly acc: Float64Array;
  private readonly energy: Float64Array;

  constructor(n: number, channels: number, lambda: number, mode: TemplateUpdate = 'filter') {
    this.n = n;
    this.channels = channels;
    this.pairs = Math.ceil(channels / 2);
    this.lambda = lambda;
    this.mode = mode;
    this.fft = new Fft2d(n);
    this.model = Array.from({ length: this.pairs }, () => new Float64Array(2 * n * n));
    this.den = new Float64Array(n * n);
    this.acc = new Float64Array(2 * n * n);
    this.energy = new Float64Array(n * n);
  }

  /** A set of paired spectra of this filter's size (allocate once, reuse). */
  allocSpectra(): Float64Array[] {
    return Array.from({ length: this.pairs }, () => new Float64Array(2 * this.n * this.n));
  }

  get isTrained(): boolean {
    return this.trained;
  }

  /**
   * Paired spectra of f×f×C features (HWC, as the trunk emits them) times `gain`, optionally
   * cosine windowed, zero-padded top-left to N×N.
   */
  spectra(
    features: Float32Array,
    f: number,
    window: Float64Array | null,
    gain: number | Float64Array,
    out: Float64Array[],
  ): void {
    spectraOf(this.fft, features, f, this.channels, window, gain, out);
  }

  /**
   * Solves the filter for exemplar spectra `xf` and label spectrum `yf` (CFNet Eq. 4) and blends
   * it into the template: model ← (1 − rate)·model + rate·new (rate 1 replaces it).
   */
  train(xf: Float64Array[], yf: Float64Array, rate: number): void {
    const { n, pairs, den, energy } = this;
    const cells = n * n;
    const nl = cells * this.lambda;
    const keep = this.trained ? 1 - rate : 0;
    const take = this.trained ? rate : 1;
    // energy[k] = Σ_l |x̂_l[k]|² = ½ Σ_pairs (|ẑ[k]|² + |ẑ[−k]|²)
    const sq = this.acc;
    sq.fill(0, 0, cells);
    for (let p = 0; p < pairs; p++) {
      const z = xf[p];
      for (let k = 0; k < cells; k++) sq[k] += z[2 * k] * z[2 * k] + z[2 * k + 1] * z[2 * k + 1];
    }
    for (let ky = 0; ky < n; ky++) {
      const my = ky === 0 ? 0 : n - ky;
      for (let kx = 0; kx < n; kx++) {
        const mx = kx === 0 ? 0 : n - kx;
        energy[ky * n + kx] = 0.5 * (sq[ky * n + kx] + sq[my * n + mx]);
      }
    }
    const filter = this.mode === 'filter';
    for (let p = 0; p < pairs; p++) {
      const z = xf[p];
      const m = this.model[p];
      for (let k = 0; k < cells; k++) {
        // conj(ŷ) ∘ ẑ, divided by (Σ|x̂|² + nλ) in 'filter' mode.
        const yr = yf[2 * k];
        const yi = -yf[2 * k + 1];
        const s = filter ? 1 / (energy[k] + nl) : 1;
        const re = (yr * z[2 * k] - yi * z[2 * k + 1]) * s;
        const im = (yr * z[2 * k + 1] + yi * z[2 * k]) * s;
        m[2 * k] = keep * m[2 * k] + take * re;
        m[2 * k + 1] = keep * m[2 * k + 1] + take * im;
      }
    }
    if (!filter) for (let k = 0; k < cells; k++) den[k] = keep * den[k] + take * energy[k];
    this.trained = true;
  }

  /** Response spectrum r̂ = Σ_l ŵ_l* ∘ ẑ_l for paired search spectra `zf` (same N). */
  responseSpectrum(zf: Float64Array[], out: Float64Array): void {
    crossSpectrum(this.model, zf, this.n, out);
    if (this.mode === 'ratio') {
      const { den } = this;
      const nl = this.n * this.n * this.lambda;
      for (let k = 0, cells = den.length; k < cells; k++) {
        const s = 1 / (den[k] + nl);
        out[2 * k] *= s;
        out[2 * k + 1] *= s;
      }
    }
  }

  /** The spatial filters of pair `p`, w_a + i·w_b (complex, 2·N²). */
  spatialPair(p: number, out: Float64Array): void {
    const { n, den } = this;
    const m = this.model[p];
    if (this.mode === 'filter') {
      this.fft.inverse(m, out);
      return;
    }
    const nl = n * n * this.lambda;
    for (let k = 0, cells = n * n; k < cells; k++) {
      const s = 1 / (den[k] + nl);
      this.acc[2 * k] = m[2 * k] * s;
      this.acc[2 * k + 1] = m[2 * k + 1] * s;
    }
    this.fft.inverse(this.acc, out);
  }

  /** The spatial filter of channel `l` (N², real). */
  spatialFilter(l: number, out: Float64Array): void {
    const pair = new Float64Array(2 * this.n * this.n);
    this.spatialPair(l >> 1, pair);
    for (let t = 0, part = l & 1; t < out.length; t++) out[t] = pair[2 * t + part];
  }

  /**
   * The filter's paired spectra on a larger M×M grid (used while the target is lost and the search
   * widens): the spatial filter is taken over circular indices [lo, lo + N) (centred on the
   * exemplar), placed at the same indices of the M grid, zero elsewhere, and transformed.
   */
  spectraOnGrid(big: Fft2d, lo: number, out: Float64Array[]): void {
    const { n } = this;
    const m = big.n;
    const w = new Float64Array(2 * n * n);
    const plane = new Float64Array(2 * m * m);
    for (let p = 0; p < this.pairs; p++) {
      this.spatialPair(p, w);
      plane.fill(0);
      for (let ty = lo; ty < lo + n; ty++) {
        const sy = ((ty % n) + n) % n;
        const dy = ((ty % m) + m) % m;
        for (let tx = lo; tx < lo + n; tx++) {
          const sx = ((tx % n) + n) % n;
          const dx = ((tx % m) + m) % m;
          plane[2 * (dy * m + dx)] = w[2 * (sy * n + sx)];
          plane[2 * (dy * m + dx) + 1] = w[2 * (sy * n + sx) + 1];
        }
      }
      big.forward(plane, out[p]);
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
 * Paired spectra of f×f×C HWC features (times `gain`, one number or one per channel, optionally
 * windowed), zero-padded to the FFT's N×N: channels 2p and 2p + 1 as the real and imaginary
 * parts of one complex map (an odd last channel pairs with zero).
 */
export function spectraOf(
  fft: Fft2d,
  features: Float32Array,
  f: number,
  channels: number,
  window: Float64Array | null,
  gain: number | Float64Array,
  out: Float64Array[],
): void {
  const n = fft.n;
  const gainOf = (l: number): number => (typeof gain === 'number' ? gain : gain[l]);
  if (f > n) throw new RangeError(`Expected the feature side to be ≤ ${n}, got ${f}`);
  for (let l = 0; l < channels; l += 2) {
    const plane = out[l >> 1];
    const pair = l + 1 < channels;
    const ga = gainOf(l);
    const gb = pair ? gainOf(l + 1) : 0;
    plane.fill(0, 0, 2 * f * n);
    for (let y = 0; y < f; y++) {
      for (let x = 0; x < f; x++) {
        const cell = y * f + x;
        const g = window ? window[cell] : 1;
        const src = cell * channels + l;
        const dst = 2 * (y * n + x);
        plane[dst] = features[src] * g * ga;
        if (pair) plane[dst + 1] = features[src + 1] * g * gb;
      }
    }
    fft.forwardInPlace(plane, f);
  }
}

/**
 * The response spectrum Σ_pairs ĝ* ∘ ẑ of paired filter and search spectra on an N×N grid, kept
 * to its Hermitian part (r̂[k] + r̂[−k]*)/2: the spectrum of Σ_l w_l ⋆ z_l, a real map.
 */
export function crossSpectrum(
  wf: readonly Float64Array[],
  zf: readonly Float64Array[],
  n: number,
  out: Float64Array,
): void {
  out.fill(0);
  const len = out.length;
  for (let p = 0; p < wf.length; p++) {
    const w = wf[p];
    const z = zf[p];
    for (let q = 0; q < len; q += 2) {
      out[q] += w[q] * z[q] + w[q + 1] * z[q + 1];
      out[q + 1] += w[q] * z[q + 1] - w[q + 1] * z[q];
    }
  }
  for (let ky = 0; ky < n; ky++) {
    const my = ky === 0 ? 0 : n - ky;
    for (let kx = 0; kx < n; kx++) {
      const mx = kx === 0 ? 0 : n - kx;
      const a = 2 * (ky * n + kx);
      const b = 2 * (my * n + mx);
      if (b < a) continue; // each {k, −k} once
      const re = 0.5 * (out[a] + out[b]);
      const im = 0.5 * (out[a + 1] - out[b + 1]);
      out[a] = re;
      out[a + 1] = im;
      out[b] = re;
      out[b + 1] = -im;
    }
  }
}

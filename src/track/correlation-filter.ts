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
import type { Fft2d } from './fft2d.js';
import { SpectralGrid, type ChannelBlocks } from './spectral-grid.js';

/** How the template is averaged over frames (CFNet averages the filter itself). */
export type TemplateUpdate = 'filter' | 'ratio';

/**
 * A multi-channel correlation filter on an N×N grid (N a power of two), its channels in a fine
 * block and an optional coarse block at half the resolution (spectral-grid.ts).
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
  /** Logical channels (fine + coarse). */
  readonly channels: number;
  /** Complex maps per set of spectra. */
  readonly pairs: number;
  readonly lambda: number;
  readonly mode: TemplateUpdate;
  readonly grid: SpectralGrid;
  /** Per pair, ŵ_a + i·ŵ_b ('filter' mode) or the numerators ŷ* ∘ (x̂_a + i·x̂_b) ('ratio' mode). */
  private readonly model: Float64Array[];
  /** 'ratio' mode: the running Σ_l |x̂_l|². */
  private readonly den: Float64Array;
  private trained = false;
  private readonly acc: Float64Array;
  private readonly energy: Float64Array;
  private readonly scale: Float64Array;

  /** `channels`: a count (one fine block) or the fine and coarse blocks. */
  constructor(n: number, channels: number | ChannelBlocks, lambda: number, mode: TemplateUpdate = 'filter') {
    this.grid = new SpectralGrid(n, typeof channels === 'number' ? { fine: channels, coarse: 0 } : channels);
    this.n = n;
    this.channels = this.grid.fine + this.grid.coarse;
    this.pairs = this.grid.pairs;
    this.lambda = lambda;
    this.mode = mode;
    this.model = this.grid.alloc();
    this.den = new Float64Array(n * n);
    this.acc = new Float64Array(2 * n * n);
    this.energy = new Float64Array(n * n);
    this.scale = new Float64Array(n * n);
  }

  /** The N×N transform (labels, responses). */
  get fft(): Fft2d {
    return this.grid.fft;
  }

  /** A set of paired spectra of this filter's size (allocate once, reuse). */
  allocSpectra(): Float64Array[] {
    return this.grid.alloc();
  }

  get isTrained(): boolean {
    return this.trained;
  }

  /**
   * Solves the filter for exemplar spectra `xf` and label spectrum `yf` (CFNet Eq. 4) and blends
   * it into the template: model ← (1 − rate)·model + rate·new (rate 1 replaces it).
   */
  train(xf: Float64Array[], yf: Float64Array, rate: number): void {
    const { n, den, energy, scale } = this;
    const cells = n * n;
    const nl = cells * this.lambda;
    const keep = this.trained ? 1 - rate : 0;
    const take = this.trained ? rate : 1;
    this.grid.energy(xf, this.acc, energy);
    const filter = this.mode === 'filter';
    // conj(ŷ) ∘ ẑ, divided by (Σ|x̂|² + nλ) in 'filter' mode.
    if (filter) for (let k = 0; k < cells; k++) scale[k] = 1 / (energy[k] + nl);
    this.grid.blend(this.model, xf, yf, filter ? scale : null, keep, take);
    if (!filter) for (let k = 0; k < cells; k++) den[k] = keep * den[k] + take * energy[k];
    this.trained = true;
  }

  /** Response spectrum r̂ = Σ_l ŵ_l* ∘ ẑ_l for paired search spectra `zf` (same N). */
  responseSpectrum(zf: Float64Array[], out: Float64Array): void {
    this.grid.cross(this.model, zf, out);
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

  /** The spatial filters of pair `p` on the N grid, w_a + i·w_b (complex, 2·N²). */
  spatialPair(p: number, out: Float64Array): void {
    const { n, den, acc } = this;
    this.grid.toFine(p, this.model[p], acc);
    if (this.mode === 'ratio') {
      const nl = n * n * this.lambda;
      for (let k = 0, cells = n * n; k < cells; k++) {
        const s = 1 / (den[k] + nl);
        acc[2 * k] *= s;
        acc[2 * k + 1] *= s;
      }
    }
    this.grid.fft.inverse(acc, out);
  }

  /** The spatial filter of channel `l` (N², real; coarse channels at the fine resolution). */
  spatialFilter(l: number, out: Float64Array): void {
    const pair = new Float64Array(2 * this.n * this.n);
    const { fine, finePairs } = this.grid;
    const p = l < fine ? l >> 1 : finePairs + ((l - fine) >> 1);
    this.spatialPair(p, pair);
    for (let t = 0, part = (l < fine ? l : l - fine) & 1; t < out.length; t++) out[t] = pair[2 * t + part];
  }

  /**
   * The filter's paired spectra on a larger M×M grid of the same blocks (used while the target is
   * lost and the search widens): the spatial filter is taken over circular indices [lo, lo + N)
   * (centred on the exemplar), placed at the same indices of the M grid, zero elsewhere, and
   * transformed.
   */
  spectraOnGrid(big: SpectralGrid, lo: number, out: Float64Array[]): void {
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
      big.fft.forwardInPlace(plane);
      big.fromFine(p, plane, out[p]);
    }
  }

  /** Forgets the template. */
  reset(): void {
    for (const m of this.model) m.fill(0);
    this.den.fill(0);
    this.trained = false;
  }
}

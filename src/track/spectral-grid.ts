/**
 * Where a correlation filter's channels live in the Fourier domain: a fine block on the N×N grid
 * and an optional coarse block (the stride-16 features under the stride-8 ones) on the N/2 grid.
 *
 * Each block is transformed at its own resolution, as C-COT learns each feature layer at its own
 * (Danelljan, Robinson, Khan & Felsberg, "Beyond Correlation Filters: Learning Continuous
 * Convolution Operators for Visual Tracking", ECCV 2016, §3): the coarse block's spectrum is the
 * low-frequency part of the fine grid's, so the two are summed and solved together there. This is
 * exact for the coarse maps upsampled ×2 by trigonometric interpolation (test/track): a coarse
 * spectrum X̂ (N/2 grid) stands for 4·X̂·e^{−πi(ky + kx)/N} on the fine grid, where the factor 4
 * is the four fine cells per coarse cell and the phase puts coarse cell i's centre at fine
 * position 2i + ½, as the trunk's half-pixel grids align. The coarse grid's Nyquist row and
 * column are dropped (their fine-grid frequency is split between ±N/4). Each coarse pair costs a
 * quarter of the transform, products and storage of resampling it onto the fine grid first.
 *
 * Features arrive packed, one HWC map of f×f cells: the fine block's channels, then the coarse
 * block rearranged depth-to-space ×2 (TensorFlow's `depth_to_space`, ONNX `DepthToSpace` DCR):
 * packed channel `fine + k` at cell (2y + di, 2x + dj) is coarse channel (2·di + dj)·(coarse/4) + k
 * at coarse cell (y, x). Channels travel in pairs within a block (correlation-filter.ts).
 */
import { Fft2d } from './fft2d.js';

/** Channel counts of the two blocks; `coarse` is 0 or a multiple of 4. */
export interface ChannelBlocks {
  fine: number;
  coarse: number;
}

export class SpectralGrid {
  readonly n: number;
  readonly fine: number;
  readonly coarse: number;
  /** Channels of the packed feature maps: fine + coarse/4. */
  readonly packed: number;
  readonly finePairs: number;
  readonly pairs: number;
  /** The N×N transform (fine block, labels, responses). */
  readonly fft: Fft2d;
  private readonly half: Fft2d | undefined;
  /** Per coarse-grid frequency, its fine-grid index (0 for the dropped Nyquist entries). */
  private readonly low: Int32Array;
  /** Per coarse-grid frequency, 4·e^{−πi(ky + kx)/N} (0 for the Nyquist entries), interleaved. */
  private readonly lift: Float64Array;
  /** The coarse window for the current `spectra` call. */
  private readonly coarseWindow: Float64Array;

  constructor(n: number, blocks: ChannelBlocks) {
    if (blocks.coarse % 4 !== 0)
      throw new RangeError(`Expected coarse channels in fours, got ${blocks.coarse}`);
    this.n = n;
    this.fine = blocks.fine;
    this.coarse = blocks.coarse;
    this.packed = blocks.fine + blocks.coarse / 4;
    this.finePairs = Math.ceil(blocks.fine / 2);
    this.pairs = this.finePairs + Math.ceil(blocks.coarse / 2);
    this.fft = new Fft2d(n);
    const h = n / 2;
    this.half = blocks.coarse > 0 ? new Fft2d(h) : undefined;
    this.low = new Int32Array(h * h);
    this.lift = new Float64Array(2 * h * h);
    this.coarseWindow = new Float64Array(h * h);
    const signed = (k: number): number => (k < h / 2 ? k : k - h);
    for (let ky = 0; ky < h; ky++) {
      for (let kx = 0; kx < h; kx++) {
        const i = ky * h + kx;
        if (ky === h / 2 || kx === h / 2) continue; // Nyquist: dropped
        const sy = signed(ky);
        const sx = signed(kx);
        this.low[i] = ((sy + n) % n) * n + ((sx + n) % n);
        const a = (-Math.PI * (sy + sx)) / n;
        this.lift[2 * i] = 4 * Math.cos(a);
        this.lift[2 * i + 1] = 4 * Math.sin(a);
      }
    }
  }

  /** Is pair `p` on the coarse grid? */
  isCoarse = (p: number): boolean => p >= this.finePairs;

  /** A set of paired spectra (allocate once, reuse). */
  alloc(): Float64Array[] {
    const h = this.n / 2;
    return Array.from(
      { length: this.pairs },
      (_, p) => new Float64Array(this.isCoarse(p) ? 2 * h * h : 2 * this.n * this.n),
    );
  }

  /**
   * Paired spectra of packed f×f features times `gain` (one number or one per channel: fine,
   * then coarse), optionally windowed (f×f; the coarse block takes its 2×2 means), zero-padded
   * top-left. An odd last channel of a block pairs with zero.
   */
  spectra(
    features: Float32Array,
    f: number,
    window: Float64Array | null,
    gain: number | Float64Array,
    out: Float64Array[],
  ): void {
    const { n, fine, packed } = this;
    if (f > n) throw new RangeError(`Expected the feature side to be ≤ ${n}, got ${f}`);
    const gainOf = (l: number): number => (typeof gain === 'number' ? gain : gain[l]);
    for (let l = 0; l < fine; l += 2) {
      const plane = out[l >> 1];
      const pair = l + 1 < fine;
      const ga = gainOf(l);
      const gb = pair ? gainOf(l + 1) : 0;
      plane.fill(0, 0, 2 * f * n);
      for (let y = 0; y < f; y++) {
        for (let x = 0; x < f; x++) {
          const cell = y * f + x;
          const g = window ? window[cell] : 1;
          const src = cell * packed + l;
          const dst = 2 * (y * n + x);
          plane[dst] = features[src] * g * ga;
          if (pair) plane[dst + 1] = features[src + 1] * g * gb;
        }
      }
      this.fft.forwardInPlace(plane, f);
    }
    if (this.half) this.coarseSpectra(features, f, window, gainOf, out);
  }

  private coarseSpectra(
    features: Float32Array,
    f: number,
    window: Float64Array | null,
    gainOf: (l: number) => number,
    out: Float64Array[],
  ): void {
    const { fine, coarse, packed, lift } = this;
    const half = this.half as Fft2d;
    const h = half.n;
    const fc = f >> 1;
    if (fc * 2 !== f) throw new RangeError(`Expected an even feature side for the coarse block, got ${f}`);
    const cw = this.coarseWindow;
    for (let y = 0; y < fc; y++) {
      for (let x = 0; x < fc; x++) {
        const a = 2 * y * f + 2 * x;
        cw[y * fc + x] = window ? 0.25 * (window[a] + window[a + 1] + window[a + f] + window[a + f + 1]) : 1;
      }
    }
    const quarter = coarse / 4;
    // Offset of coarse channel c's value at coarse cell (0, 0) in the packed map.
    const base = (c: number): number => {
      const q = Math.floor(c / quarter);
      return ((q >> 1) * f + (q & 1)) * packed + fine + (c % quarter);
    };
    for (let c = 0; c < coarse; c += 2) {
      const plane = out[this.finePairs + (c >> 1)];
      const pair = c + 1 < coarse;
      const ga = gainOf(fine + c);
      const gb = pair ? gainOf(fine + c + 1) : 0;
      const oa = base(c);
      const ob = pair ? base(c + 1) : 0;
      plane.fill(0, 0, 2 * fc * h);
      for (let y = 0; y < fc; y++) {
        for (let x = 0; x < fc; x++) {
          const g = cw[y * fc + x];
          const cell = (2 * y * f + 2 * x) * packed;
          const dst = 2 * (y * h + x);
          plane[dst] = features[cell + oa] * g * ga;
          if (pair) plane[dst + 1] = features[cell + ob] * g * gb;
        }
      }
      half.forwardInPlace(plane, fc);
      for (let k = 0; k < h * h; k++) {
        const re = plane[2 * k];
        const im = plane[2 * k + 1];
        plane[2 * k] = re * lift[2 * k] - im * lift[2 * k + 1];
        plane[2 * k + 1] = re * lift[2 * k + 1] + im * lift[2 * k];
      }
    }
  }

  /** Σ_l |x̂_l[k]|² on the fine grid (= ½ Σ_pairs (|ẑ[k]|² + |ẑ[−k]|²)), into `out` (N²); `sq` is scratch (N²). */
  energy(xf: readonly Float64Array[], sq: Float64Array, out: Float64Array): void {
    const { n, low } = this;
    const cells = n * n;
    sq.fill(0, 0, cells);
    for (let p = 0; p < this.pairs; p++) {
      const z = xf[p];
      if (this.isCoarse(p)) {
        for (let k = 0; k < low.length; k++) sq[low[k]] += z[2 * k] * z[2 * k] + z[2 * k + 1] * z[2 * k + 1];
      } else {
        for (let k = 0; k < cells; k++) sq[k] += z[2 * k] * z[2 * k] + z[2 * k + 1] * z[2 * k + 1];
      }
    }
    for (let ky = 0; ky < n; ky++) {
      const my = ky === 0 ? 0 : n - ky;
      for (let kx = 0; kx < n; kx++) {
        const mx = kx === 0 ? 0 : n - kx;
        out[ky * n + kx] = 0.5 * (sq[ky * n + kx] + sq[my * n + mx]);
      }
    }
  }

  /**
   * `model[p][k] ← keep·model[p][k] + take·ŷ*[k]·s[k]·ẑ_p[k]` for every pair, k on the pair's
   * grid and ŷ, s on the fine grid (the filter's numerator or the filter itself, CFNet Eq. 4).
   */
  blend(
    model: Float64Array[],
    xf: readonly Float64Array[],
    yf: Float64Array,
    scale: Float64Array | null,
    keep: number,
    take: number,
  ): void {
    const cells = this.n * this.n;
    for (let p = 0; p < this.pairs; p++) {
      const z = xf[p];
      const m = model[p];
      const coarse = this.isCoarse(p);
      for (let k = 0, len = coarse ? this.low.length : cells; k < len; k++) {
        const at = coarse ? this.low[k] : k;
        const yr = yf[2 * at];
        const yi = -yf[2 * at + 1];
        const s = scale ? scale[at] : 1;
        const re = (yr * z[2 * k] - yi * z[2 * k + 1]) * s;
        const im = (yr * z[2 * k + 1] + yi * z[2 * k]) * s;
        m[2 * k] = keep * m[2 * k] + take * re;
        m[2 * k + 1] = keep * m[2 * k + 1] + take * im;
      }
    }
  }

  /**
   * The response spectrum Σ_pairs ĝ* ∘ ẑ on the fine grid, kept to its Hermitian part
   * (r̂[k] + r̂[−k]*)/2: the spectrum of Σ_l w_l ⋆ z_l, a real map.
   */
  cross(wf: readonly Float64Array[], zf: readonly Float64Array[], out: Float64Array): void {
    const { n, low } = this;
    out.fill(0);
    const len = out.length;
    for (let p = 0; p < this.pairs; p++) {
      const w = wf[p];
      const z = zf[p];
      if (this.isCoarse(p)) {
        for (let k = 0; k < low.length; k++) {
          const q = 2 * k;
          const at = 2 * low[k];
          out[at] += w[q] * z[q] + w[q + 1] * z[q + 1];
          out[at + 1] += w[q] * z[q + 1] - w[q + 1] * z[q];
        }
        continue;
      }
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

  /** Pair `p`'s spectrum on the fine grid (2·N²): a coarse pair's low frequencies, zero elsewhere. */
  toFine(p: number, spectrum: Float64Array, out: Float64Array): void {
    if (!this.isCoarse(p)) {
      out.set(spectrum);
      return;
    }
    const { low } = this;
    out.fill(0);
    // Nyquist entries are zero and map to 0: adding keeps the DC term.
    for (let k = 0; k < low.length; k++) {
      out[2 * low[k]] += spectrum[2 * k];
      out[2 * low[k] + 1] += spectrum[2 * k + 1];
    }
  }

  /** The inverse of {@link toFine}: pair `p`'s storage from a fine-grid spectrum (a coarse pair keeps its low frequencies). */
  fromFine(p: number, fine: Float64Array, out: Float64Array): void {
    if (!this.isCoarse(p)) {
      out.set(fine);
      return;
    }
    const { low, lift } = this;
    for (let k = 0; k < low.length; k++) {
      const keep = lift[2 * k] !== 0 || lift[2 * k + 1] !== 0 ? 1 : 0;
      out[2 * k] = keep * fine[2 * low[k]];
      out[2 * k + 1] = keep * fine[2 * low[k] + 1];
    }
  }
}

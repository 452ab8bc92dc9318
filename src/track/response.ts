/**
 * Reading the correlation response: the peak (with a displacement penalty), its sub-cell
 * position by trigonometric interpolation of the response spectrum, and its sharpness.
 *
 * - Displacement penalty: SiamFC (Bertinetto et al., ECCVW 2016, §2.4 "window influence") and
 *   CFNet mix the response with a cosine window centred on the previous position, so that large
 *   jumps need a clearly higher peak.
 * - Upsampling: SiamFC/CFNet upsample the 17×17 score map ×16 bicubically; here the map is
 *   evaluated on a grid of 1/u cell around the coarse peak from its own spectrum (zero-padding
 *   the spectrum u-fold, restricted to a ±1 cell window: O(u·N²) instead of O(u²N² log)).
 * - Peak-to-sidelobe ratio: Bolme et al., "Visual Object Tracking using Adaptive Correlation
 *   Filters" (MOSSE), CVPR 2010, §3.3: (peak − μ_sidelobe) / σ_sidelobe, the sidelobe being the
 *   map minus a window around the peak.
 */
import { wrapIndex } from './grid-maps.js';

/** A peak on the N×N circular grid, as signed offsets in cells. */
export interface Peak {
  dy: number;
  dx: number;
  /** The response value at the peak (not penalised). */
  value: number;
}

/**
 * The coarse peak of `resp` (N×N) after mixing in a raised-cosine penalty over the signed
 * displacement: r' = (1 − influence)·r + influence·peakValue·h(d), h(0) = 1, h(±N/2) = 0.
 * The penalty scales with the map's own maximum, so it means the same at any feature gain.
 */
export function coarsePeak(resp: Float64Array, n: number, influence: number, centreY = 0, centreX = 0): Peak {
  let max = -Infinity;
  for (let i = 0; i < resp.length; i++) if (resp[i] > max) max = resp[i];
  const scale = Math.max(max, 1e-12);
  let best = -Infinity;
  let by = 0;
  let bx = 0;
  for (let y = 0; y < n; y++) {
    const dy = wrapIndex(y, n);
    const hy = 0.5 + 0.5 * Math.cos((2 * Math.PI * (dy - centreY)) / n);
    for (let x = 0; x < n; x++) {
      const dx = wrapIndex(x, n);
      const hx = 0.5 + 0.5 * Math.cos((2 * Math.PI * (dx - centreX)) / n);
      const v = (1 - influence) * resp[y * n + x] + influence * scale * hy * hx;
      if (v > best) {
        best = v;
        by = dy;
        bx = dx;
      }
    }
  }
  return { dy: by, dx: bx, value: resp[(((by % n) + n) % n) * n + (((bx % n) + n) % n)] };
}

/**
 * Sub-cell refinement: evaluates r(p) = Re (1/N²) Σ_k r̂[k]·e^{2πi k·p/N} (k signed) on a
 * (2u+1)² grid of step 1/u cells within ±1 cell of the coarse peak and returns its maximum.
 * Scratch buffers are allocated once per refiner.
 */
export class PeakRefiner {
  readonly n: number;
  readonly upsample: number;
  private readonly rowRe: Float64Array;
  private readonly rowIm: Float64Array;
  private readonly freq: Int32Array;
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;

  constructor(n: number, upsample: number) {
    this.n = n;
    this.upsample = upsample;
    this.rowRe = new Float64Array((2 * upsample + 1) * n);
    this.rowIm = new Float64Array((2 * upsample + 1) * n);
    this.freq = Int32Array.from({ length: n }, (_, k) => wrapIndex(k, n));
    this.cos = new Float64Array(n);
    this.sin = new Float64Array(n);
  }

  refine(spectrum: Float64Array, coarse: Peak): Peak {
    const { n, upsample: u, rowRe, rowIm, freq, cos, sin } = this;
    if (u <= 1) return coarse;
    const steps = 2 * u + 1;
    const inv = 1 / (n * n);
    // First the sum over ky for every fine row position: T[j][kx] = Σ_ky r̂[ky,kx]·e^{2πi ky·py_j/N}.
    for (let j = 0; j < steps; j++) {
      const py = coarse.dy + (j - u) / u;
      for (let ky = 0; ky < n; ky++) {
        const a = (2 * Math.PI * freq[ky] * py) / n;
        cos[ky] = Math.cos(a);
        sin[ky] = Math.sin(a);
      }
      for (let kx = 0; kx < n; kx++) {
        let sr = 0;
        let si = 0;
        for (let ky = 0; ky < n; ky++) {
          const c = cos[ky];
          const s = sin[ky];
          const p = 2 * (ky * n + kx);
          sr += spectrum[p] * c - spectrum[p + 1] * s;
          si += spectrum[p] * s + spectrum[p + 1] * c;
        }
        rowRe[j * n + kx] = sr;
        rowIm[j * n + kx] = si;
      }
    }
    let best = -Infinity;
    let bestY = coarse.dy;
    let bestX = coarse.dx;
    for (let i = 0; i < steps; i++) {
      const px = coarse.dx + (i - u) / u;
      for (let kx = 0; kx < n; kx++) {
        const a = (2 * Math.PI * freq[kx] * px) / n;
        cos[kx] = Math.cos(a);
        sin[kx] = Math.sin(a);
      }
      for (let j = 0; j < steps; j++) {
        let v = 0;
        for (let kx = 0; kx < n; kx++) v += rowRe[j * n + kx] * cos[kx] - rowIm[j * n + kx] * sin[kx];
        v *= inv;
        if (v > best) {
          best = v;
          bestY = coarse.dy + (j - u) / u;
          bestX = px;
        }
      }
    }
    return { dy: bestY, dx: bestX, value: best };
  }
}

/**
 * Peak-to-sidelobe ratio of `resp` (N×N) around the coarse peak (signed offsets): the sidelobe
 * is every cell farther than `exclude` cells (circularly, Chebyshev distance) from the peak.
 */
export function peakToSidelobe(resp: Float64Array, n: number, peak: Peak, exclude: number): number {
  const py = ((Math.round(peak.dy) % n) + n) % n;
  const px = ((Math.round(peak.dx) % n) + n) % n;
  let sum = 0;
  let sumSq = 0;
  let count = 0;
  for (let y = 0; y < n; y++) {
    const ay = Math.abs(wrapIndex(y - py, n));
    for (let x = 0; x < n; x++) {
      if (ay <= exclude && Math.abs(wrapIndex(x - px, n)) <= exclude) continue;
      const v = resp[y * n + x];
      sum += v;
      sumSq += v * v;
      count++;
    }
  }
  if (count < 2) return 0;
  const mean = sum / count;
  const std = Math.sqrt(Math.max(sumSq / count - mean * mean, 0));
  return (resp[py * n + px] - mean) / Math.max(std, 1e-9);
}

/**
 * Width and height from the target itself, once the correlation filter has placed its centre,
 * after DSST (Danelljan, Häger, Khan & Felsberg, "Accurate Scale Estimation for Robust Visual
 * Tracking", BMVC 2014, §3–4): the target box (with a margin) is sampled at a grid of candidate
 * widths and heights, each sample resized to one fixed model size, and compared with a slowly
 * updated model of the target; the best candidate, after a penalty per step away from the
 * current size, gives the new width and height. Simpler than DSST: the comparison is a
 * normalised correlation with a template, not a learnt discriminative 1-D filter over HOG, and
 * measured that is not discriminative enough on deforming people (docs/tracker.md), which is
 * why this is the opt-in `shape` preset and not the default.
 *
 * Why not the Siamese filter's own scale search: its region is 2.5× the target, so most of what
 * it sees is context that does not change when the target grows or turns, and its peaks barely
 * tell sizes apart (measured on the shared sequences: the box keeps its size while a gull opens
 * its wings, docs/tracker.md). A sample cut to the box itself changes as soon as the size is
 * wrong. Samples are anisotropic resizes, so one model covers every aspect ratio.
 *
 * Features per sample (m×m): grey level and its x and y gradients, Hann-windowed, each sample
 * normalised to zero mean and unit norm; the score is the normalised correlation with the model
 * (a running mean of the chosen samples, rate `rate`). Plain JS, no trunk pass: 15 samples of
 * 24×24 cost well under a millisecond.
 */
import type { Frame } from '../types.js';
import { hann1d } from './grid-maps.js';
import type { SizeCandidate } from './target.js';

/** The candidate grid: every scale step^i times every aspect step^j (area kept). */
export function sizeGrid(
  scaleSteps: number,
  scaleStep: number,
  aspectSteps: number,
  aspectStep: number,
): SizeCandidate[] {
  const out: SizeCandidate[] = [];
  const hs = (scaleSteps - 1) / 2;
  const ha = (aspectSteps - 1) / 2;
  for (let i = -hs; i <= hs; i++) {
    for (let j = -ha; j <= ha; j++) {
      const s = scaleStep ** i;
      const a = Math.sqrt(aspectStep ** j);
      out.push({ fx: s * a, fy: s / a });
    }
  }
  return out;
}

export class SizeFilter {
  private readonly window: Float64Array;
  private readonly model: Float64Array;
  private readonly sample: Float64Array;
  private readonly grey: Float64Array;
  private trained = false;
  private readonly logStep: number;

  /**
   * @param m model side (samples are m×m)
   * @param margin sample side = margin × box side (context around the box edges)
   * @param rate model learning rate
   * @param grid the candidates searched every call
   */
  constructor(
    private readonly m: number,
    private readonly margin: number,
    private readonly rate: number,
    readonly grid: readonly SizeCandidate[],
    private readonly penalty = 0,
  ) {
    const steps = grid.map((g) => Math.abs(Math.log(g.fx * g.fy))).filter((v) => v > 1e-9);
    this.logStep = steps.length ? Math.min(...steps) : 1;
    const h = hann1d(m);
    this.window = new Float64Array(m * m);
    for (let y = 0; y < m; y++) for (let x = 0; x < m; x++) this.window[y * m + x] = h[y] * h[x];
    this.model = new Float64Array(3 * m * m);
    this.sample = new Float64Array(3 * m * m);
    this.grey = new Float64Array(m * m);
  }

  reset(): void {
    this.trained = false;
    this.model.fill(0);
  }

  /** Learns (or, after the first call, blends in) the target at this box. */
  learn(frame: Frame, cx: number, cy: number, w: number, h: number): void {
    this.features(frame, cx, cy, w, h, this.sample);
    const r = this.trained ? this.rate : 1;
    for (let i = 0; i < this.model.length; i++) this.model[i] = (1 - r) * this.model[i] + r * this.sample[i];
    this.trained = true;
  }

  /**
   * The best candidate for a box of w×h at (cx, cy): index into `grid`, its factors and the
   * scores of all candidates (normalised correlation with the model, −1…1).
   */
  search(frame: Frame, cx: number, cy: number, w: number, h: number): { best: number; scores: number[] } {
    const scores: number[] = [];
    let best = 0;
    let bestValue = -Infinity;
    for (let k = 0; k < this.grid.length; k++) {
      const { fx, fy } = this.grid[k];
      this.features(frame, cx, cy, w * fx, h * fy, this.sample);
      let dot = 0;
      for (let i = 0; i < this.sample.length; i++) dot += this.sample[i] * this.model[i];
      scores.push(dot);
      // A change must pay for itself: `penalty` per log-step away from the current size.
      const v =
        dot - (this.penalty * (Math.abs(Math.log(fx * fy)) + Math.abs(Math.log(fx / fy)))) / this.logStep;
      if (v > bestValue) {
        bestValue = v;
        best = k;
      }
    }
    return { best, scores };
  }

  /** Grey level and gradients of the (margin·w)×(margin·h) box resized to m×m, windowed, unit norm. */
  private features(frame: Frame, cx: number, cy: number, w: number, h: number, out: Float64Array): void {
    const { m, grey, window } = this;
    const { width: W, height: H, data } = frame;
    const sx = (this.margin * w) / m;
    const sy = (this.margin * h) / m;
    const x0 = cx - (this.margin * w) / 2 + sx / 2 - 0.5;
    const y0 = cy - (this.margin * h) / 2 + sy / 2 - 0.5;
    let mean = 0;
    for (let j = 0; j < m; j++) {
      const y = Math.min(Math.max(y0 + j * sy, 0), H - 1.001);
      const yi = Math.floor(y);
      const fy = y - yi;
      for (let i = 0; i < m; i++) {
        const x = Math.min(Math.max(x0 + i * sx, 0), W - 1.001);
        const xi = Math.floor(x);
        const fx = x - xi;
        const a = 3 * (yi * W + xi);
        const b = a + 3 * W;
        const g00 = 0.299 * data[a] + 0.587 * data[a + 1] + 0.114 * data[a + 2];
        const g01 = 0.299 * data[a + 3] + 0.587 * data[a + 4] + 0.114 * data[a + 5];
        const g10 = 0.299 * data[b] + 0.587 * data[b + 1] + 0.114 * data[b + 2];
        const g11 = 0.299 * data[b + 3] + 0.587 * data[b + 4] + 0.114 * data[b + 5];
        const v = (g00 * (1 - fx) + g01 * fx) * (1 - fy) + (g10 * (1 - fx) + g11 * fx) * fy;
        grey[j * m + i] = v;
        mean += v;
      }
    }
    mean /= m * m;
    const n = m * m;
    for (let j = 0; j < m; j++) {
      for (let i = 0; i < m; i++) {
        const p = j * m + i;
        const gx = grey[j * m + Math.min(i + 1, m - 1)] - grey[j * m + Math.max(i - 1, 0)];
        const gy = grey[Math.min(j + 1, m - 1) * m + i] - grey[Math.max(j - 1, 0) * m + i];
        out[p] = (grey[p] - mean) * window[p];
        out[n + p] = gx * window[p];
        out[2 * n + p] = gy * window[p];
      }
    }
    let norm = 0;
    for (let i = 0; i < out.length; i++) norm += out[i] * out[i];
    const inv = 1 / Math.sqrt(norm + 1e-9);
    for (let i = 0; i < out.length; i++) out[i] *= inv;
  }
}

/**
 * A second, independent opinion before a lost target is taken back: does the candidate box have
 * the target's colours?
 *
 * The correlation filter re-detects by texture alone. On deep, smooth features a patch of
 * background can give a sharp, fairly strong peak while the target is hidden, and the tracker then
 * follows the background. Colour is the cue CSRT, Staple and DAT add to correlation filters
 * (Bertinetto et al., "Staple", CVPR 2016; Possegger et al., "In defense of color-based
 * model-free tracking", CVPR 2015): a histogram of the target's pixels and one of the background
 * around it give, per colour bin, P(target | colour) = p_fg / (p_fg + p_bg). The candidate's
 * score is that probability averaged over its box; the target's own score (measured when it is
 * learnt, updated on sure frames) is what a candidate is compared with.
 */
import type { Box, Frame } from '../types.js';

/** Levels per channel (RGB quantised to 8×8×8 bins: enough pixels per bin for a 10 px target). */
const LEVELS = 8;
const SHIFT = 5; // 256 / 8
const BINS = LEVELS * LEVELS * LEVELS;
/** Pixels sampled per box at most (a sampling step keeps big boxes cheap). */
const MAX_SAMPLES = 1024;

export class ColourModel {
  private readonly fg = new Float64Array(BINS);
  private readonly bg = new Float64Array(BINS);
  private readonly scratchFg = new Float64Array(BINS);
  private readonly scratchBg = new Float64Array(BINS);
  /** The running mean of the target's own score. */
  private usual = 0;
  private learnt = false;

  /**
   * Learns (rate 1 or first call) or blends in the histograms of `box` and of the ring around it
   * (the box grown by one box size each way, clipped to the frame, minus the box).
   */
  learn(frame: Frame, box: Box, rate: number): void {
    const first = !this.learnt;
    const r = first ? 1 : rate;
    histogram(frame, box, null, this.scratchFg);
    const ring = {
      x: box.x - box.width,
      y: box.y - box.height,
      width: 3 * box.width,
      height: 3 * box.height,
    };
    histogram(frame, ring, box, this.scratchBg);
    for (let i = 0; i < BINS; i++) {
      this.fg[i] = (1 - r) * this.fg[i] + r * this.scratchFg[i];
      this.bg[i] = (1 - r) * this.bg[i] + r * this.scratchBg[i];
    }
    this.learnt = true;
    const own = this.score(frame, box);
    this.usual = first ? own : (1 - r) * this.usual + r * own;
  }

  /** The target's usual score (its own, averaged over the frames it was learnt on). */
  get usualScore(): number {
    return this.usual;
  }

  /** Mean P(target | colour) over the pixels of `box` (0.5 where a colour was never seen). */
  score(frame: Frame, box: Box): number {
    let sum = 0;
    let count = 0;
    forEachPixel(frame, box, null, (bin) => {
      const f = this.fg[bin];
      const b = this.bg[bin];
      sum += f + b > 0 ? f / (f + b) : 0.5;
      count++;
    });
    return count > 0 ? sum / count : 0;
  }

  reset(): void {
    this.fg.fill(0);
    this.bg.fill(0);
    this.usual = 0;
    this.learnt = false;
  }
}

/** Normalised colour histogram of the pixels of `box` (clipped to the frame) outside `hole`. */
function histogram(frame: Frame, box: Box, hole: Box | null, out: Float64Array): void {
  out.fill(0);
  let count = 0;
  forEachPixel(frame, box, hole, (bin) => {
    out[bin]++;
    count++;
  });
  if (count > 0) for (let i = 0; i < BINS; i++) out[i] /= count;
}

/** Calls `visit` with the colour bin of a staggered grid of ~MAX_SAMPLES pixels of `box` outside `hole`. */
function forEachPixel(frame: Frame, box: Box, hole: Box | null, visit: (bin: number) => void): void {
  const x0 = Math.max(0, Math.round(box.x));
  const y0 = Math.max(0, Math.round(box.y));
  const x1 = Math.min(frame.width, Math.round(box.x + box.width));
  const y1 = Math.min(frame.height, Math.round(box.y + box.height));
  const area = Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  const step = Math.max(1, Math.round(Math.sqrt(area / MAX_SAMPLES)));
  const { data, width } = frame;
  for (let y = y0, row = 0; y < y1; y += step, row++) {
    // Each sampled row starts one pixel further (mod step): no aliasing with a fine texture.
    for (let x = x0 + (row % step); x < x1; x += step) {
      if (hole && x >= hole.x && x < hole.x + hole.width && y >= hole.y && y < hole.y + hole.height) continue;
      const p = 3 * (y * width + x);
      visit(((data[p] >> SHIFT) * LEVELS + (data[p + 1] >> SHIFT)) * LEVELS + (data[p + 2] >> SHIFT));
    }
  }
}

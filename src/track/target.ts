/**
 * The target's geometry between frames: centre and size, the search region that follows them,
 * the size candidates searched, and a constant-velocity model of the centre.
 *
 * - **Width and height.** Search regions are rectangles resized to the square trunk input: the
 *   region is cut as `sideX = side·√q`, `sideY = side/√q` with q = (w/h)/(w₀/h₀), so the target
 *   always reaches the trunk with the exemplar's shape. A candidate (fx, fy) cuts the region fx
 *   wider and fy taller; the chosen factors update width and height separately (damped and
 *   bounded). The trunk searches isotropic candidates (s, s), SiamFC's scale search (Bertinetto
 *   et al. 2016, §2.4); the aspect ratio, when estimated, comes from size-filter.ts.
 * - **Motion.** An α–β filter with α = 1 on the centre (the steady-state Kalman filter of a
 *   constant-velocity model: Kalata, IEEE T-AES 1984): the search is centred on the predicted
 *   position c + v, and after a confident frame v ← v + β·(measured − predicted). Camera motion
 *   is image motion like any other, so a panning camera is followed the same way.
 */
import type { Box } from '../types.js';
import { scaleFactors } from './scale.js';

/** Centre and size in pixels. */
export interface Target {
  cx: number;
  cy: number;
  w: number;
  h: number;
}

/** A size hypothesis: width ×fx, height ×fy. */
export interface SizeCandidate {
  fx: number;
  fy: number;
}

/** Isotropic scale candidates step^k, k = −(count−1)/2 … (count−1)/2 (count odd). */
export function scaleCandidates(count: number, step: number): SizeCandidate[] {
  return scaleFactors(count, step).map((f) => ({ fx: f, fy: f }));
}

/** The target's state between frames. */
export class TargetState {
  readonly t: Target;
  private readonly initial: Target;
  /** Velocity of the centre, pixels per frame. */
  vx = 0;
  vy = 0;

  constructor(box: Box) {
    this.t = { cx: box.x + box.width / 2, cy: box.y + box.height / 2, w: box.width, h: box.height };
    this.initial = { ...this.t };
  }

  /** q = (w/h)/(w₀/h₀): how far the aspect moved from the exemplar's. */
  get aspectChange(): number {
    return this.t.w / this.t.h / (this.initial.w / this.initial.h);
  }

  /** Region width and height (pixels) for the current size: `side`² of area, exemplar-shaped. */
  regionSides(side: number): { sideX: number; sideY: number } {
    const r = Math.sqrt(this.aspectChange);
    return { sideX: side * r, sideY: side / r };
  }

  /** The predicted centre for the next frame (constant velocity), kept inside the frame. */
  predict(width: number, height: number): { cx: number; cy: number } {
    return {
      cx: Math.min(Math.max(this.t.cx + this.vx, 0), width),
      cy: Math.min(Math.max(this.t.cy + this.vy, 0), height),
    };
  }

  /**
   * Moves the centre to a measurement made around `predicted`, corrects the velocity by
   * `gain`·(measured − predicted) (β of the α–β filter; 0 turns the motion model off), and bounds
   * the speed to `maxSpeed` pixels per frame.
   */
  observe(
    predicted: { cx: number; cy: number },
    cx: number,
    cy: number,
    gain: number,
    maxSpeed: number,
  ): void {
    this.vx += gain * (cx - predicted.cx);
    this.vy += gain * (cy - predicted.cy);
    const speed = Math.hypot(this.vx, this.vy);
    if (speed > maxSpeed) {
      this.vx *= maxSpeed / speed;
      this.vy *= maxSpeed / speed;
    }
    this.t.cx = cx;
    this.t.cy = cy;
  }

  /** Forgets the velocity (after a loss: the target may come back anywhere). */
  stop(): void {
    this.vx = 0;
    this.vy = 0;
  }

  /**
   * Multiplies width and height by the damped factors, within `maxScaleChange` of the exemplar's
   * area (each way, in √area) and `maxAspectChange` of its aspect ratio.
   */
  resize(fx: number, fy: number, maxScaleChange: number, maxAspectChange: number): void {
    const i = this.initial;
    let w = Math.max(this.t.w * fx, 2);
    let h = Math.max(this.t.h * fy, 2);
    const s = Math.sqrt((w * h) / (i.w * i.h));
    const sc = Math.min(Math.max(s, 1 / maxScaleChange), maxScaleChange) / s;
    const q = w / h / (i.w / i.h);
    const qc = Math.min(Math.max(q, 1 / maxAspectChange), maxAspectChange) / q;
    w *= sc * Math.sqrt(qc);
    h *= sc / Math.sqrt(qc);
    this.t.w = w;
    this.t.h = h;
  }

  box(): Box {
    const { cx, cy, w, h } = this.t;
    return { x: cx - w / 2, y: cy - h / 2, width: w, height: h };
  }
}

/**
 * A spatial weight for the training features (f×f cells, row-major): the cosine window times a
 * soft box around the target (`hc`×`wc` cells centred `dy`, `dx` cells from the crop's centre,
 * tapering to 0 over `taper` cells). Training on the target's cells rather than the whole region
 * keeps a strong background structure (a road, a lane marking) out of the filter, the idea of
 * CSR-DCF's spatial reliability map (Lukežič et al., CVPR 2017) and SRDCF's spatial
 * regularisation (Danelljan et al., ICCV 2015) in their simplest, fixed form.
 */
export function targetMask(
  window: Float64Array,
  f: number,
  dy: number,
  dx: number,
  hc: number,
  wc: number,
  taper: number,
  out: Float64Array,
): Float64Array {
  const soft = (d: number, half: number): number => {
    const over = Math.abs(d) - half;
    if (over <= 0) return 1;
    if (over >= taper) return 0;
    return 0.5 + 0.5 * Math.cos((Math.PI * over) / taper);
  };
  const c = f / 2 - 0.5;
  for (let y = 0; y < f; y++) {
    const my = soft(y - c - dy, hc / 2);
    for (let x = 0; x < f; x++) out[y * f + x] = window[y * f + x] * my * soft(x - c - dx, wc / 2);
  }
  return out;
}

/**
 * Synthetic tracking sequences rendered in memory, for tests of the tracker's robustness: a
 * deterministic generator (seeded mulberry32) that returns decoded-like `Frame`s and exact ground
 * truth directly — no video file, no ffmpeg — so a test of a hundred frames renders in well under
 * a second.
 *
 * The look follows `samples/make-tracking-sample.ts`: a world of two-octave value noise between
 * muted palette colours with clutter rectangles (some striped), panned over by the camera; the
 * target is an axis-aligned patch with a checker of palette colours (neighbouring cells differ by
 * ≥ 40 levels of luma), dark diagonal stripes (not on a 2×2 checker) and a dark "eye" (it breaks
 * the symmetry), drawn from the same palette as the background, so colour alone does not find
 * it — its texture does. The texture
 * is stretched to the target's current width and height (a deforming or turning object), the
 * target is rendered with 4×4 supersampling (soft, exact edges, no texture aliasing even at
 * 10 px), then a gentle global illumination change and ±2 levels of sensor noise are applied.
 *
 * Ground truth is the target's box clipped to the frame (floating-point pixels, top-left origin),
 * `null` while no part of it is inside the frame; `visible` is the fraction of its area inside.
 */
import { mulberry32 } from '../../src/util/prng.js';
import { Image3, makeWorld, mix, pickColour, type RGB } from '../../samples/synthetic-world.js';
import type { Box, Frame } from '../../src/types.js';

/** The target in screen pixels at one frame: centre and size. */
export interface TargetState {
  cx: number;
  cy: number;
  width: number;
  height: number;
}

/** Everything that shapes a sequence. Positions are functions of the frame index, so motion is smooth. */
export interface SyntheticSpec {
  seed: number;
  frames: number;
  /** @default 320 */
  width?: number;
  /** @default 240 */
  height?: number;
  /** Frame rate for the timestamps. @default 30 */
  fps?: number;
  /** Where the target is (screen pixels); it may be partly or wholly outside the frame. */
  target: (f: number) => TargetState;
  /** Top-left of the view in world pixels (the camera pan). @default a slow drift with a wobble */
  camera?: (f: number) => { x: number; y: number };
  /** Checker cells per side of the target's texture; 2 suits a ~10 px target. @default 4 */
  textureCells?: number;
  /** Draw the target (false renders the background alone, for sanity checks). @default true */
  drawTarget?: boolean;
  /** More targets, each with a texture of its own, drawn over the first in this order. */
  others?: Array<(f: number) => TargetState>;
  /** Give `others` the first target's texture (look-alikes). @default false */
  othersLookAlike?: boolean;
}

/** A rendered sequence: frames as `decode()` would give them, ground truth, visible fraction. */
export interface SyntheticSequence {
  frames: Frame[];
  /** The target's box clipped to the frame; `null` while none of it is inside. */
  gt: (Box | null)[];
  /** Fraction of the target's area inside the frame (1: fully in, 0: fully out). */
  visible: number[];
  /** Ground truth of each of `others`, as `gt`. */
  othersGt: (Box | null)[][];
}

/** Rec. 601 luma. */
function luma(c: RGB): number {
  return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];
}

/** The target's texture (64×64): a checker whose neighbouring cells differ in
 * brightness, dark stripes, a dark eye. */
function makeTexture(cells: number, rnd: () => number): Image3 {
  const S = 64;
  const img = new Image3(S, S);
  const colours: RGB[] = [];
  for (let i = 0; i < cells * cells; i++) {
    const left = i % cells > 0 ? colours[i - 1] : undefined;
    const up = i >= cells ? colours[i - cells] : undefined;
    // Neighbouring cells differ by >= 40 levels of luma: a texture, not a blotch of background.
    const far = (c: RGB, n: RGB | undefined): boolean => !n || Math.abs(luma(c) - luma(n)) >= 40;
    let c = pickColour(rnd);
    while (!far(c, left) || !far(c, up)) c = pickColour(rnd);
    colours.push(c);
  }
  const period = Math.max(3, Math.round(S / (cells * 3))); // stripes scale with the cells
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      let c = colours[Math.floor((y * cells) / S) * cells + Math.floor((x * cells) / S)];
      if (cells > 2 && Math.floor((x - y + S) / period) % 3 === 0) c = mix(c, [40, 40, 44], 0.55);
      const dx = x - 0.66 * S;
      const dy = y - 0.34 * S;
      if (dx * dx + dy * dy < (0.12 * S) ** 2) c = [36, 32, 30];
      img.set(x, y, c);
    }
  }
  return img;
}

/** The default camera: a slow pan to the right with a wobble (world pixels). */
function defaultCamera(f: number): { x: number; y: number } {
  return { x: 20 + 0.5 * f + 5 * Math.sin(f / 11), y: 20 + 10 * Math.sin(f / 23) };
}

/** The target's box clipped to a `width × height` frame, or null when nothing of it is inside. */
function clipBox(t: TargetState, width: number, height: number): Box | null {
  const x0 = Math.max(t.cx - t.width / 2, 0);
  const y0 = Math.max(t.cy - t.height / 2, 0);
  const x1 = Math.min(t.cx + t.width / 2, width);
  const y1 = Math.min(t.cy + t.height / 2, height);
  return x1 > x0 && y1 > y0 ? { x: x0, y: y0, width: x1 - x0, height: y1 - y0 } : null;
}

/** Draws a target (its texture stretched to its box, 4×4 supersampled) over the float RGB frame. */
function drawTarget(rgb: Float32Array, W: number, H: number, t: TargetState, tex: Image3): void {
  const left = t.cx - t.width / 2;
  const top = t.cy - t.height / 2;
  const SS = 4; // supersampling of the target: SS × SS samples per pixel
  const xs = Math.max(Math.floor(left), 0);
  const xe = Math.min(Math.ceil(left + t.width), W);
  const ys = Math.max(Math.floor(top), 0);
  const ye = Math.min(Math.ceil(top + t.height), H);
  for (let y = ys; y < ye; y++) {
    for (let x = xs; x < xe; x++) {
      let n = 0;
      const sum = [0, 0, 0];
      for (let j = 0; j < SS; j++) {
        const v = (y + (j + 0.5) / SS - top) / t.height;
        if (v < 0 || v >= 1) continue;
        for (let i = 0; i < SS; i++) {
          const u = (x + (i + 0.5) / SS - left) / t.width;
          if (u < 0 || u >= 1) continue;
          const k = (Math.floor(v * tex.h) * tex.w + Math.floor(u * tex.w)) * 3;
          sum[0] += tex.data[k];
          sum[1] += tex.data[k + 1];
          sum[2] += tex.data[k + 2];
          n++;
        }
      }
      if (n === 0) continue;
      const a = n / (SS * SS);
      const o = (y * W + x) * 3;
      for (let k = 0; k < 3; k++) rgb[o + k] = rgb[o + k] * (1 - a) + (sum[k] / n) * a;
    }
  }
}

/** Renders a sequence. The same spec gives the same bytes on every machine. */
export function renderSequence(spec: SyntheticSpec): SyntheticSequence {
  const W = spec.width ?? 320;
  const H = spec.height ?? 240;
  const fps = spec.fps ?? 30;
  const camera = spec.camera ?? defaultCamera;
  const rnd = mulberry32(spec.seed);
  // The world covers every view of the pan (plus the bilinear sample's neighbour).
  let maxX = 0;
  let maxY = 0;
  for (let f = 0; f < spec.frames; f++) {
    const c = camera(f);
    if (c.x < 0 || c.y < 0) throw new RangeError(`Expected the camera at x, y >= 0, got ${c.x}, ${c.y}`);
    maxX = Math.max(maxX, c.x);
    maxY = Math.max(maxY, c.y);
  }
  const ww = Math.ceil(maxX) + W + 2;
  const wh = Math.ceil(maxY) + H + 2;
  // Clutter at the sample's density (~70 on 520×360).
  const world = makeWorld(ww, wh, Math.round((ww * wh) / 2700), rnd);
  const tex = makeTexture(spec.textureCells ?? 4, rnd);
  const others = spec.others ?? [];
  const otherTex = others.map(() => (spec.othersLookAlike ? tex : makeTexture(spec.textureCells ?? 4, rnd)));
  // Sensor noise (±2 levels): a table read from a new random offset each frame (cheaper than a draw a byte).
  const noise = Float32Array.from({ length: 65521 }, () => (rnd() - 0.5) * 4);
  const sequence: SyntheticSequence = { frames: [], gt: [], visible: [], othersGt: others.map(() => []) };
  for (let f = 0; f < spec.frames; f++) {
    const cam = camera(f);
    const t = spec.target(f);
    const rgb = new Float32Array(W * H * 3);
    world.view(cam.x, cam.y, W, H, rgb);
    if (spec.drawTarget !== false) drawTarget(rgb, W, H, t, tex);
    others.forEach((o, i) => drawTarget(rgb, W, H, o(f), otherTex[i]));
    const light = 1 + 0.05 * Math.sin(f / 20); // gentle global illumination change
    const bytes = new Uint8ClampedArray(W * H * 3); // rounds and clamps on assignment
    let j = Math.floor(rnd() * noise.length);
    for (let i = 0; i < bytes.length; i++, j = j + 1 === noise.length ? 0 : j + 1) {
      bytes[i] = rgb[i] * light + noise[j];
    }
    const data = new Uint8Array(bytes.buffer);
    sequence.frames.push({ index: f, timestampMs: (f * 1000) / fps, width: W, height: H, data });
    const box = clipBox(t, W, H);
    sequence.gt.push(box);
    sequence.visible.push(box ? (box.width * box.height) / (t.width * t.height) : 0);
    others.forEach((o, i) => sequence.othersGt[i].push(clipBox(o(f), W, H)));
  }
  return sequence;
}

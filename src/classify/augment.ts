/**
 * Augmentation for few examples, and the windows a clip is cut into. Crops and flips are applied to
 * the frames before the trunk and the flow (features.ts), so each view is exact, not approximated
 * in feature space; speed jitter resamples the per-frame features in time and scales the flow by
 * the same factor (flow over k frames ≈ k × flow over one, for smooth motion).
 */
import type { View } from './features.js';

/** Flip policy: `auto` flips every label except those naming a side (left/right), which swap with their mirror label when it exists. */
export type FlipMode = 'auto' | 'none' | 'all';

/**
 * Index of the label a horizontally flipped clip of `label` has, or -1 if flipping is not allowed.
 * `auto`: "move_left" ↔ "move_right" when both exist; a side-named label without its mirror is not
 * flipped; any other label keeps itself.
 */
export function flippedLabel(label: string, labels: string[], mode: FlipMode): number {
  if (mode === 'none') return -1;
  const self = labels.indexOf(label);
  if (mode === 'all') return self;
  if (!/left|right/i.test(label)) return self;
  const swap = (s: string) =>
    ({ left: 'right', right: 'left', Left: 'Right', Right: 'Left', LEFT: 'RIGHT', RIGHT: 'LEFT' })[s] ?? s;
  const mirror = label.replace(/left|right/gi, swap);
  return labels.indexOf(mirror);
}

/** Crop views: the full frame, then `count - 1` crops of `scale` of each side (corners, then centre). */
export function cropViews(count: number, scale = 0.85): View[] {
  const m = 1 - scale;
  const crops: Array<[number, number, number, number]> = [
    [0, 0, scale, scale],
    [0, m, scale, 1],
    [m, 0, 1, scale],
    [m, m, 1, 1],
    [m / 2, m / 2, 1 - m / 2, 1 - m / 2],
  ];
  const views: View[] = [{}];
  for (let i = 0; i < count - 1; i++) views.push({ crop: crops[i % crops.length] });
  return views;
}

/** Start frames of evaluation windows over a clip of `n` frames: every `stride`, the last one flush with the end. */
export function windowStarts(n: number, length: number, stride: number): number[] {
  if (n <= length) return [0];
  const starts: number[] = [];
  for (let s = 0; s + length <= n; s += stride) starts.push(s);
  if (starts[starts.length - 1] + length < n) starts.push(n - length);
  return starts;
}

/** A window to cut from a clip's per-frame features: frame positions (fractional), and the speed factor. */
export interface WindowSample {
  positions: number[];
  speed: number;
}

/** A random window: speed in `[1/jitter, jitter]` (log-uniform), start uniform over the clip. */
export function randomWindow(
  n: number,
  length: number,
  speedJitter: number,
  rnd: () => number,
): WindowSample {
  const speed = Math.exp((rnd() * 2 - 1) * Math.log(speedJitter));
  const span = (length - 1) * speed;
  const start = span < n - 1 ? rnd() * (n - 1 - span) : 0;
  return { positions: Array.from({ length }, (_, k) => start + k * speed), speed };
}

/** The plain window starting at frame `start`. */
export function plainWindow(start: number, length: number): WindowSample {
  return { positions: Array.from({ length }, (_, k) => start + k), speed: 1 };
}

/**
 * Writes one window into `out` at `offset`: appearance of the nearest frame (held at the last
 * frame past the end), motion × speed (zero past the end: a clip that has ended is still).
 */
export function fillWindow(
  perFrame: Float32Array[],
  isMotion: boolean,
  w: WindowSample,
  out: Float32Array,
  offset: number,
): void {
  const n = perFrame.length;
  const size = perFrame[0].length;
  w.positions.forEach((p, k) => {
    const i = Math.round(p);
    const dst = offset + k * size;
    if (i >= n) {
      if (isMotion) out.fill(0, dst, dst + size);
      else out.set(perFrame[n - 1], dst);
      return;
    }
    const src = perFrame[Math.max(0, i)];
    if (!isMotion || w.speed === 1) out.set(src, dst);
    else for (let j = 0; j < size; j++) out[dst + j] = src[j] * w.speed;
  });
}

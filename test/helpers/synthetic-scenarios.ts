/**
 * The scenarios of test/track/robustness.test.ts, each stressing one thing: a tiny target, a 2×
 * change of aspect ratio, a target that leaves the frame and comes back elsewhere (rendered by
 * synthetic.ts).
 */
import { renderSequence, type SyntheticSequence } from './synthetic.js';

/** 0 → 1 with zero slope at both ends, for `f` from `f0` to `f1` (clamped outside). */
export function smoothstep(f: number, f0: number, f1: number): number {
  const s = Math.min(Math.max((f - f0) / (f1 - f0), 0), 1);
  return s * s * (3 - 2 * s);
}

/**
 * A tiny target (10×10 px) wandering over a panning background at 1–2.5 px/frame
 * (120 frames, 2×2 checker texture with an eye).
 */
export function tinyTargetSequence(seed = 0x71d7): SyntheticSequence {
  return renderSequence({
    seed,
    frames: 120,
    textureCells: 2,
    target: (f) => ({
      cx: 70 + 1.5 * f + 10 * Math.sin(f / 14),
      cy: 120 + 35 * Math.sin(f / 25) + 4 * Math.sin(f / 7),
      width: 10,
      height: 10,
    }),
  });
}

/**
 * A 40×40 target whose aspect ratio changes by 2× — to 80×40 (`wide`) or 28×56 (`tall`, about
 * the same area) — smoothly over frames 10–75, then holds it to the end (100 frames); it moves at
 * ~1–2 px/frame over a panning background.
 */
export function aspectChangeSequence(to: 'wide' | 'tall', seed = 0xa5ec7): SyntheticSequence {
  const [w1, h1] = to === 'wide' ? [80, 40] : [28, 56];
  return renderSequence({
    seed,
    frames: 100,
    target: (f) => {
      const s = smoothstep(f, 10, 75);
      return {
        cx: 110 + 0.9 * f + 12 * Math.sin(f / 13),
        cy: 120 + 20 * Math.sin(f / 19),
        width: 40 + (w1 - 40) * s,
        height: 40 + (h1 - 40) * s,
      };
    },
  });
}

/**
 * A 36×30 target that leaves the frame through the right edge at 2.5 px/frame (y ≈ 95), turns
 * round outside (wholly out on frames 56–76), and comes back in through the same edge `shiftPx`
 * lower (50: y ≈ 145), wholly back from frame 91 to the end (130 frames).
 */
export function exitReenterSequence(shiftPx = 50, seed = 0xe4177): SyntheticSequence {
  if (shiftPx < 0 || 95 + shiftPx + 15 + 5 > 240) {
    throw new RangeError(`Expected shiftPx in 0…125, got ${shiftPx}`);
  }
  const v = 2.5; // px/frame, out and back in
  const edge = 320 + 36 / 2; // centre x at which the target is just wholly out
  const turnAt = 66; // the middle of the turn outside the frame
  const half = 10; // frames from the edge to the turn (uniform deceleration)
  return renderSequence({
    seed,
    frames: 130,
    target: (f) => {
      const d = f - turnAt;
      const cx =
        Math.abs(d) <= half
          ? edge + (v * half) / 2 - (v / (2 * half)) * d * d
          : edge - v * (Math.abs(d) - half);
      return {
        cx,
        cy: 95 + shiftPx * smoothstep(f, turnAt - half, turnAt + half) + 5 * Math.sin(f / 9),
        width: 36,
        height: 30,
      };
    },
  });
}

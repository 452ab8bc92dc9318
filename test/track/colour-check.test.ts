import { describe, expect, it } from 'vitest';
import { ColourModel } from '../../src/track/colour-check.js';
import type { Box, Frame } from '../../src/types.js';

/** A 120×90 frame: a green-blue background, a red 20×16 box at (50, 40), a grey patch at (5, 5). */
function frame(redAt: { x: number; y: number } = { x: 50, y: 40 }): Frame {
  const width = 120;
  const height = 90;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = 3 * (y * width + x);
      const inRed = x >= redAt.x && x < redAt.x + 20 && y >= redAt.y && y < redAt.y + 16;
      const inGrey = x >= 5 && x < 25 && y >= 5 && y < 21;
      const rgb = inRed
        ? [220, 30, 30]
        : inGrey
          ? [128, 128, 128]
          : (x + y) % 2
            ? [20, 160, 90]
            : [30, 90, 170];
      data.set(rgb, p);
    }
  }
  return { index: 0, timestampMs: 0, width, height, data };
}

const target: Box = { x: 50, y: 40, width: 20, height: 16 };

describe('ColourModel', () => {
  it('scores the target box high, its surroundings low, and never-seen colours at 0.5', () => {
    const m = new ColourModel();
    const f = frame();
    m.learn(f, target, 1);
    expect(m.usualScore).toBeGreaterThan(0.95);
    expect(m.score(f, { x: 80, y: 40, width: 20, height: 16 })).toBeLessThan(0.05);
    expect(m.score(f, { x: 5, y: 5, width: 20, height: 16 })).toBeCloseTo(0.5, 6);
  });

  it('follows the target to where it moved (the score is of colours, not of places)', () => {
    const m = new ColourModel();
    m.learn(frame(), target, 1);
    const moved = frame({ x: 90, y: 60 });
    expect(m.score(moved, { x: 90, y: 60, width: 20, height: 16 })).toBeGreaterThan(0.95);
    expect(m.score(moved, target)).toBeLessThan(0.05);
  });

  it('blends new views in at the given rate and forgets everything on reset', () => {
    const m = new ColourModel();
    m.learn(frame(), target, 1);
    const first = m.usualScore;
    // The box now half on the background: its own score drops, the usual follows at rate 0.5.
    m.learn(frame(), { ...target, x: 60 }, 0.5);
    expect(m.usualScore).toBeLessThan(first);
    expect(m.usualScore).toBeGreaterThan(0.5 * first);
    m.reset();
    expect(m.usualScore).toBe(0);
    expect(m.score(frame(), target)).toBeCloseTo(0.5, 6);
  });

  it('clips boxes to the frame and scores a box wholly outside as 0', () => {
    const m = new ColourModel();
    m.learn(frame(), { x: -10, y: -10, width: 40, height: 30 }, 1);
    expect(Number.isFinite(m.usualScore)).toBe(true);
    expect(m.score(frame(), { x: 500, y: 500, width: 10, height: 10 })).toBe(0);
  });
});

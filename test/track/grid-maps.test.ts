/** The windows on the filter's grid: Hann, Tukey (`windowFlat`), and the in-frame weights (`frameTaper`). */
import { describe, expect, it } from 'vitest';
import { cosineWindow, hann1d, inFrameWeights, tukey1d } from '../../src/track/grid-maps.js';

describe('tukey1d', () => {
  it('is the Hann window when nothing is flat', () => {
    const h = hann1d(24);
    tukey1d(24, 0).forEach((v, i) => expect(v).toBeCloseTo(h[i], 12));
  });

  it('is 1 over its flat centre, symmetric, and rises monotonically over each flank', () => {
    const n = 24;
    const w = tukey1d(n, 0.5);
    for (let i = 0; i < n; i++) expect(w[i]).toBeCloseTo(w[n - 1 - i], 12);
    // the central half: cells whose centres lie in [n/4, 3n/4]
    for (let i = 6; i < 18; i++) expect(w[i]).toBe(1);
    for (let i = 1; i < 6; i++) expect(w[i]).toBeGreaterThan(w[i - 1]);
    expect(w[0]).toBeGreaterThan(0);
    expect(w[0]).toBeLessThan(0.1);
  });

  it('makes the separable window of cosineWindow', () => {
    const t = tukey1d(8, 0.8);
    const w = cosineWindow(8, 0.8);
    expect(w[3 * 8 + 1]).toBeCloseTo(t[3] * t[1], 12);
  });
});

describe('inFrameWeights', () => {
  const out = new Float64Array(16 * 16);

  it('is undefined for a region well inside the frame', () => {
    expect(inFrameWeights(16, 100, 100, 4, 4, 640, 480, 2, out)).toBeUndefined();
  });

  it('fades cells out towards the border and zeroes those beyond it', () => {
    // A 16×16-cell region of 4 px cells whose left 5 columns (20 px) lie left of the frame.
    const w = inFrameWeights(16, -20, 100, 4, 4, 640, 480, 2, out);
    expect(w).toBeDefined();
    const row = Array.from(w!.subarray(8 * 16, 9 * 16));
    expect(row.slice(0, 5)).toEqual([0, 0, 0, 0, 0]); // centres at x < 0
    expect(row[5]).toBeGreaterThan(0); // centre 2 px (half a cell) inside
    expect(row[5]).toBeLessThan(row[6]);
    expect(row.slice(7)).toEqual(Array(9).fill(1)); // ≥ 2 cells inside
    // The other axis is wholly inside: every row alike.
    expect(Array.from(w!.subarray(0, 16))).toEqual(row);
  });

  it('fades the bottom and right borders alike', () => {
    const w = inFrameWeights(16, 600, 440, 4, 4, 640, 480, 2, out)!;
    expect(w[15 * 16 + 15]).toBe(0); // x 662, y 502: outside
    expect(w[0]).toBe(1); // x 602, y 442: 9 cells from either border
  });
});

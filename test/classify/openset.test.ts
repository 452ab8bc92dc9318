/** The open-set pieces as pure functions: window embeddings, familiarity, calibration. */
import { describe, expect, it } from 'vitest';
import {
  calibrateOpenSet,
  familiarity,
  MAX_PROTOTYPES,
  windowEmbedding,
} from '../../src/classify/openset.js';
import { mulberry32 } from '../../src/util/prng.js';

const CHANNELS = 4;
const CELLS = 6;

/** A random non-negative feature vector (cells × channels), like post-ReLU trunk features. */
function features(rand: () => number): Float32Array {
  return Float32Array.from({ length: CELLS * CHANNELS }, () => Math.max(0, rand() - 0.4));
}

describe('open set', () => {
  it("embeds a window as its frames' normalised mean (positions past the end hold the last frame)", () => {
    const frames = [Float32Array.from([3, 0]), Float32Array.from([0, 4])];
    const e = windowEmbedding(frames, [0, 1, 2]); // frame 1 twice
    expect(Array.from(e)).toEqual([3 / Math.hypot(3, 8), 8 / Math.hypot(3, 8)].map((x) => Math.fround(x)));
    const flat = new Float32Array([1, 0, 0, 1]); // two prototypes
    expect(familiarity(Float32Array.from([0.6, 0.8]), flat)).toBeCloseTo(0.8, 6);
  });

  it('puts the threshold between how alike the training clips are and what shuffled cells score', () => {
    const rand = mulberry32(7);
    // Three clips of one scene: a shared base plus a little noise per window.
    const base = features(rand);
    const clip = () =>
      Array.from({ length: 5 }, () => windowEmbedding([base.map((v) => v + 0.05 * rand())], [0]));
    const clips = [clip(), clip(), clip()];
    const { prototypes, calibration } = calibrateOpenSet(clips, CHANNELS);
    expect(calibration.prototypes).toBe(15);
    expect(prototypes.length).toBe(15 * CELLS * CHANNELS);
    expect(calibration.sameAnchor).toBeGreaterThan(0.95);
    expect(calibration.unrelatedAnchor).toBeLessThan(calibration.threshold);
    expect(calibration.threshold).toBeCloseTo((calibration.sameAnchor + calibration.unrelatedAnchor) / 2, 9);
    // Another window of the scene is familiar; another scene is not.
    expect(
      familiarity(windowEmbedding([base.map((v) => v + 0.05 * rand())], [0]), prototypes),
    ).toBeGreaterThan(calibration.threshold);
    const other = windowEmbedding([features(mulberry32(99))], [0]);
    expect(familiarity(other, prototypes)).toBeLessThan(calibration.threshold);
    // The same input, the same calibration (no randomness at run time).
    expect(calibrateOpenSet(clips, CHANNELS).calibration).toEqual(calibration);
  });

  it(`keeps at most ${MAX_PROTOTYPES} prototypes, spread over the training windows`, () => {
    const rand = mulberry32(3);
    const clips = Array.from({ length: 4 }, () =>
      Array.from({ length: 200 }, () => windowEmbedding([features(rand)], [0])),
    );
    const { prototypes, calibration } = calibrateOpenSet(clips, CHANNELS);
    expect(calibration.prototypes).toBe(MAX_PROTOTYPES);
    expect(prototypes.length).toBe(MAX_PROTOTYPES * CELLS * CHANNELS);
    // The last clip's windows are among them (evenly spread, not the first 512).
    expect(familiarity(clips[3][150], prototypes)).toBeGreaterThan(0.99);
  });
});

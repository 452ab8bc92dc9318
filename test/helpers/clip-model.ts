/** A clip model with random (untrained) weights and frames with a moving bright square: enough to test files, threads and plumbing. */
import { DEFAULT_STREAM_CONFIG } from '../../src/classify/config.js';
import { initHeadWeights } from '../../src/classify/head.js';
import type { ClipModel } from '../../src/classify/model.js';
import { buildModelConfig } from '../../src/classify/train.js';
import type { Frame } from '../../src/types.js';

/** A two-stream model over `labels`, windows of `clipLength` frames at the default 10 fps. */
export function randomClipModel(labels = ['a', 'b', 'c'], clipLength = 6): ClipModel {
  const config = buildModelConfig(labels, { ...DEFAULT_STREAM_CONFIG, clipLength }, ['appearance', 'motion']);
  const weights = {
    ...initHeadWeights('appearance', config.heads.appearance, labels.length, 1),
    ...initHeadWeights('motion', config.heads.motion, labels.length, 2),
  };
  return { config, weights };
}

/** Deterministic frames with a bright square moving 2 px a frame (so the flow is not all zero), 10 fps. */
export function movingSquareFrames(n: number, w = 128, h = 96): Frame[] {
  return Array.from({ length: n }, (_, i) => {
    const data = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const inside = x >= 30 + 2 * i && x < 60 + 2 * i && y >= 30 && y < 60;
        data.fill(inside ? 220 : (x * 7 + y * 3) % 90, (y * w + x) * 3, (y * w + x) * 3 + 3);
      }
    return { index: i, timestampMs: i * 100, width: w, height: h, data };
  });
}

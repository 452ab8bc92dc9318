import { describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../src/backend/backend.js';
import { cropPatchesJs, cropPatchesTf, meanColour } from '../../src/track/crop.js';
import type { Frame } from '../../src/types.js';

const W = 40;
const H = 30;
const frame: Frame = {
  index: 0,
  timestampMs: 0,
  width: W,
  height: H,
  data: Uint8Array.from({ length: W * H * 3 }, (_, i) => (i * 37) % 251),
};

describe('crops', () => {
  it('JS crops and tf.image.cropAndResize sample the same grid inside the frame', async () => {
    await initBackend('wasm');
    const regions = [
      { cx: 20, cy: 15, side: 16 },
      { cx: 18.3, cy: 12.7, side: 21.5 },
    ];
    const mean = meanColour(frame);
    const js = new Float32Array(2 * 8 * 8 * 3);
    cropPatchesJs(frame, regions, 8, mean, js);
    const before = tf.memory().numTensors;
    const t = cropPatchesTf(frame, regions, 8, mean);
    const onBackend = await t.data();
    t.dispose();
    expect(tf.memory().numTensors).toBe(before);
    for (let i = 0; i < js.length; i++) expect(onBackend[i]).toBeCloseTo(js[i], 2);
  });

  it('an identity crop returns the pixels, and outside the frame reads the mean colour', () => {
    const out = new Float32Array(W * W * 3);
    // side W centred on the frame: pixel j samples x = j exactly.
    cropPatchesJs(frame, [{ cx: W / 2, cy: H / 2, side: W }], W, [1, 2, 3], out);
    const row = (H - W) / 2; // negative: the first rows are outside the frame
    expect(Array.from(out.subarray(0, 3))).toEqual([1, 2, 3]);
    const y = 10;
    const x = 7;
    const p = ((y - row) * W + x) * 3;
    expect(out[p]).toBeCloseTo(frame.data[(y * W + x) * 3], 4);
  });
});

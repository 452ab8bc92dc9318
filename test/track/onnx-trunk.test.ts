/**
 * The onnx engine gives the tfjs engine's features on real crops (the bundled sample's frames),
 * for each feature layer, and the tracker built on it follows the sample like the tfjs one.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { lastValueFrom, take, toArray } from 'rxjs';
import { decode } from '../../src/decode/index.js';
import { initBackend } from '../../src/backend/backend.js';
import { parseGroundTruth } from '../../src/eval/groundtruth.js';
import { cropPatchesJs, meanColour } from '../../src/track/crop.js';
import { Trunk } from '../../src/track/embedding.js';
import { OnnxTrunk } from '../../src/track/onnx-trunk.js';
import { createTracker } from '../../src/track/index.js';
import type { FeatureLayer } from '../../src/track/params.js';
import type { Box, Frame, TrackResult } from '../../src/types.js';
import { REPO_ROOT } from '../helpers/shared-data.js';
import { SLOW_TEST_TIMEOUT_MS } from '../helpers/timeouts.js';

// Real processes, decoding or training: each test's deadlock guard is 10 min (test/helpers/timeouts.ts).
vi.setConfig({ testTimeout: SLOW_TEST_TIMEOUT_MS });

const SAMPLE = path.join(REPO_ROOT, 'samples/tracking');
const gt = parseGroundTruth(readFileSync(path.join(SAMPLE, 'groundtruth.txt'), 'utf8'));
const N = 20;
let frames: Frame[];

beforeAll(async () => {
  frames = await lastValueFrom(decode(path.join(SAMPLE, 'video.mp4')).pipe(take(N), toArray()));
  await initBackend('wasm');
});

describe('onnx engine', () => {
  for (const layer of ['stride8', 'stride16', 'both'] as FeatureLayer[]) {
    it(`${layer}: the same features as tfjs on crops of real frames`, async () => {
      const box = gt[0] as Box;
      const cx = box.x + box.width / 2;
      const cy = box.y + box.height / 2;
      const regions = [0.8, 1, 1.25].map((f) => ({
        cx,
        cy,
        side: 2.5 * Math.sqrt(box.width * box.height) * f,
      }));
      const size = 160;
      const pixels = new Float32Array(regions.length * size * size * 3);
      cropPatchesJs(frames[5], regions, size, meanColour(frames[5]), pixels);
      const tfjs = await Trunk.load(layer);
      const onnx = await OnnxTrunk.load(layer);
      try {
        const want = await tfjs.embedPixels(pixels, 3, size);
        const got = await onnx.embedPixels(pixels, 3, size);
        expect([got.count, got.side, got.channels]).toEqual([want.count, want.side, want.channels]);
        let worst = 0;
        let largest = 0;
        for (let i = 0; i < want.data.length; i++) {
          worst = Math.max(worst, Math.abs(got.data[i] - want.data[i]));
          largest = Math.max(largest, Math.abs(want.data[i]));
        }
        expect(largest).toBeGreaterThan(1);
        expect(worst / largest).toBeLessThan(1e-4);
      } finally {
        tfjs.dispose();
        await onnx.dispose();
      }
    });
  }

  it('tracks the sample as the tfjs engine does (boxes within 0.5 px)', async () => {
    const run = async (engine: 'tfjs' | 'onnx'): Promise<TrackResult[]> => {
      const t = await createTracker({ engine });
      expect(t.options.engine).toBe(engine);
      try {
        const out = [await t.init(frames[0], gt[0] as Box)];
        for (let i = 1; i < N; i++) out.push(await t.update(frames[i]));
        return out;
      } finally {
        t.dispose();
      }
    };
    const [a, b] = [await run('tfjs'), await run('onnx')];
    for (let i = 0; i < N; i++) {
      for (const k of ['x', 'y', 'width', 'height'] as const)
        expect(Math.abs(a[i].box[k] - b[i].box[k])).toBeLessThan(0.5);
      expect(b[i].lost).toBe(a[i].lost);
    }
  });

  it('a call after dispose gives ERR_DISPOSED; dispose waits for the run in flight', async () => {
    const onnx = await OnnxTrunk.load('stride8');
    const pixels = new Float32Array(64 * 64 * 3);
    const pending = onnx.embedPixels(pixels, 1, 64);
    const closing = onnx.dispose();
    await expect(pending).resolves.toMatchObject({ count: 1, side: 8, channels: 32 });
    await closing;
    await expect(onnx.embedPixels(pixels, 1, 64)).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
  });
});

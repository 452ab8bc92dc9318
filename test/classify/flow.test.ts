import { beforeAll, describe, expect, it, vi } from 'vitest';
import { initBackend, tf } from '../../src/backend/backend.js';
import path from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { DEFAULT_STREAM_CONFIG } from '../../src/classify/config.js';
import { grayImages, modelImages, stackFrameBytes } from '../../src/classify/features.js';
import { opticalFlow, validateFlowOptions } from '../../src/classify/flow.js';
import { decode } from '../../src/decode/index.js';
import { opticalFlowTfjs, warpBilinear } from '../helpers/flow-tfjs.js';
import { REPO_ROOT } from '../helpers/shared-data.js';
import { SLOW_TEST_TIMEOUT_MS } from '../helpers/timeouts.js';

// Real processes, decoding or training: each test's deadlock guard is 10 min (test/helpers/timeouts.ts).
vi.setConfig({ testTimeout: SLOW_TEST_TIMEOUT_MS });

/** A smooth random texture (a sum of low-frequency sinusoids), so a sub-pixel shift is exact. */
function texture(w: number, h: number, dx: number, dy: number, seed: number): Float32Array {
  let s = seed;
  const rnd = () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  // 60 waves, frequencies 0.15..0.7 rad/px in random directions: an isotropic texture (no aperture problem).
  const waves = Array.from({ length: 60 }, () => {
    const f = 0.15 + 0.55 * rnd();
    const a = rnd() * Math.PI;
    return { fx: f * Math.cos(a), fy: f * Math.sin(a), phase: rnd() * 2 * Math.PI, amp: 0.015 };
  });
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let v = 0.5;
      for (const k of waves) v += k.amp * Math.sin(k.fx * (x - dx) + k.fy * (y - dy) + k.phase);
      out[y * w + x] = v;
    }
  }
  return out;
}

/** Quantile of the end-point error of the flow against (u, v) over the interior (a `margin`-px border excluded). */
function errorQuantile(
  flow: Float32Array,
  w: number,
  h: number,
  u: number,
  v: number,
  margin: number,
  q: number,
): number {
  const errs: number[] = [];
  for (let y = margin; y < h - margin; y++) {
    for (let x = margin; x < w - margin; x++) {
      const i = (y * w + x) * 2;
      errs.push(Math.hypot(flow[i] - u, flow[i + 1] - v));
    }
  }
  errs.sort((a, b) => a - b);
  return errs[Math.floor(errs.length * q)];
}

describe.each(['wasm', 'cpu'])('optical flow on %s', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it.each([
    [1.5, -0.75],
    [4.2, 2.6],
    [0, 0],
  ])(
    'recovers a synthetic translation (%f, %f) px within 0.1 px median, 0.25 px at the 90th percentile (interior)',
    (u, v) => {
      const w = 64;
      const h = 48;
      const before = tf.memory().numTensors;
      const prev = tf.tensor4d(texture(w, h, 0, 0, 7), [1, h, w, 1]);
      const next = tf.tensor4d(texture(w, h, u, v, 7), [1, h, w, 1]);
      const flow = opticalFlow(prev, next);
      const data = flow.dataSync() as Float32Array;
      expect(errorQuantile(data, w, h, u, v, 8, 0.5)).toBeLessThan(0.1);
      expect(errorQuantile(data, w, h, u, v, 8, 0.9)).toBeLessThan(0.25);
      tf.dispose([prev, next, flow]);
      expect(tf.memory().numTensors).toBe(before);
    },
  );

  it('is batched: each pair gets its own flow', () => {
    const w = 48;
    const h = 40;
    const prev = tf.tensor4d([...texture(w, h, 0, 0, 3), ...texture(w, h, 0, 0, 5)], [2, h, w, 1]);
    const next = tf.tensor4d([...texture(w, h, 1, 0, 3), ...texture(w, h, 0, -1, 5)], [2, h, w, 1]);
    const flow = opticalFlow(prev, next).arraySync();
    expect(flow[0][20][24][0]).toBeCloseTo(1, 1);
    expect(flow[1][20][24][1]).toBeCloseTo(-1, 1);
    tf.dispose([prev, next]);
  });
});

/** Largest absolute difference of two equal-length arrays. */
function maxDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe.each(['wasm', 'cpu'])('the flow kernel against the TF.js ops it replaced, on %s', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  /** Both flows of the same pairs `[n, h, w, 1]`; the kernel's and the TF.js ops'. */
  const both = (prev: Float32Array, next: Float32Array, n: number, h: number, w: number, levels = 3) => {
    const a = tf.tensor4d(prev, [n, h, w, 1]);
    const b = tf.tensor4d(next, [n, h, w, 1]);
    const kernel = opticalFlow(a, b, { levels });
    const reference = opticalFlowTfjs(a, b, { levels });
    const out = {
      kernel: kernel.dataSync() as Float32Array,
      reference: reference.dataSync() as Float32Array,
    };
    tf.dispose([a, b, kernel, reference]);
    return out;
  };

  it('equal within 1e-4 px on textures moving by whole and sub-pixel steps, at even and odd sizes', () => {
    for (const [w, h, levels] of [
      [64, 48, 3],
      [45, 37, 3],
      [33, 20, 2],
    ]) {
      const prev = new Float32Array([...texture(w, h, 0, 0, 11), ...texture(w, h, 0, 0, 12)]);
      const next = new Float32Array([...texture(w, h, 2.3, -1.1, 11), ...texture(w, h, -3, 0.5, 12)]);
      const { kernel, reference } = both(prev, next, 2, h, w, levels);
      expect(maxDiff(kernel, reference), `${w}x${h}`).toBeLessThan(1e-4);
    }
  });

  it('equal within 1e-4 px on real frames: the grey images the classifier gives it', async () => {
    const clip = path.join(REPO_ROOT, 'samples/actions/move_left/move_left-1.mp4');
    const frames = await lastValueFrom(decode(clip).pipe(toArray()));
    const picked = frames.slice(0, 9);
    const images = modelImages(
      stackFrameBytes(picked),
      [9, picked[0].height, picked[0].width],
      DEFAULT_STREAM_CONFIG,
    );
    const gray = grayImages(images, DEFAULT_STREAM_CONFIG);
    const [, h, w] = gray.shape;
    const data = gray.dataSync() as Float32Array;
    tf.dispose([images, gray]);
    const { kernel, reference } = both(data.slice(0, 8 * h * w), data.slice(h * w), 8, h, w);
    expect(maxDiff(kernel, reference)).toBeLessThan(1e-4);
    // Not a trivial agreement: the hand moves.
    expect(Math.max(...kernel.map(Math.abs))).toBeGreaterThan(0.5);
  });
});

describe('warpBilinear and options', () => {
  it('samples between pixels', async () => {
    await initBackend('wasm');
    const img = tf.tensor4d([0, 1, 2, 3], [1, 1, 4, 1]);
    const u = tf.tensor4d([0.5, 0.25, 1, 5], [1, 1, 4, 1]);
    const v = tf.zeros([1, 1, 4, 1]) as tf.Tensor4D;
    expect(Array.from(warpBilinear(img, u, v).dataSync())).toEqual([0.5, 1.25, 3, 3]);
    tf.dispose([img, u, v]);
  });

  it('rejects bad options with ERR_BAD_OPTION', () => {
    expect(() => validateFlowOptions({ levels: 0 })).toThrow(/`levels`/);
    expect(() => validateFlowOptions({ windowSigma: -1 })).toThrow(
      expect.objectContaining({ code: 'ERR_BAD_OPTION', message: expect.stringContaining('windowSigma') }),
    );
  });
});

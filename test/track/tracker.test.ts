/**
 * The tracker on the project's own synthetic sample (samples/tracking: 180 frames, the target
 * fully hidden behind a pillar on frames 123–139), in-process (`workers: 0`).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { firstValueFrom, from, lastValueFrom, take, toArray } from 'rxjs';
import { decode } from '../../src/decode/index.js';
import { createTracker, track, type Tracker } from '../../src/track/index.js';
import { parseGroundTruth } from '../../src/eval/groundtruth.js';
import { iou, isValidGt } from '../../src/eval/metrics.js';
import { tf } from '../../src/backend/backend.js';
import type { Box, Frame, TrackResult } from '../../src/types.js';
import { REPO_ROOT } from '../helpers/shared-data.js';
import { SLOW_TEST_TIMEOUT_MS } from '../helpers/timeouts.js';

// Real processes, decoding or training: each test's deadlock guard is 10 min (test/helpers/timeouts.ts).
vi.setConfig({ testTimeout: SLOW_TEST_TIMEOUT_MS });

const SAMPLE = path.join(REPO_ROOT, 'samples/tracking');
const gt = parseGroundTruth(readFileSync(path.join(SAMPLE, 'groundtruth.txt'), 'utf8'));
const hidden = gt.map((g, i) => (isValidGt(g) ? -1 : i)).filter((i) => i >= 0);

let frames: Frame[];
let tracker: Tracker;
let results: TrackResult[];

beforeAll(async () => {
  frames = await lastValueFrom(decode(path.join(SAMPLE, 'video.mp4')).pipe(toArray()));
  tracker = await createTracker({ workers: 0, engine: 'tfjs' }); // tfjs: the tensor-count test below
  results = [await tracker.init(frames[0], gt[0] as Box)];
  for (let i = 1; i < frames.length; i++) results.push(await tracker.update(frames[i]));
});

afterAll(() => tracker?.dispose());

describe('tracker on samples/tracking (in-process)', () => {
  it('decodes one frame per ground-truth line and the sample has a hidden stretch', () => {
    expect(frames.length).toBe(gt.length);
    expect(hidden.length).toBeGreaterThan(10);
  });

  it('follows the target: mean IoU over visible frames above 0.55', () => {
    const ious = results
      .map((r, i) => (isValidGt(gt[i]) ? iou(r.box, gt[i] as Box) : Number.NaN))
      .filter((v) => !Number.isNaN(v));
    const mean = ious.reduce((a, b) => a + b, 0) / ious.length;
    expect(mean).toBeGreaterThan(0.55);
    // before the occluder: tight tracking
    const before = results.slice(1, hidden[0] - 15).map((r, i) => iou(r.box, gt[i + 1] as Box));
    expect(Math.min(...before)).toBeGreaterThan(0.4);
  });

  it('reports lost while the target is hidden, and recovers after it', () => {
    const lostWhileHidden = hidden.filter((i) => results[i].lost).length;
    expect(lostWhileHidden / hidden.length).toBeGreaterThan(0.8);
    const tail = results.slice(-15);
    expect(tail.every((r) => !r.lost)).toBe(true);
    const tailIou = tail.map((r) => iou(r.box, gt[r.frameIndex] as Box));
    expect(Math.min(...tailIou)).toBeGreaterThan(0.5);
  });

  it('carries frame index, timestamp, a meaningful score and per-stage timings', () => {
    results.forEach((r, i) => {
      expect(r.frameIndex).toBe(frames[i].index);
      expect(r.timestampMs).toBe(frames[i].timestampMs);
    });
    const tracked = results.filter((r) => !r.lost);
    expect(tracked.every((r) => r.score > 0.1 && r.psr > 3)).toBe(true);
    const hiddenScore = Math.max(...hidden.map((i) => results[i].score));
    const visibleScore = tracked.slice(1, 60).reduce((a, r) => a + r.score, 0) / 59;
    expect(hiddenScore).toBeLessThan(0.5 * visibleScore);
    expect(Object.keys(results[5].timings)).toEqual(
      expect.arrayContaining(['cropMs', 'trunkMs', 'filterMs', 'totalMs']),
    );
  });

  it('results are plain JSON', () => {
    for (const r of results.slice(0, 5)) expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it('leaves the tensor count unchanged across init, update and reset', async () => {
    const before = tf.memory().numTensors;
    await tracker.init(frames[0], gt[0] as Box);
    await tracker.update(frames[1]);
    await tracker.update(frames[2]);
    tracker.reset();
    expect(tf.memory().numTensors).toBe(before);
    expect(await tracker.numTensors()).toEqual([before]);
  });

  it('the fast preset (stride-8 features alone) follows the sample up to the occluder', async () => {
    const t = await createTracker({ preset: 'fast' });
    try {
      expect(t.options.features).toBe('stride8');
      await t.init(frames[0], gt[0] as Box);
      const ious: number[] = [];
      for (let i = 1; i < hidden[0] - 15; i++) ious.push(iou((await t.update(frames[i])).box, gt[i] as Box));
      expect(ious.reduce((a, b) => a + b, 0) / ious.length).toBeGreaterThan(0.6);
      expect(Math.min(...ious)).toBeGreaterThan(0.4);
    } finally {
      t.dispose();
    }
  });

  it('gives coded errors for bad boxes and for update before init', async () => {
    const t = tracker;
    t.reset();
    await expect(t.update(frames[1])).rejects.toMatchObject({ code: 'ERR_NOT_INITIALISED' });
    await expect(t.init(frames[0], { x: 400, y: 10, width: 20, height: 20 })).rejects.toMatchObject({
      code: 'ERR_BAD_BOX',
    });
    await expect(t.init(frames[0], { x: 10, y: 10, width: 0, height: 20 })).rejects.toMatchObject({
      code: 'ERR_BAD_BOX',
    });
    await expect(t.init(frames[0], { x: Number.NaN, y: 10, width: 10, height: 20 })).rejects.toMatchObject({
      code: 'ERR_BAD_BOX',
    });
  });
});

describe('tracker lifecycle', () => {
  it('a missing model file gives ERR_MODEL_MISSING', async () => {
    await expect(createTracker({ modelPath: '/nonexistent/centernet.json' })).rejects.toMatchObject({
      code: 'ERR_MODEL_MISSING',
      name: 'SiamError',
    });
  });

  it('dispose() while an update is in flight rejects that update with ERR_DISPOSED', async () => {
    const t = await createTracker();
    await t.init(frames[0], gt[0] as Box);
    const pending = t.update(frames[1]);
    t.dispose();
    await expect(pending).rejects.toMatchObject({ code: 'ERR_DISPOSED', name: 'SiamError' });
  });

  it('refuses a frame of another size than init saw (ERR_BAD_FRAME), and a new init accepts it', async () => {
    const t = await createTracker();
    try {
      await t.init(frames[0], gt[0] as Box);
      const tiny: Frame = { ...frames[1], width: 2, height: 1, data: new Uint8Array(6) };
      await expect(t.update(tiny)).rejects.toMatchObject({
        code: 'ERR_BAD_FRAME',
        message: expect.stringContaining('320x240'),
      });
      await t.init(tiny, { x: 0, y: 0, width: 1, height: 1 });
      await expect(t.update(tiny)).resolves.toMatchObject({ frameIndex: tiny.index });
    } finally {
      t.dispose();
    }
  });

  it('releases every tensor on dispose and refuses use afterwards (ERR_DISPOSED)', async () => {
    const before = tf.memory().numTensors;
    const t = await createTracker({ preset: 'fast', engine: 'tfjs' });
    await t.init(frames[0], gt[0] as Box);
    await t.update(frames[1]);
    t.dispose();
    expect(tf.memory().numTensors).toBe(before);
    await expect(t.update(frames[2])).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
    await expect(t.init(frames[0], gt[0] as Box)).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
  });
});

describe('track() operator', () => {
  it('inits on the first frame, updates in order, and disposes its own tracker', async () => {
    const before = tf.memory().numTensors;
    const out = await lastValueFrom(
      from(frames.slice(0, 12)).pipe(track(gt[0] as Box, { preset: 'fast' }), toArray()),
    );
    expect(out.map((r) => r.frameIndex)).toEqual(frames.slice(0, 12).map((f) => f.index));
    expect(out[0].box).toEqual(gt[0]);
    expect(iou(out[11].box, gt[11] as Box)).toBeGreaterThan(0.5);
    await new Promise((r) => setTimeout(r, 50));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('uses a given tracker without disposing it, and releases one demand credit per frame', async () => {
    let released = 0;
    const demand = { release: (n = 1) => void (released += n) };
    const first = await firstValueFrom(
      from(frames.slice(0, 3)).pipe(track(gt[0] as Box, { tracker, demand }), take(1)),
    );
    expect(first.frameIndex).toBe(0);
    const all = await lastValueFrom(
      from(frames.slice(0, 4)).pipe(track(gt[0] as Box, { tracker, demand }), toArray()),
    );
    expect(all).toHaveLength(4);
    expect(released).toBeGreaterThanOrEqual(5);
    await expect(tracker.update(frames[4])).resolves.toMatchObject({ frameIndex: 4 });
  });

  it('an empty stream completes without results', async () => {
    await expect(
      lastValueFrom(from([] as Frame[]).pipe(track(gt[0] as Box, { tracker }), toArray())),
    ).resolves.toEqual([]);
  });

  it('a bad initial box errors the stream with ERR_BAD_BOX', async () => {
    await expect(
      lastValueFrom(from(frames.slice(0, 2)).pipe(track({ x: 0, y: 0, width: -1, height: 5 }, { tracker }))),
    ).rejects.toMatchObject({
      code: 'ERR_BAD_BOX',
    });
  });
});

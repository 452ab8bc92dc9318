/**
 * Several targets in one tracker (src/track/multi-tracker.ts) on generated sequences: ids, adding
 * and removing targets mid-stream, two textured objects that cross, a target among others
 * tracking as it does alone, the `trackMany` operator, steady tensors, and the errors.
 */
import { lastValueFrom, from, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { iou } from '../../src/eval/metrics.js';
import { createMultiTracker, createTracker, trackMany, type MultiTracker } from '../../src/track/index.js';
import type { Box } from '../../src/types.js';
import { renderSequence, type SyntheticSequence, type TargetState } from '../helpers/synthetic.js';
import { SLOW_TEST_TIMEOUT_MS } from '../helpers/timeouts.js';

// Real processes, decoding or training: each test's deadlock guard is 10 min (test/helpers/timeouts.ts).
vi.setConfig({ testTimeout: SLOW_TEST_TIMEOUT_MS });

/** IoU a target's box must keep with its own object, and may not reach with the other, after the crossing. */
const OWN_MIN_IOU = 0.5;
const OTHER_MAX_IOU = 0.2;

/**
 * Two 36 px textured objects on rows 12 px apart, passing each other at frame ~45; the second is
 * drawn over the first and hides two thirds of it. The hidden one's re-detection lands on the
 * other (drawn from the same palette); the occluder rules keep it from taking the other's place
 * (with the default's second sighting, the rule that a sighting on the occluder's spot is no
 * candidate: without it both ids end on the second).
 */
function crossingSequence(): SyntheticSequence {
  const still = (): { x: number; y: number } => ({ x: 30, y: 20 });
  const mover =
    (x0: number, x1: number, y: number) =>
    (f: number): TargetState => ({ cx: x0 + ((x1 - x0) * f) / 89, cy: y, width: 36, height: 36 });
  return renderSequence({
    seed: 0xc706,
    frames: 90,
    camera: still,
    target: mover(60, 260, 114),
    others: [mover(260, 60, 126)],
  });
}

let multi: MultiTracker;
let crossing: SyntheticSequence;

beforeAll(async () => {
  multi = await createMultiTracker();
  crossing = crossingSequence();
});

afterAll(() => multi?.dispose());

describe('createMultiTracker', () => {
  it('follows two crossing objects and keeps their ids', async () => {
    multi.clear();
    const { frames, gt, othersGt } = crossing;
    const a = await multi.add(frames[0], gt[0] as Box);
    const b = await multi.add(frames[0], othersGt[0][0] as Box);
    expect([a.id, b.id]).toEqual([1, 2]);
    const boxes: Record<number, Box[]> = { 1: [a.box], 2: [b.box] };
    for (let f = 1; f < frames.length; f++) {
      const results = await multi.update(frames[f]);
      expect(results.map((r) => r.id)).toEqual([1, 2]);
      for (const r of results) boxes[r.id].push(r.box);
    }
    // After the crossing, each id is on its own object, not on the other.
    for (let f = 70; f < frames.length; f++) {
      const [ga, gb] = [gt[f] as Box, othersGt[0][f] as Box];
      expect(iou(boxes[1][f], ga), `frame ${f}, id 1`).toBeGreaterThan(OWN_MIN_IOU);
      expect(iou(boxes[2][f], gb), `frame ${f}, id 2`).toBeGreaterThan(OWN_MIN_IOU);
      expect(iou(boxes[1][f], gb)).toBeLessThan(OTHER_MAX_IOU);
      expect(iou(boxes[2][f], ga)).toBeLessThan(OTHER_MAX_IOU);
    }
  });

  it('adds and removes targets mid-stream, ids given or the next free one', async () => {
    multi.clear();
    const { frames, gt, othersGt } = crossing;
    expect((await multi.add(frames[0], gt[0] as Box, 7)).id).toBe(7);
    const seen: number[][] = [];
    for (let f = 1; f < 20; f++) {
      if (f === 5) expect((await multi.add(frames[f], othersGt[0][f] as Box)).id).toBe(8);
      if (f === 10) expect(multi.remove(7)).toBe(true);
      seen.push((await multi.update(frames[f])).map((r) => r.id));
    }
    expect(seen[0]).toEqual([7]); // frame 1
    expect(seen[5]).toEqual([7, 8]); // frame 6
    expect(seen[10]).toEqual([8]); // frame 11
    expect(multi.remove(7)).toBe(false);
    expect(multi.ids).toEqual([8]);
  });

  it('refuses an id in use or not a positive integer, and a frame of another size', async () => {
    multi.clear();
    const { frames, gt } = crossing;
    await multi.add(frames[0], gt[0] as Box, 1);
    await expect(multi.add(frames[0], gt[0] as Box, 1)).rejects.toMatchObject({ code: 'ERR_BAD_OPTION' });
    await expect(multi.add(frames[0], gt[0] as Box, 0)).rejects.toMatchObject({ code: 'ERR_BAD_OPTION' });
    await expect(multi.add(frames[0], gt[0] as Box, 2.5)).rejects.toMatchObject({ code: 'ERR_BAD_OPTION' });
    const small = { ...frames[1], width: 160, height: 120, data: frames[1].data.subarray(0, 160 * 120 * 3) };
    await expect(multi.update(small)).rejects.toMatchObject({ code: 'ERR_BAD_FRAME' });
    expect(multi.ids).toEqual([1]);
  });

  it('tracks a target among others as the single tracker does alone', async () => {
    multi.clear();
    const single = await createTracker();
    try {
      const { frames, gt, othersGt } = crossing;
      const alone = [await single.init(frames[0], gt[0] as Box)];
      await multi.add(frames[0], gt[0] as Box);
      // Two more targets far from it: its crops share the trunk's batch with theirs.
      await multi.add(frames[0], othersGt[0][0] as Box);
      await multi.add(frames[0], { x: 140, y: 20, width: 30, height: 30 });
      for (let f = 1; f < 40; f++) {
        alone.push(await single.update(frames[f]));
        const [mine] = await multi.update(frames[f]);
        const a = alone[f].box;
        expect(Math.hypot(mine.box.x - a.x, mine.box.y - a.y), `frame ${f}`).toBeLessThan(0.5);
        expect(mine.lost).toBe(alone[f].lost);
      }
    } finally {
      await single.dispose();
    }
  });
});

describe('trackMany', () => {
  it('starts each target on its frame and gives every frame all started targets', async () => {
    multi.clear();
    const { frames, gt, othersGt } = crossing;
    const out = await lastValueFrom(
      from(frames.slice(0, 12)).pipe(
        trackMany([{ box: gt[0] as Box }, { box: othersGt[0][6] as Box, frameIndex: 6, id: 5 }], {
          tracker: multi,
        }),
        toArray(),
      ),
    );
    multi.clear();
    expect(out.map((r) => r.frameIndex)).toEqual(frames.slice(0, 12).map((f) => f.index));
    expect(out[5].targets.map((t) => t.id)).toEqual([1]);
    expect(out[6].targets.map((t) => t.id)).toEqual([1, 5]);
    expect(out[11].targets.map((t) => t.id)).toEqual([1, 5]);
    expect(iou(out[6].targets[1].box, othersGt[0][6] as Box)).toBeGreaterThan(0.9);
  });
});

describe('createMultiTracker (tfjs engine) tensors', () => {
  it('keeps the tensor count steady with targets added and removed over 400 frames', async () => {
    const t = await createMultiTracker({ engine: 'tfjs', preset: 'fast' });
    try {
      const seq = renderSequence({
        seed: 0x7e45,
        frames: 40,
        width: 160,
        height: 120,
        target: () => ({ cx: 50, cy: 60, width: 24, height: 24 }),
        others: [() => ({ cx: 110, cy: 60, width: 24, height: 24 })],
      });
      const boxes = [seq.gt[0] as Box, seq.othersGt[0][0] as Box];
      await t.add(seq.frames[0], boxes[0]);
      const counts: number[] = [];
      for (let f = 1; f <= 400; f++) {
        const frame = { ...seq.frames[f % seq.frames.length], index: f };
        // The second target comes and goes every 50 frames.
        if (f % 100 === 0) t.remove(2);
        if (f % 100 === 50) await t.add(frame, boxes[1], 2);
        await t.update(frame);
        if (f % 100 === 99) counts.push((await t.numTensors())[0]);
      }
      expect(counts.length).toBe(4);
      expect(new Set(counts).size, `tensor counts ${counts.join(', ')}`).toBe(1);
    } finally {
      await t.dispose();
    }
  }, 120_000);
});

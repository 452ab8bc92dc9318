/**
 * The tracker (default preset, in-process) on generated sequences that each stress one thing:
 * a tiny target, a target whose aspect ratio changes by 2×, a target that leaves the frame and
 * comes back elsewhere, and the cost of searching for it while it is lost. The sequences are
 * rendered in memory by test/helpers/synthetic.ts (seeded, exact ground truth, 320×240), so no
 * video file is involved.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTracker, type Tracker } from '../../src/track/index.js';
import { Searcher } from '../../src/track/searcher.js';
import { iou } from '../../src/eval/metrics.js';
import type { Box, TrackResult } from '../../src/types.js';
import { renderSequence, type SyntheticSequence, type SyntheticSpec } from '../helpers/synthetic.js';
import {
  aspectChangeSequence,
  exitReenterSequence,
  tinyTargetSequence,
} from '../helpers/synthetic-scenarios.js';
import { SLOW_TEST_TIMEOUT_MS } from '../helpers/timeouts.js';

// Real processes, decoding or training: each test's deadlock guard is 10 min (test/helpers/timeouts.ts).
vi.setConfig({ testTimeout: SLOW_TEST_TIMEOUT_MS });

/** Mean IoU over every frame after the first for the 10×10 target. */
const TINY_MIN_MEAN_IOU = 0.6;
/** Mean relative error of the box's aspect (w/h) over the last 20 % of frames. */
const MAX_ASPECT_ERROR = 0.25;
/** Fraction of the frames with the target wholly outside the frame that must say `lost`. */
const MIN_LOST_RECALL = 0.9;
/** Frames after the target is wholly back by which it must be found again (IoU > 0.3, not lost). */
const MAX_REACQUIRE_FRAMES = 10;
/**
 * Pixels fed to the trunk on any one frame while lost over the mean while tracking: the trunk is
 * most of a frame's cost, and a count cannot depend on how busy the machine is (the wall-clock
 * ratio this replaced failed at 3.04 on a loaded run; bench/track times the tracker).
 */
const MAX_LOST_COST_RATIO = 3;

let tracker: Tracker;

beforeAll(async () => {
  tracker = await createTracker();
});

afterAll(() => tracker?.dispose());

/** Inits on the first ground-truth box, then updates on every later frame. */
async function run(seq: SyntheticSequence, t: Tracker = tracker): Promise<TrackResult[]> {
  const results = [await t.init(seq.frames[0], seq.gt[0] as Box)];
  for (let i = 1; i < seq.frames.length; i++) results.push(await t.update(seq.frames[i]));
  return results;
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** Mean over the last `fraction` of frames of |(w/h) reported ÷ (w/h) true − 1|. */
function tailAspectError(seq: SyntheticSequence, results: TrackResult[], fraction = 0.2): number {
  const from = Math.floor(results.length * (1 - fraction));
  return mean(
    results.slice(from).map((r, k) => {
      const g = seq.gt[from + k] as Box;
      return Math.abs(r.box.width / r.box.height / (g.width / g.height) - 1);
    }),
  );
}

describe('the synthetic sequences', () => {
  const spec: SyntheticSpec = {
    seed: 7,
    frames: 6,
    target: (f) => ({ cx: 100 + 2 * f, cy: 90, width: 30, height: 24 }),
  };

  it('are deterministic, and their ground truth is the target box clipped to the frame', () => {
    const a = renderSequence(spec);
    const b = renderSequence(spec);
    expect(a.frames.map((f) => Buffer.from(f.data).equals(Buffer.from(b.frames[f.index].data)))).toEqual(
      Array(6).fill(true),
    );
    expect(a.frames[2]).toMatchObject({ index: 2, width: 320, height: 240, timestampMs: 2000 / 30 });
    expect(a.frames[2].data).toHaveLength(320 * 240 * 3);
    expect(a.gt[2]).toEqual({ x: 89, y: 78, width: 30, height: 24 });
    const out = renderSequence({
      ...spec,
      target: (f) => ({ cx: 310 + 10 * f, cy: 90, width: 20, height: 20 }),
    });
    expect(out.gt[0]).toEqual({ x: 300, y: 80, width: 20, height: 20 });
    expect(out.gt[1]).toEqual({ x: 310, y: 80, width: 10, height: 20 });
    expect(out.visible.slice(0, 4)).toEqual([1, 0.5, 0, 0]);
    expect(out.gt[2]).toBeNull();
  });

  it('draw a target that stands out from the background it covers and is itself textured', () => {
    const seq = renderSequence(spec);
    const bare = renderSequence({ ...spec, drawTarget: false });
    const g = seq.gt[3] as Box;
    let diff = 0;
    const luma: number[] = [];
    for (let y = g.y; y < g.y + g.height; y++) {
      for (let x = g.x; x < g.x + g.width; x++) {
        const i = (y * 320 + x) * 3;
        for (let k = 0; k < 3; k++) diff += Math.abs(seq.frames[3].data[i + k] - bare.frames[3].data[i + k]);
        const d = seq.frames[3].data;
        luma.push(0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2]);
      }
    }
    expect(diff / (g.width * g.height * 3)).toBeGreaterThan(15);
    const m = mean(luma);
    expect(Math.sqrt(mean(luma.map((v) => (v - m) ** 2)))).toBeGreaterThan(15);
  });
});

describe('a tiny target (10×10 px, 1–2.5 px/frame, panning camera)', () => {
  let seq: SyntheticSequence;
  let results: TrackResult[];

  beforeAll(async () => {
    seq = tinyTargetSequence();
    results = await run(seq);
  });

  it(`is followed with mean IoU above ${TINY_MIN_MEAN_IOU}`, () => {
    const ious = results.slice(1).map((r) => iou(r.box, seq.gt[r.frameIndex] as Box));
    expect(mean(ious), 'mean IoU').toBeGreaterThan(TINY_MIN_MEAN_IOU);
  });
});

// The `shape` preset estimates width and height from the box itself (the default keeps the
// aspect: estimating it lost accuracy on both folds of the shared data, docs/tracker.md).
describe.each(['wide', 'tall'] as const)(
  'a target whose aspect ratio changes by 2× (%s, shape preset)',
  (to) => {
    let seq: SyntheticSequence;
    let results: TrackResult[];
    let shaped: Tracker;

    beforeAll(async () => {
      seq = aspectChangeSequence(to);
      shaped = await createTracker({ preset: 'shape' });
      results = await run(seq, shaped);
    });

    afterAll(() => shaped?.dispose());

    it(`ends with the box's aspect within ${MAX_ASPECT_ERROR * 100} % of the target's`, () => {
      const g = seq.gt[seq.gt.length - 1] as Box;
      expect(g.width / g.height).toBeCloseTo(to === 'wide' ? 2 : 0.5, 6); // the sequence does change by 2×
      expect(tailAspectError(seq, results), 'mean aspect error, last 20 %').toBeLessThanOrEqual(
        MAX_ASPECT_ERROR,
      );
    });
  },
);

/** How far from where it left the target comes back: beyond the widened local search, so only the frame-wide sweep finds it. */
const REENTRY_SHIFT_PX = 125;

describe(`a target that leaves the frame and comes back ${REENTRY_SHIFT_PX} px from where it left`, () => {
  let seq: SyntheticSequence;
  let results: TrackResult[];
  /** Frames with the target wholly outside. */
  let out: number[];
  /** The first frame with the target wholly back inside. */
  let back: number;

  beforeAll(async () => {
    seq = exitReenterSequence(REENTRY_SHIFT_PX);
    results = await run(seq);
    out = seq.gt.flatMap((g, i) => (g === null ? [i] : []));
    back = seq.visible.findIndex((v, i) => i > out[out.length - 1] && v === 1);
  });

  it('is tracked until it starts to leave', () => {
    expect(out.length).toBeGreaterThanOrEqual(18);
    const leaving = seq.visible.findIndex((v) => v < 1);
    const ious = results.slice(1, leaving).map((r) => iou(r.box, seq.gt[r.frameIndex] as Box));
    expect(mean(ious), 'mean IoU before it leaves').toBeGreaterThan(0.5);
  });

  it(`is reported lost on at least ${MIN_LOST_RECALL * 100} % of the frames it is out`, () => {
    const recall = out.filter((i) => results[i].lost).length / out.length;
    expect(recall, 'lost recall while out').toBeGreaterThanOrEqual(MIN_LOST_RECALL);
  });

  it(`is found again within ${MAX_REACQUIRE_FRAMES} frames of being wholly back, and kept`, () => {
    const found = results.findIndex((r, i) => i >= back && !r.lost && iou(r.box, seq.gt[i] as Box) > 0.3);
    expect(found, 'first frame found again').toBeGreaterThanOrEqual(back);
    expect(found - back, 'frames to re-acquire').toBeLessThanOrEqual(MAX_REACQUIRE_FRAMES);
    const tail = results.slice(-15);
    expect(tail.every((r) => !r.lost && iou(r.box, seq.gt[r.frameIndex] as Box) > 0.3)).toBe(true);
  });

  it('is taken back on a second sighting (confirmFound): one frame after a single sighting would take it', async () => {
    const once = await createTracker({ confirmFound: false });
    try {
      const single = await run(seq, once);
      const backAt = (rs: TrackResult[]): number => rs.findIndex((r, i) => i > out[0] && !r.lost);
      expect(backAt(single)).toBeGreaterThan(out[0]);
      expect(backAt(results)).toBe(backAt(single) + 1);
    } finally {
      await once.dispose();
    }
  });

  it(`searches while lost at most ${MAX_LOST_COST_RATIO}× the trunk input of a tracking frame`, async () => {
    // Every crop a frame's searches embed (the first search, and a re-centred one): its pixels.
    let fed = 0;
    const planNear = Searcher.prototype.planNear;
    const planRecentre = Searcher.prototype.planRecentre;
    const near = vi.spyOn(Searcher.prototype, 'planNear').mockImplementation(function (
      this: Searcher,
      ...args
    ) {
      const plan = planNear.apply(this, args);
      fed += plan.regions.length * plan.size ** 2;
      return plan;
    });
    const again = vi.spyOn(Searcher.prototype, 'planRecentre').mockImplementation(function (
      this: Searcher,
      ...args
    ) {
      const plan = planRecentre.apply(this, args);
      if (plan) fed += plan.regions.length * plan.size ** 2;
      return plan;
    });
    const t = await createTracker();
    try {
      const perFrame: Array<{ lost: boolean; pixels: number }> = [];
      await t.init(seq.frames[0], seq.gt[0] as Box);
      for (let i = 1; i < seq.frames.length; i++) {
        fed = 0;
        const r = await t.update(seq.frames[i]);
        perFrame.push({ lost: r.lost, pixels: fed });
      }
      const tracking = perFrame.filter((f) => !f.lost).map((f) => f.pixels);
      const lost = perFrame.filter((f) => f.lost).map((f) => f.pixels);
      expect(lost.length).toBeGreaterThanOrEqual(10);
      expect(mean(tracking)).toBeGreaterThan(0); // the spies saw the searches
      // No lost frame embeds more than MAX_LOST_COST_RATIO tracking frames do (most embed nothing:
      // the searches while lost come every few frames; measured: 1.5× at most, 0.04× on average).
      const ratio = Math.max(...lost) / mean(tracking);
      expect(ratio, "largest lost frame's trunk pixels / a tracking frame's").toBeLessThanOrEqual(
        MAX_LOST_COST_RATIO,
      );
    } finally {
      near.mockRestore();
      again.mockRestore();
      await t.dispose();
    }
  });
});

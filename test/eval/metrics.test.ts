import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  OTB_THRESHOLDS,
  centreError,
  iou,
  precisionAt,
  scoreSequence,
  successAuc,
  successCurve,
  type GroundTruthBox,
} from '../../src/eval/metrics.js';
import type { Box } from '../../src/types.js';
import { SHARED_DATA } from '../helpers/shared-data.js';
import { mulberry32 } from '../../src/util/prng.js';

const box = (x: number, y: number, width: number, height: number): Box => ({ x, y, width, height });

const rng = mulberry32;

/** A made-up sequence: GT wandering about, some frames absent, predictions near (sometimes far from) it. */
function madeUp(n: number, seed = 7): { pred: Box[]; gt: GroundTruthBox[] } {
  const r = rng(seed);
  const pred: Box[] = [];
  const gt: GroundTruthBox[] = [];
  for (let i = 0; i < n; i++) {
    const g = box(50 + 100 * r(), 40 + 80 * r(), 10 + 60 * r(), 10 + 60 * r());
    gt.push(i % 9 === 4 ? null : g);
    const far = r() < 0.15;
    pred.push(
      box(
        g.x + (far ? 80 : 12) * (r() - 0.5),
        g.y + (far ? 80 : 12) * (r() - 0.5),
        g.width * (0.7 + 0.6 * r()),
        g.height * (0.7 + 0.6 * r()),
      ),
    );
  }
  pred[0] = gt[0]!; // frame 1 counts with the init box
  // Exact-threshold cases: IoU exactly 0.5 and centre error exactly 20.
  gt[1] = box(0, 0, 10, 10);
  pred[1] = box(0, 0, 10, 5);
  gt[2] = box(100, 100, 30, 30);
  pred[2] = box(120, 100, 30, 30);
  return { pred, gt };
}

/**
 * A line-by-line transcription of opencv_peers.py's `iou` and `score` (numpy → arrays), kept
 * deliberately naive so that it checks the library code rather than sharing its structure.
 */
function peersScore(
  pred: Box[],
  gt: GroundTruthBox[],
): { auc: number; p20: number; op50: number; mean_iou: number; n: number } {
  const ok = gt.map((g) => g !== null && [g.x, g.y, g.width, g.height].every(Number.isFinite));
  const p = pred.filter((_, i) => ok[i]).map((b) => [b.x, b.y, b.width, b.height]);
  const g = gt.filter((_, i) => ok[i]).map((b) => [b!.x, b!.y, b!.width, b!.height]);
  const o = p.map((a, i) => {
    const b = g[i];
    const iw = Math.max(Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0]), 0);
    const ih = Math.max(Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]), 0);
    const inter = iw * ih;
    const union = a[2] * a[3] + b[2] * b[3] - inter;
    return union > 0 ? inter / Math.max(union, 1e-12) : 0;
  });
  const ce = p.map((a, i) =>
    Math.hypot(a[0] + a[2] / 2 - (g[i][0] + g[i][2] / 2), a[1] + a[3] / 2 - (g[i][1] + g[i][3] / 2)),
  );
  const thrs: number[] = [];
  for (let i = 0; 0 + i * 0.05 < 1.0001; i++) thrs.push(0 + i * 0.05); // numpy arange(0, 1.0001, 0.05)
  const avg = (v: number[]): number => v.reduce((s, x) => s + x, 0) / v.length;
  const succ = thrs.map((t) => avg(o.map((v) => (v > t ? 1 : 0))));
  return {
    auc: avg(succ),
    p20: avg(ce.map((v) => (v <= 20 ? 1 : 0))),
    op50: avg(o.map((v) => (v > 0.5 ? 1 : 0))),
    mean_iou: avg(o),
    n: o.length,
  };
}

describe('iou and centreError', () => {
  it('is 1 for identical boxes and 0 for disjoint ones', () => {
    expect(iou(box(3, 4, 10, 20), box(3, 4, 10, 20))).toBeCloseTo(1, 12);
    expect(iou(box(0, 0, 10, 10), box(20, 20, 5, 5))).toBe(0);
    expect(iou(box(0, 0, 10, 10), box(10, 0, 10, 10))).toBe(0); // touching edges
  });

  it('gives the known overlap of shifted boxes', () => {
    // Shift by half a width: intersection 50, union 150.
    expect(iou(box(0, 0, 10, 10), box(5, 0, 10, 10))).toBeCloseTo(1 / 3, 12);
    // Shift by (2, 2) on a 10x10 box: 8*8 / (200 - 64).
    expect(iou(box(0, 0, 10, 10), box(2, 2, 10, 10))).toBeCloseTo(64 / 136, 12);
    // A box inside another: 25 / 100.
    expect(iou(box(0, 0, 10, 10), box(2, 2, 5, 5))).toBeCloseTo(0.25, 12);
    expect(centreError(box(0, 0, 10, 10), box(3, 4, 10, 10))).toBeCloseTo(5, 12);
  });

  it('is 0 (not NaN) when both boxes are empty', () => {
    expect(iou(box(0, 0, 0, 0), box(0, 0, 0, 0))).toBe(0);
  });
});

describe('OTB scores', () => {
  it('uses the 21 thresholds 0, 0.05, …, 1 (numpy arange doubles)', () => {
    expect(OTB_THRESHOLDS).toHaveLength(21);
    expect(OTB_THRESHOLDS[0]).toBe(0);
    expect(OTB_THRESHOLDS[3]).toBe(0.15000000000000002);
    expect(OTB_THRESHOLDS[20]).toBe(1);
  });

  it('scores a perfect prediction 20/21 AUC (IoU 1 is not > 1) and P@20 = 1', () => {
    const gt = Array.from({ length: 30 }, (_, i) => box(10 + i, 20, 30, 40));
    const pred = gt.map((b) => ({ ...b }));
    expect(successAuc(pred, gt)).toBeCloseTo(20 / 21, 12);
    expect(
      successCurve(pred, gt)
        .slice(0, 20)
        .every((v) => v === 1),
    ).toBe(true);
    expect(successCurve(pred, gt)[20]).toBe(0);
    expect(precisionAt(pred, gt)).toBe(1);
  });

  it('scores a constant shift from the known IoU', () => {
    const gt = Array.from({ length: 10 }, () => box(0, 0, 10, 10));
    const pred = gt.map((b) => ({ ...b, x: b.x + 5 })); // IoU 1/3, centre error 5
    const curve = successCurve(pred, gt);
    // IoU 1/3 > t for t = 0 … 0.3 (7 thresholds).
    expect(curve.filter((v) => v === 1)).toHaveLength(7);
    expect(successAuc(pred, gt)).toBeCloseTo(7 / 21, 12);
    expect(precisionAt(pred, gt)).toBe(1);
    expect(precisionAt(pred, gt, 4.99)).toBe(0);
  });

  it('counts IoU exactly at a threshold as a miss and a 20 px error as a hit', () => {
    const gt = [box(0, 0, 10, 10), box(100, 100, 30, 30)];
    const pred = [box(0, 0, 10, 5), box(120, 100, 30, 30)]; // IoU 0.5; centre error 20
    expect(iou(pred[0], gt[0])).toBe(0.5);
    expect(successCurve(pred, gt)[10]).toBe(0); // the 0.5 threshold: 0.5 is not > 0.5, the other IoU is 0
    expect(centreError(pred[1], gt[1])).toBe(20);
    expect(precisionAt(pred, gt)).toBe(1);
    expect(precisionAt(pred, gt, 19.999)).toBe(0.5);
  });

  it('skips frames whose ground truth is nan', () => {
    const gt: GroundTruthBox[] = [
      box(0, 0, 10, 10),
      null,
      box(0, 0, 10, 10),
      { x: NaN, y: NaN, width: NaN, height: NaN },
    ];
    const pred = [box(0, 0, 10, 10), box(500, 500, 1, 1), box(0, 0, 10, 10), box(900, 0, 1, 1)];
    expect(successAuc(pred, gt)).toBeCloseTo(20 / 21, 12);
    expect(precisionAt(pred, gt)).toBe(1);
    expect(scoreSequence(pred, gt).scoredFrames).toBe(2);
  });

  it('is NaN without any scored frame and throws on mismatched lengths', () => {
    expect(successAuc([box(0, 0, 1, 1)], [null])).toBeNaN();
    expect(() => successAuc([box(0, 0, 1, 1)], [])).toThrow(RangeError);
  });

  it('agrees with a transcription of opencv_peers.py on a made-up prediction set', () => {
    const { pred, gt } = madeUp(200);
    const ours = scoreSequence(pred, gt);
    const peers = peersScore(pred, gt);
    expect(ours.auc).toBe(peers.auc);
    expect(ours.p20).toBe(peers.p20);
    expect(ours.op50).toBe(peers.op50);
    expect(ours.meanIou).toBeCloseTo(peers.mean_iou, 12);
    expect(ours.scoredFrames).toBe(peers.n);
    expect(successAuc(pred, gt)).toBe(ours.auc);
    expect(precisionAt(pred, gt)).toBe(ours.p20);
    // Sanity: the set is neither trivial nor hopeless.
    expect(ours.auc).toBeGreaterThan(0.2);
    expect(ours.auc).toBeLessThan(0.9);
  });

  // ../shared/tools beside the repo, as ../shared/data (not a fixed absolute path).
  const peersScript = path.resolve(SHARED_DATA, '../tools/opencv_peers.py');
  const python = '/usr/bin/python3';
  const canRunPeers = existsSync(peersScript) && existsSync(python);
  if (!canRunPeers) console.warn(`[skip] cross-check with ${peersScript}: script or ${python} absent.`);

  it.skipIf(!canRunPeers)('gives the same numbers as opencv_peers.py score() itself', (ctx) => {
    const { pred, gt } = madeUp(300, 11);
    const rows = (bs: GroundTruthBox[]): number[][] =>
      bs.map((b) => (b ? [b.x, b.y, b.width, b.height] : [NaN, NaN, NaN, NaN]));
    const program = [
      'import sys, json, importlib.util, numpy as np',
      `spec = importlib.util.spec_from_file_location("peers", ${JSON.stringify(peersScript)})`,
      'm = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)',
      'd = json.load(sys.stdin)',
      'print(json.dumps(m.score(np.array(d["pred"], float), np.array(d["gt"], float))))',
    ].join('\n');
    const input = JSON.stringify({ pred: rows(pred), gt: rows(gt) }).replace(/null/g, 'NaN');
    const r = spawnSync(python, ['-c', program], { input, encoding: 'utf8' });
    if (r.status !== 0 && /No module named/.test(r.stderr)) {
      console.warn(`[skip] opencv_peers.py cannot be imported: ${r.stderr.trim().split('\n').pop()}`);
      ctx.skip();
    }
    expect(r.status, r.stderr).toBe(0);
    const peers = JSON.parse(r.stdout) as {
      auc: number;
      p20: number;
      op50: number;
      mean_iou: number;
      n: number;
    };
    const ours = scoreSequence(pred, gt);
    expect(ours.auc).toBeCloseTo(peers.auc, 12);
    expect(ours.p20).toBeCloseTo(peers.p20, 12);
    expect(ours.op50).toBeCloseTo(peers.op50, 12);
    expect(ours.meanIou).toBeCloseTo(peers.mean_iou, 12);
    expect(ours.scoredFrames).toBe(peers.n);
  });
});

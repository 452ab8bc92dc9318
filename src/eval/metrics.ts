/**
 * OTB one-pass-evaluation metrics, as pure functions on plain boxes.
 *
 * The formulas follow Wu, Lim & Yang, "Online Object Tracking: A Benchmark" (CVPR 2013), §4.1
 * (precision plot: centre location error ≤ 20 px; success plot: overlap S = |a∩b| / |a∪b|,
 * area under the curve over thresholds 0…1), and match `/work/shared/tools/opencv_peers.py`
 * number for number, so that our tracker and the OpenCV peers are scored identically:
 *
 * - thresholds are `i * 0.05` for i = 0…20 (numpy's `arange(0, 1.0001, 0.05)` computes exactly
 *   these doubles, e.g. 0.15000000000000002);
 * - success at threshold t is the fraction of frames with IoU **strictly greater** than t, so a
 *   perfect prediction scores 20/21 ≈ 0.952, not 1 (IoU 1 is not > 1);
 * - P@20 counts centre errors **≤** 20 px;
 * - frames whose ground truth is absent (`nan` line, here `null`) are skipped entirely;
 * - a pair with zero union has IoU 0.
 */
import { iou } from '../track/box.js';
import type { Box } from '../types.js';

/** A ground-truth entry: a box, or `null` where the target is absent / not annotated (`nan` line). */
export type GroundTruthBox = Box | null;

/** The 21 OTB overlap thresholds 0, 0.05, …, 1 (the same doubles as opencv_peers.py's `THRS`). */
export const OTB_THRESHOLDS: readonly number[] = Object.freeze(
  Array.from({ length: 21 }, (_, i) => i * 0.05),
);

/** The centre-error threshold of the OTB precision score, in pixels. */
export const OTB_PRECISION_PX = 20;

/** True when `b` is a usable ground-truth box (present, all four numbers finite). */
export function isValidGt(b: GroundTruthBox | undefined): b is Box {
  return (
    b != null &&
    Number.isFinite(b.x) &&
    Number.isFinite(b.y) &&
    Number.isFinite(b.width) &&
    Number.isFinite(b.height)
  );
}

/** Intersection over union of two boxes (x, y, width, height); 0 when the union is empty (the tracker's own, src/track/box.ts). */
export { iou };

/** Euclidean distance between the two box centres, in pixels. */
export function centreError(a: Box, b: Box): number {
  return Math.hypot(a.x + a.width / 2 - (b.x + b.width / 2), a.y + a.height / 2 - (b.y + b.height / 2));
}

/** The (prediction, ground truth) pairs that count: frames whose ground truth is valid. */
function scoredPairs(pred: readonly Box[], gt: readonly GroundTruthBox[]): Array<[Box, Box]> {
  if (pred.length !== gt.length) {
    throw new RangeError(
      `Expected as many predictions as ground-truth lines, got ${pred.length} and ${gt.length}`,
    );
  }
  const pairs: Array<[Box, Box]> = [];
  for (let i = 0; i < gt.length; i++) {
    const g = gt[i];
    if (isValidGt(g)) pairs.push([pred[i], g]);
  }
  return pairs;
}

/** IoU per scored frame (frames with absent ground truth left out). */
export function overlaps(pred: readonly Box[], gt: readonly GroundTruthBox[]): number[] {
  return scoredPairs(pred, gt).map(([p, g]) => iou(p, g));
}

/** Centre error per scored frame (frames with absent ground truth left out). */
export function centreErrors(pred: readonly Box[], gt: readonly GroundTruthBox[]): number[] {
  return scoredPairs(pred, gt).map(([p, g]) => centreError(p, g));
}

function fraction(values: readonly number[], keep: (v: number) => boolean): number {
  if (values.length === 0) return Number.NaN;
  let n = 0;
  for (const v of values) if (keep(v)) n++;
  return n / values.length;
}

/**
 * The success curve: for each threshold t, the fraction of scored frames with IoU > t.
 * NaN everywhere when no frame has ground truth.
 */
export function successCurve(
  pred: readonly Box[],
  gt: readonly GroundTruthBox[],
  thresholds: readonly number[] = OTB_THRESHOLDS,
): number[] {
  const o = overlaps(pred, gt);
  return thresholds.map((t) => fraction(o, (v) => v > t));
}

/** Area under the success curve: the mean of {@link successCurve} over its thresholds. */
export function successAuc(
  pred: readonly Box[],
  gt: readonly GroundTruthBox[],
  thresholds: readonly number[] = OTB_THRESHOLDS,
): number {
  return mean(successCurve(pred, gt, thresholds));
}

/** Precision at `px` pixels: the fraction of scored frames whose centre error is ≤ `px`. */
export function precisionAt(
  pred: readonly Box[],
  gt: readonly GroundTruthBox[],
  px = OTB_PRECISION_PX,
): number {
  return fraction(centreErrors(pred, gt), (v) => v <= px);
}

/** Arithmetic mean; NaN for an empty list. */
export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

/** Every score of one sequence, computed once. */
export interface SequenceScore {
  /** Area under the success curve. */
  auc: number;
  /** Precision at 20 px. */
  p20: number;
  /** Fraction of frames with IoU > 0.5. */
  op50: number;
  /** Mean IoU over scored frames. */
  meanIou: number;
  /** Number of scored frames (ground truth present). */
  scoredFrames: number;
  /** The success curve over {@link OTB_THRESHOLDS}. */
  curve: number[];
}

/** Scores one sequence by the OTB protocol (the same fields as opencv_peers.py's `score`). */
export function scoreSequence(pred: readonly Box[], gt: readonly GroundTruthBox[]): SequenceScore {
  const o = overlaps(pred, gt);
  const curve = OTB_THRESHOLDS.map((t) => fraction(o, (v) => v > t));
  return {
    auc: mean(curve),
    p20: precisionAt(pred, gt),
    op50: fraction(o, (v) => v > 0.5),
    meanIou: mean(o),
    scoredFrames: o.length,
    curve,
  };
}

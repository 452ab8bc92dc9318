/**
 * How well the tracker's `lost` flag tells when the target is absent. The ground truth's `nan`
 * lines mark frames where the target is not visible (out of view, fully occluded); a tracker
 * that says `lost` on exactly those frames lets a caller trust its boxes when it does not.
 *
 * Treating "absent" as the positive class: a true positive is a frame reported lost whose
 * ground truth is `nan`; precision = TP / frames reported lost, recall = TP / `nan` frames.
 * Pure functions on plain arrays.
 */
import { isValidGt, type GroundTruthBox } from './metrics.js';

/** The `lost` flag against the absent (`nan`) frames of one sequence, or pooled over several. */
export interface LostVsAbsent {
  /** Frames whose ground truth is `nan`. */
  absentFrames: number;
  /** Frames the tracker reported lost. */
  lostFrames: number;
  /** Frames reported lost whose ground truth is `nan`. */
  lostOnAbsent: number;
  /** lostOnAbsent / lostFrames: NaN (null in JSON) when no frame was reported lost. */
  precision: number;
  /** lostOnAbsent / absentFrames. */
  recall: number;
}

/** The pooled figure: counts summed over the sequences with absent frames, then the ratios. */
export interface PooledLostVsAbsent extends LostVsAbsent {
  /** Sequences pooled (those with at least one `nan` frame). */
  sequences: number;
}

const ratio = (n: number, d: number): number => (d > 0 ? n / d : Number.NaN);

/**
 * Precision and recall of the per-frame `lost` flags against the `nan` frames of `gt`; `null`
 * when `gt` has no `nan` frame (there is nothing to detect, and every lost flag would be wrong
 * by definition, which says nothing about absence).
 * @throws RangeError when the two arrays differ in length.
 */
export function lostVsAbsent(lost: readonly boolean[], gt: readonly GroundTruthBox[]): LostVsAbsent | null {
  if (lost.length !== gt.length) {
    throw new RangeError(
      `Expected as many lost flags as ground-truth lines, got ${lost.length} and ${gt.length}`,
    );
  }
  let absentFrames = 0;
  let lostFrames = 0;
  let lostOnAbsent = 0;
  for (let i = 0; i < gt.length; i++) {
    const absent = !isValidGt(gt[i]);
    if (absent) absentFrames++;
    if (lost[i]) lostFrames++;
    if (absent && lost[i]) lostOnAbsent++;
  }
  if (absentFrames === 0) return null;
  return {
    absentFrames,
    lostFrames,
    lostOnAbsent,
    precision: ratio(lostOnAbsent, lostFrames),
    recall: ratio(lostOnAbsent, absentFrames),
  };
}

/**
 * Pools per-sequence figures (the `null`s, sequences without absent frames, are left out):
 * the counts are summed and the ratios taken on the sums, so long sequences weigh more (a
 * micro-average, unlike the plain mean of AUC over sequences). `null` when none is left.
 */
export function poolLostVsAbsent(items: ReadonlyArray<LostVsAbsent | null>): PooledLostVsAbsent | null {
  const kept = items.filter((x): x is LostVsAbsent => x != null);
  if (kept.length === 0) return null;
  const sum = (f: (x: LostVsAbsent) => number): number => kept.reduce((acc, x) => acc + f(x), 0);
  const absentFrames = sum((x) => x.absentFrames);
  const lostFrames = sum((x) => x.lostFrames);
  const lostOnAbsent = sum((x) => x.lostOnAbsent);
  return {
    sequences: kept.length,
    absentFrames,
    lostFrames,
    lostOnAbsent,
    precision: ratio(lostOnAbsent, lostFrames),
    recall: ratio(lostOnAbsent, absentFrames),
  };
}

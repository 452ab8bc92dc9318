/** Precision and recall of the tracker's `lost` flag against the absent (`nan`) frames. */
import { describe, expect, it } from 'vitest';
import { lostVsAbsent, poolLostVsAbsent, type LostVsAbsent } from '../../src/eval/lost-vs-absent.js';
import type { GroundTruthBox } from '../../src/eval/metrics.js';

const B = { x: 10, y: 10, width: 20, height: 20 };
const T = true;
const F = false;

describe('lostVsAbsent', () => {
  it('counts lost-on-absent against lost frames (precision) and absent frames (recall)', () => {
    //            0  1  2     3     4     5  6
    const gt: GroundTruthBox[] = [B, B, null, null, null, B, null];
    const lost = [F, T, T, T, F, F, F];
    // Lost on 1, 2, 3; absent on 2, 3, 4, 6: TP = 2 (frames 2, 3).
    expect(lostVsAbsent(lost, gt)).toEqual({
      absentFrames: 4,
      lostFrames: 3,
      lostOnAbsent: 2,
      precision: 2 / 3,
      recall: 2 / 4,
    });
  });

  it('is perfect when lost exactly on the absent frames, and 0 / 0 when exactly off them', () => {
    const gt: GroundTruthBox[] = [B, null, B, null];
    expect(lostVsAbsent([F, T, F, T], gt)).toMatchObject({ precision: 1, recall: 1 });
    expect(lostVsAbsent([T, F, T, F], gt)).toMatchObject({ lostOnAbsent: 0, precision: 0, recall: 0 });
  });

  it('has NaN precision when nothing was reported lost (recall 0)', () => {
    const r = lostVsAbsent([F, F, F], [B, null, B])!;
    expect(r.precision).toBeNaN();
    expect(r.recall).toBe(0);
  });

  it('treats a box with a NaN field as absent, like the scoring', () => {
    expect(lostVsAbsent([F, T], [B, { ...B, width: Number.NaN }])).toMatchObject({
      absentFrames: 1,
      recall: 1,
    });
  });

  it('is null for a sequence without absent frames, whatever the flags', () => {
    expect(lostVsAbsent([F, T, T], [B, B, B])).toBeNull();
  });

  it('refuses arrays of different lengths', () => {
    expect(() => lostVsAbsent([F, T], [B, B, null])).toThrow(RangeError);
  });
});

describe('poolLostVsAbsent', () => {
  const a: LostVsAbsent = { absentFrames: 2, lostFrames: 2, lostOnAbsent: 2, precision: 1, recall: 1 };
  const b: LostVsAbsent = { absentFrames: 8, lostFrames: 2, lostOnAbsent: 0, precision: 0, recall: 0 };

  it('sums the counts and takes the ratios on the sums (not the mean of the ratios)', () => {
    expect(poolLostVsAbsent([a, null, b])).toEqual({
      sequences: 2,
      absentFrames: 10,
      lostFrames: 4,
      lostOnAbsent: 2,
      precision: 2 / 4,
      recall: 2 / 10, // the mean of the recalls would be 0.5
    });
  });

  it('is null when no sequence has absent frames', () => {
    expect(poolLostVsAbsent([null, null])).toBeNull();
    expect(poolLostVsAbsent([])).toBeNull();
  });
});

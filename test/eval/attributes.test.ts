/**
 * Attribute tags: each derived tag on synthetic ground truth just over and exactly at its
 * threshold (the comparisons are strict), the OTB codes of meta.json text, and, when
 * ../shared/data is present, agreement with the `gt_stats` its meta.json files carry.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ASPECT_CHANGE_RATIO,
  FAST_MOTION_PER_SIZE,
  SCALE_CHANGE_RATIO,
  SMALL_TARGET_PX,
  deriveAttributes,
  parseOtbAttributes,
} from '../../src/eval/attributes.js';
import { parseGroundTruth } from '../../src/eval/groundtruth.js';
import type { GroundTruthBox } from '../../src/eval/metrics.js';
import type { Box } from '../../src/types.js';
import { SHARED_DATA, hasSharedData, noteSharedDataSkip } from '../helpers/shared-data.js';

/** A box of size w×h centred on (cx, cy). */
const at = (cx: number, cy: number, w: number, h: number): Box => ({
  x: cx - w / 2,
  y: cy - h / 2,
  width: w,
  height: h,
});

/** A still 30×30 target (no tag), with `frames` replacing some frames. */
function still(frames: Record<number, GroundTruthBox> = {}, n = 10): GroundTruthBox[] {
  return Array.from({ length: n }, (_, i) => (i in frames ? frames[i] : at(100, 100, 30, 30)));
}

describe('deriveAttributes', () => {
  it('gives no tag to a still, mid-sized target always present', () => {
    expect(deriveAttributes(still())).toEqual([]);
  });

  it('small: some √(w·h) below 20 px, not at 20', () => {
    expect(SMALL_TARGET_PX).toBe(20);
    expect(deriveAttributes(still({ 4: at(100, 100, 19.9, 20) }))).toEqual(['small']);
    expect(deriveAttributes(still({ 4: at(100, 100, 20, 20) }))).toEqual([]);
    // √(40·10) = 20 is not small; its aspect (4 against 1) is the only tag.
    expect(deriveAttributes(still({ 4: at(100, 100, 40, 10) }))).toEqual(['aspect-change']);
  });

  it('scale-change: max / min of √(w·h) above 2, not at 2', () => {
    expect(SCALE_CHANGE_RATIO).toBe(2);
    expect(deriveAttributes(still({ 7: at(100, 100, 60.2, 60) }))).toEqual(['scale-change']);
    expect(deriveAttributes(still({ 7: at(100, 100, 60, 60) }))).toEqual([]);
    // Grown slowly: no single step is fast, the whole sequence is a scale change.
    const growing = Array.from({ length: 30 }, (_, i) => at(100, 100, 25 + 2 * i, 25 + 2 * i));
    expect(deriveAttributes(growing)).toEqual(['scale-change']);
  });

  it('aspect-change: max / min of w/h above 2, not at 2', () => {
    expect(ASPECT_CHANGE_RATIO).toBe(2);
    // 30×30 (1) against 42.5×21 (2.02); sizes 30 and 29.9, no scale change.
    expect(deriveAttributes(still({ 3: at(100, 100, 42.5, 21) }))).toEqual(['aspect-change']);
    expect(deriveAttributes(still({ 3: at(100, 100, 42, 21) }))).toEqual([]);
    // Wide then tall at the same size: 2 / 0.5 = 4.
    expect(deriveAttributes([at(100, 100, 40, 20), at(100, 100, 20, 40)])).toEqual(['aspect-change']);
  });

  it('fast-motion: a centre step above half the earlier box size, not at half', () => {
    expect(FAST_MOTION_PER_SIZE).toBe(0.5);
    expect(deriveAttributes([at(100, 100, 30, 30), at(115.1, 100, 30, 30)])).toEqual(['fast-motion']);
    expect(deriveAttributes([at(100, 100, 30, 30), at(115, 100, 30, 30)])).toEqual([]);
    // Diagonal: the Euclidean distance counts (12² + 9² = 15²).
    expect(deriveAttributes([at(100, 100, 30, 30), at(112, 109, 30, 30)])).toEqual([]);
    expect(deriveAttributes([at(100, 100, 30, 30), at(112.1, 109, 30, 30)])).toEqual(['fast-motion']);
  });

  it('fast-motion divides by the earlier box, not the later one', () => {
    // 20 px step from a 30 px box (0.67) to a 60 px box (0.33 of it): fast.
    expect(deriveAttributes([at(100, 100, 30, 30), at(120, 100, 60, 60)])).toEqual(['fast-motion']);
    // The same step from the 60 px box to the 30 px one: 0.33, not fast.
    expect(deriveAttributes([at(100, 100, 60, 60), at(120, 100, 30, 30)])).toEqual([]);
  });

  it('absent: any nan frame; a jump across the gap is a reappearance, not fast motion', () => {
    expect(deriveAttributes(still({ 9: null }))).toEqual(['absent']);
    expect(deriveAttributes([at(100, 100, 30, 30), null, null, at(400, 300, 30, 30)])).toEqual(['absent']);
    // A box with a NaN field counts as absent too.
    expect(deriveAttributes(still({ 2: { x: Number.NaN, y: 1, width: 30, height: 30 } }))).toEqual([
      'absent',
    ]);
  });

  it('leaves zero-sized boxes out of size, aspect and motion (no Infinity ratio)', () => {
    expect(deriveAttributes(still({ 5: { x: 100, y: 100, width: 0, height: 30 } }))).toEqual([]);
  });

  it('lists every tag earned, in the documented order', () => {
    const gt: GroundTruthBox[] = [at(100, 100, 40, 40), at(200, 100, 40, 40), null, at(200, 100, 36, 10)];
    expect(deriveAttributes(gt)).toEqual(['small', 'scale-change', 'aspect-change', 'fast-motion', 'absent']);
  });
});

describe('parseOtbAttributes', () => {
  it('takes the OTB codes of a meta.json text, in the canonical order, once each', () => {
    expect(parseOtbAttributes('IV, OCC, DEF, OPR, BC  [OTB attr_list.txt, jwlim/tracker_benchmark]')).toEqual(
      ['IV', 'OCC', 'DEF', 'OPR', 'BC'],
    );
    expect(parseOtbAttributes('LR,FM;SV FM')).toEqual(['SV', 'FM', 'LR']);
    expect(parseOtbAttributes(['OV', 'MB', 'not a code'])).toEqual(['MB', 'OV']);
  });

  it('ignores free text, lowercase and longer words that contain a code', () => {
    expect(parseOtbAttributes('rotated-box GT; background clutter, deformation, camera motion')).toEqual([]);
    expect(parseOtbAttributes('aerial; UAV123 attrs not shipped (see REPORT)')).toEqual([]);
    expect(parseOtbAttributes('iv, sv, occ, Bc')).toEqual([]);
    expect(parseOtbAttributes('SVD, OCCLUSION, IVX, OTB')).toEqual([]);
  });

  it('gives [] for a missing or non-text value', () => {
    expect(parseOtbAttributes(null)).toEqual([]);
    expect(parseOtbAttributes(undefined)).toEqual([]);
    expect(parseOtbAttributes(42)).toEqual([]);
    expect(parseOtbAttributes([1, null])).toEqual([]);
  });
});

noteSharedDataSkip('attribute tags against meta.json gt_stats');

describe.skipIf(!hasSharedData)('deriveAttributes on ../shared/data', () => {
  it('agrees with the gt_stats of every meta.json that has them', () => {
    const root = path.join(SHARED_DATA, 'tracking');
    let checked = 0;
    for (const name of readdirSync(root)) {
      const meta = JSON.parse(readFileSync(path.join(root, name, 'meta.json'), 'utf8'));
      const st = meta.gt_stats;
      if (!st) continue;
      const gt = parseGroundTruth(readFileSync(path.join(root, name, 'groundtruth.txt'), 'utf8'));
      const expected = [
        st.size_sqrt_wh_min < SMALL_TARGET_PX && 'small',
        st.scale_ratio_max_over_min > SCALE_CHANGE_RATIO && 'scale-change',
        st.aspect_ratio_max_over_min > ASPECT_CHANGE_RATIO && 'aspect-change',
        st.center_motion_per_frame_over_size_max > FAST_MOTION_PER_SIZE && 'fast-motion',
        st.n_absent > 0 && 'absent',
      ].filter(Boolean);
      expect(deriveAttributes(gt), name).toEqual(expected);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(9);
  });
});

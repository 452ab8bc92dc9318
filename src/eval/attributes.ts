/**
 * Attribute tags of a sequence, for the evaluation's "AUC by attribute" breakdown (in the spirit
 * of Wu, Lim & Yang, CVPR 2013, §5.2 and Table 1, which score trackers per attribute).
 *
 * Two kinds of tag:
 * - **derived** from the ground truth itself (`small`, `scale-change`, `aspect-change`,
 *   `fast-motion`, `absent`), so that every sequence is tagged by the same rule, a user's own
 *   folder without `meta.json` included. Pure functions, no I/O.
 * - the **OTB codes** (`IV`, `SV`, `OCC`, …) when a sequence's `meta.json` `attributes` text
 *   carries them: these are annotated by hand in the benchmark and cannot be derived.
 *
 * The thresholds are those of `../shared/data` `meta.json`'s `attributes_from_gt`, and
 * {@link deriveAttributes} reproduces its `gt_stats` (e.g. car14's 2.425 box sizes per frame).
 */
import { isValidGt, type GroundTruthBox } from './metrics.js';
import type { Box } from '../types.js';

/**
 * A target whose size √(w·h) falls below this many pixels somewhere is `small`. 20 px is where
 * OTB draws its Low Resolution line (LR: fewer than 400 pixels in the box, i.e. √(w·h) < 20), and
 * where our trunk's stride-8 grid gives the target fewer than 3 cells a side (docs/tracker.md).
 */
export const SMALL_TARGET_PX = 20;

/**
 * `scale-change`: the largest size √(w·h) over the smallest is above this ratio. A factor 2 takes
 * some 18 frames at the tracker's best per-frame scale step (1.04), each a chance to drift; OTB's
 * SV uses the same factor (scale against the first frame outside [1/2, 2]).
 */
export const SCALE_CHANGE_RATIO = 2;

/**
 * `aspect-change`: the largest w/h over the smallest is above this ratio. A box that doubles its
 * aspect changes shape in a way a search over scale alone (one aspect) cannot follow.
 */
export const ASPECT_CHANGE_RATIO = 2;

/**
 * `fast-motion`: some centre displacement between two adjacent frames with a box, divided by the
 * earlier box's size √(w·h), is above this. Half the target's size in one frame moves it half out
 * of where it was, against the raised-cosine displacement penalty that favours the last position.
 */
export const FAST_MOTION_PER_SIZE = 0.5;

/** The tags derived from the ground truth, in the order they are listed. */
export const DERIVED_ATTRIBUTES = [
  'small',
  'scale-change',
  'aspect-change',
  'fast-motion',
  'absent',
] as const;

/**
 * The OTB attribute codes (Wu, Lim & Yang, CVPR 2013, Table 1): illumination variation, scale
 * variation, occlusion, deformation, motion blur, fast motion, in-plane rotation, out-of-plane
 * rotation, out of view, background clutter, low resolution.
 */
export const OTB_ATTRIBUTES = ['IV', 'SV', 'OCC', 'DEF', 'MB', 'FM', 'IPR', 'OPR', 'OV', 'BC', 'LR'] as const;

/** A tag derived from the ground truth. */
export type DerivedAttribute = (typeof DERIVED_ATTRIBUTES)[number];
/** An OTB attribute code. */
export type OtbAttribute = (typeof OTB_ATTRIBUTES)[number];
/** Any tag a sequence can carry in the summary. */
export type SequenceAttribute = DerivedAttribute | OtbAttribute;

/** Every tag in the order the summary lists them: derived ones first, then the OTB codes. */
export const ATTRIBUTE_ORDER: readonly SequenceAttribute[] = [...DERIVED_ATTRIBUTES, ...OTB_ATTRIBUTES];

/** A box whose size and aspect are defined (finite, positive width and height). */
function hasArea(b: GroundTruthBox | undefined): b is Box {
  return isValidGt(b) && b.width > 0 && b.height > 0;
}

const size = (b: Box): number => Math.sqrt(b.width * b.height);

/** max / min of the values; 1 for an empty list. */
function spread(values: readonly number[]): number {
  return values.length === 0 ? 1 : Math.max(...values) / Math.min(...values);
}

/**
 * The tags a ground truth earns, in {@link DERIVED_ATTRIBUTES} order:
 * - `small`: min √(w·h) < {@link SMALL_TARGET_PX};
 * - `scale-change`: max / min of √(w·h) > {@link SCALE_CHANGE_RATIO};
 * - `aspect-change`: max / min of w/h > {@link ASPECT_CHANGE_RATIO};
 * - `fast-motion`: max over adjacent frames i-1, i that both have a box of
 *   |centre_i − centre_{i-1}| / √(w·h)_{i-1} > {@link FAST_MOTION_PER_SIZE} (a jump across an
 *   absent stretch is a reappearance, not motion, and is not counted);
 * - `absent`: some frame has no box (a `nan` line, `null` here).
 *
 * Size, aspect and motion use the boxes with a positive width and height only.
 */
export function deriveAttributes(gt: readonly GroundTruthBox[]): DerivedAttribute[] {
  const boxes = gt.filter(hasArea);
  const sizes = boxes.map(size);
  let motion = 0;
  for (let i = 1; i < gt.length; i++) {
    const a = gt[i - 1];
    const b = gt[i];
    if (!hasArea(a) || !hasArea(b)) continue;
    const d = Math.hypot(b.x + b.width / 2 - (a.x + a.width / 2), b.y + b.height / 2 - (a.y + a.height / 2));
    motion = Math.max(motion, d / size(a));
  }
  const tags: DerivedAttribute[] = [];
  if (sizes.length > 0 && Math.min(...sizes) < SMALL_TARGET_PX) tags.push('small');
  if (spread(sizes) > SCALE_CHANGE_RATIO) tags.push('scale-change');
  if (spread(boxes.map((b) => b.width / b.height)) > ASPECT_CHANGE_RATIO) tags.push('aspect-change');
  if (motion > FAST_MOTION_PER_SIZE) tags.push('fast-motion');
  if (gt.some((b) => !isValidGt(b))) tags.push('absent');
  return tags;
}

/**
 * The OTB codes in a `meta.json` `attributes` value (a string such as
 * `"IV, OCC, DEF, OPR, BC  [OTB attr_list.txt]"`, or an array of strings), in
 * {@link OTB_ATTRIBUTES} order, each once. Only those exact uppercase tokens count (words are
 * split at anything but letters and digits), so free text such as `"background clutter"` or
 * `"aerial"` adds nothing. Anything else (null, a number) gives `[]`.
 */
export function parseOtbAttributes(value: unknown): OtbAttribute[] {
  const texts = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [];
  const tokens = new Set(
    texts.filter((t): t is string => typeof t === 'string').flatMap((t) => t.split(/[^A-Za-z0-9]+/)),
  );
  return OTB_ATTRIBUTES.filter((code) => tokens.has(code));
}

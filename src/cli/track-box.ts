/**
 * The initial box of `siamstream track`: parsed from `--box x,y,w,h` or taken from the first
 * valid line of a ground-truth file (`--box-from`), then checked against the first frame.
 * Every failure is `ERR_BAD_BOX` with a hint saying what a good box looks like.
 */
import { SiamError } from '../errors.js';
import { firstValidBox, parseBoxNumber, readGroundTruth, splitBoxFields } from '../eval/groundtruth.js';
import type { Box } from '../types.js';

const FORMAT_HINT = 'Give --box x,y,w,h in pixels (top-left corner, 0-based), e.g. --box 120,80,40,60.';

function badBox(message: string, hint = FORMAT_HINT): SiamError {
  return new SiamError('ERR_BAD_BOX', message, { hint });
}

const fmt = (b: Box): string => `${b.x},${b.y},${b.width},${b.height}`;

/**
 * Parses `x,y,w,h` (commas, spaces or tabs, as a ground-truth line) into a box; `ERR_BAD_BOX`
 * unless it is 4 finite decimal numbers with w, h > 0.
 */
export function parseBoxArg(text: string): Box {
  const fields = splitBoxFields(text);
  if (fields.length !== 4) throw badBox(`Expected 4 numbers x,y,w,h for --box, got "${text}".`);
  const [x, y, width, height] = fields.map(parseBoxNumber);
  const box = { x, y, width, height };
  checkBoxShape(box, `--box ${text}`);
  return box;
}

/** `ERR_BAD_BOX` when a field is not finite or the width or height is not positive. */
export function checkBoxShape(box: Box, what = 'the box'): void {
  if (![box.x, box.y, box.width, box.height].every(Number.isFinite)) {
    throw badBox(`${what} has a field that is not a number (${fmt(box)}).`);
  }
  if (box.width <= 0 || box.height <= 0) {
    throw badBox(
      `${what} has zero or negative size (${box.width}x${box.height}).`,
      `${FORMAT_HINT} w and h must be > 0.`,
    );
  }
}

/**
 * `ERR_BAD_BOX` when the box centre is not inside the `width`×`height` frame: the tracker
 * searches around the centre, so a box mostly off-screen cannot be followed.
 */
export function checkBoxInFrame(box: Box, width: number, height: number): void {
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  if (!(cx >= 0 && cy >= 0 && cx < width && cy < height)) {
    throw badBox(
      `The box ${fmt(box)} is outside the ${width}x${height} frame (its centre ${cx},${cy} is off-screen).`,
      `Give a box inside the frame: 0 <= x + w/2 < ${width} and 0 <= y + h/2 < ${height}.`,
    );
  }
}

/** The initial box from `--box` or `--box-from` (first valid line); exactly one must be given. */
export async function initialBox(opts: { box?: string; boxFrom?: string }): Promise<Box> {
  if (opts.box !== undefined && opts.boxFrom !== undefined) {
    throw badBox('Give either --box or --box-from, not both.');
  }
  if (opts.box !== undefined) return parseBoxArg(opts.box);
  if (opts.boxFrom !== undefined) {
    const { box, index } = firstValidBox(await readGroundTruth(opts.boxFrom), opts.boxFrom);
    checkBoxShape(box, `${opts.boxFrom} line ${index + 1}`);
    return box;
  }
  throw badBox('No initial box: give --box x,y,w,h or --box-from groundtruth.txt.');
}

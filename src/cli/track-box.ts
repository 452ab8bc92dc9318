/**
 * The targets of `siamstream track`: boxes parsed from `--box x,y,w,h` (repeatable: ids 1, 2, …),
 * from a `--boxes` CSV (frame, id, x, y, w, h: targets may start later), or the first valid line
 * of a ground-truth file (`--box-from`); each checked against the frame it starts on. Every
 * failure is `ERR_BAD_BOX` with a hint saying what a good box looks like.
 */
import { readFile } from 'node:fs/promises';
import { SiamError } from '../errors.js';
import { firstValidBox, parseBoxNumber, readGroundTruth, splitBoxFields } from '../eval/groundtruth.js';
import type { TargetStart } from '../track/index.js';
import type { Box } from '../types.js';
import { quoteForTerminal } from '../util/quote.js';

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
  if (fields.length !== 4)
    throw badBox(`Expected 4 numbers x,y,w,h for --box, got ${quoteForTerminal(text)}.`);
  const [x, y, width, height] = fields.map(parseBoxNumber);
  const box = { x, y, width, height };
  checkBoxShape(box, `--box ${quoteForTerminal(text)}`);
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

const BOXES_HINT =
  'Each line of a --boxes file is frame,id,x,y,w,h: a 0-based frame index, an id (a positive integer, once per file) and the box in pixels; a header line and # comments are skipped.';

/**
 * Parses a `--boxes` file: lines `frame,id,x,y,w,h` (commas, spaces or tabs), an optional header
 * line, blank lines and `#` comments skipped; `ERR_BAD_BOX` naming the line otherwise.
 */
export function parseBoxesCsv(text: string, file: string): TargetStart[] {
  const starts: TargetStart[] = [];
  const lines = text.split(/\r?\n/);
  let first = true;
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const fields = splitBoxFields(line);
    const header = first && !/^[-+]?[\d.]/.test(fields[0]); // the first line that is not a comment
    first = false;
    if (header) return;
    const where = `${file} line ${i + 1}`;
    // The line is quoted with its control bytes escaped: a malformed (or binary) file must not
    // write escape sequences to the terminal.
    const shown = quoteForTerminal(line);
    if (fields.length !== 6)
      throw badBox(`Expected 6 fields frame,id,x,y,w,h on ${where}, got ${shown}.`, BOXES_HINT);
    const [frameIndex, id] = fields.slice(0, 2).map(Number);
    if (!Number.isInteger(frameIndex) || frameIndex < 0 || !Number.isInteger(id) || id < 1) {
      throw badBox(
        `Expected a frame index ≥ 0 and an id ≥ 1 (integers) on ${where}, got ${shown}.`,
        BOXES_HINT,
      );
    }
    if (starts.some((s) => s.id === id))
      throw badBox(`Target id ${id} appears twice (${where}).`, BOXES_HINT);
    const [x, y, width, height] = fields.slice(2).map(parseBoxNumber);
    const box = { x, y, width, height };
    checkBoxShape(box, where);
    starts.push({ box, id, frameIndex });
  });
  if (starts.length === 0) throw badBox(`${file} holds no target.`, BOXES_HINT);
  return starts;
}

/** The targets from `--box` (one or more: ids 1, 2, …), `--boxes` or `--box-from`; exactly one kind must be given. */
export async function targetStarts(opts: {
  box?: string[];
  boxes?: string;
  boxFrom?: string;
}): Promise<TargetStart[]> {
  const boxes = opts.box ?? [];
  const kinds = [boxes.length > 0, opts.boxes !== undefined, opts.boxFrom !== undefined].filter(
    Boolean,
  ).length;
  if (kinds > 1) throw badBox('Give one of --box (repeatable), --boxes or --box-from.');
  if (opts.boxes !== undefined) {
    let text: string;
    try {
      text = await readFile(opts.boxes, 'utf8');
    } catch (cause) {
      throw new SiamError(
        'ERR_BAD_BOX',
        `Cannot read the --boxes file ${opts.boxes}: ${(cause as Error).message}.`,
        {
          cause,
          hint: BOXES_HINT,
        },
      );
    }
    return parseBoxesCsv(text, opts.boxes);
  }
  if (boxes.length > 0) return boxes.map((b, i) => ({ box: parseBoxArg(b), id: i + 1 }));
  return [{ box: await initialBox({ boxFrom: opts.boxFrom }), id: 1 }];
}

/**
 * Reading and writing OTB box files (`groundtruth.txt`, and our `<seq>.txt` predictions):
 * one `x,y,w,h` line per frame, 0-based pixels, top-left corner. Fields may be separated by
 * commas, tabs or spaces (the benchmarks use all three); a line whose fields are `nan` marks a
 * frame without ground truth (skipped in scoring, see metrics.ts).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { SiamError } from '../errors.js';
import type { Box } from '../types.js';
import { quoteForTerminal } from '../util/quote.js';
import { isValidGt, type GroundTruthBox } from './metrics.js';

const SEPARATOR = /[\s,]+/;
const NAN = /^[+-]?nan$/i;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** The fields of one box text `x,y,w,h` (separated by commas, tabs or spaces, in any mix). */
export function splitBoxFields(text: string): string[] {
  return text
    .trim()
    .split(SEPARATOR)
    .filter((f) => f !== '');
}

/** One field as a number, in decimal notation only (`12`, `-2.5`, `.5`, `1e3`); NaN for anything else. */
export function parseBoxNumber(field: string): number {
  return DECIMAL.test(field) ? Number(field) : Number.NaN;
}

function malformed(source: string, lineNo: number, line: string, why: string): SiamError {
  // A binary file must not write raw bytes (NUL, escape sequences) to the terminal.
  const shown = quoteForTerminal(line);
  return new SiamError('ERR_EVAL_DATA', `${source}:${lineNo}: ${why} (${shown}).`, {
    hint: 'Each line must be x,y,w,h (commas, tabs or spaces), or nan,nan,nan,nan for a frame without a box.',
    details: { source, line: lineNo },
  });
}

/**
 * Parses the text of a box file. Returns one entry per line: a box, or `null` for a `nan` line
 * (a line with any `nan` field counts as absent, as numpy's `isfinite(gt).all(1)` would).
 * Blank lines at the end are ignored; a blank line in the middle, a wrong number of fields or a
 * non-numeric field throws `ERR_EVAL_DATA` naming the line.
 */
export function parseGroundTruth(text: string, source = 'groundtruth.txt'): GroundTruthBox[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  const boxes: GroundTruthBox[] = [];
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') throw malformed(source, i + 1, raw, 'blank line inside the file');
    const fields = splitBoxFields(line);
    if (fields.length !== 4) throw malformed(source, i + 1, raw, `expected 4 fields, got ${fields.length}`);
    if (fields.some((f) => NAN.test(f))) {
      boxes.push(null);
      return;
    }
    const [x, y, width, height] = fields.map(parseBoxNumber);
    if (![x, y, width, height].every(Number.isFinite)) throw malformed(source, i + 1, raw, 'not a number');
    boxes.push({ x, y, width, height });
  });
  if (boxes.length === 0) {
    throw new SiamError('ERR_EVAL_DATA', `${source} has no box lines.`, {
      hint: 'Write one x,y,w,h line per frame.',
    });
  }
  return boxes;
}

/** Reads and parses a box file; a missing or unreadable file throws `ERR_EVAL_DATA`. */
export async function readGroundTruth(file: string): Promise<GroundTruthBox[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new SiamError('ERR_EVAL_DATA', `Cannot read ground truth ${file}: ${(cause as Error).message}.`, {
      cause,
      hint: 'Give a groundtruth.txt with one x,y,w,h line per frame.',
    });
  }
  return parseGroundTruth(text, file);
}

/** The first present box of a ground-truth list and its line index; `ERR_EVAL_DATA` when all are `nan`. */
export function firstValidBox(
  gt: readonly GroundTruthBox[],
  source = 'groundtruth.txt',
): { index: number; box: Box } {
  const index = gt.findIndex((b) => isValidGt(b));
  if (index < 0) {
    throw new SiamError('ERR_EVAL_DATA', `${source} has no valid box (every line is nan).`, {
      hint: 'At least one line must be x,y,w,h with finite numbers.',
    });
  }
  return { index, box: gt[index] as Box };
}

/** Formats a number for a box file: at most 2 decimals (as opencv_peers.py's `%.2f`), no trailing zeros. */
function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return 'nan';
  const s = v.toFixed(2).replace(/\.?0+$/, '');
  return s === '-0' ? '0' : s;
}

/** One OTB line `x,y,w,h` for a box (or `nan,nan,nan,nan` for `null`). */
export function formatBoxLine(box: GroundTruthBox): string {
  if (box == null) return 'nan,nan,nan,nan';
  return [box.x, box.y, box.width, box.height].map(formatNumber).join(',');
}

/** The text of a box file: one line per box, newline-terminated. */
export function formatGroundTruth(boxes: readonly GroundTruthBox[]): string {
  return boxes.map((b) => `${formatBoxLine(b)}\n`).join('');
}

/** Writes a box file (see {@link formatGroundTruth}). */
export async function writeGroundTruth(file: string, boxes: readonly GroundTruthBox[]): Promise<void> {
  await writeFile(file, formatGroundTruth(boxes));
}

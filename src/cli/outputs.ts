/**
 * Result writers for `siamstream track`: CSV, JSON Lines, OTB text (one target) or the MOT
 * Challenge text format, picked by the output file's extension or `--format` (JSONL on stdout
 * when no file is given). One row per target per frame, each with the target's id. Every row is written with a
 * synchronous `write(2)` as soon as it arrives, so an interrupted run (Ctrl-C) leaves a valid
 * file holding every frame tracked so far, with nothing left in a user-space buffer.
 */
import { closeSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { createPartial } from './output-path.js';
import { SiamError } from '../errors.js';
import { formatBoxLine } from '../eval/groundtruth.js';
import type { TargetResult } from '../track/index.js';
import { makeDirSync } from '../util/make-dir.js';

/** The result file formats `--out` understands. */
export const RESULT_FORMATS = ['csv', 'jsonl', 'txt', 'mot'] as const;
/** One of {@link RESULT_FORMATS}. */
export type ResultFormat = (typeof RESULT_FORMATS)[number];

/** The CSV columns, in order. */
export const CSV_COLUMNS = [
  'frameIndex',
  'id',
  'timestampMs',
  'x',
  'y',
  'width',
  'height',
  'score',
  'psr',
  'lost',
] as const;

/**
 * The format named by a file's extension (`.csv`, `.jsonl` / `.ndjson`, `.mot.txt`, `.txt`) or
 * by `format` when given; `ERR_BAD_OPTION` otherwise.
 */
export function formatFromPath(file: string, format?: string): ResultFormat {
  if (format !== undefined) {
    if ((RESULT_FORMATS as readonly string[]).includes(format)) return format as ResultFormat;
    throw new SiamError('ERR_BAD_OPTION', `Unknown result format "${format}".`, {
      hint: `Use --format ${RESULT_FORMATS.join(', ')}.`,
    });
  }
  const ext = path.extname(file).toLowerCase();
  if (file.toLowerCase().endsWith('.mot.txt')) return 'mot';
  if (ext === '.csv') return 'csv';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  if (ext === '.txt') return 'txt';
  throw new SiamError('ERR_BAD_OPTION', `Cannot tell the output format of "${file}" from its extension.`, {
    hint: 'Use a .csv, .jsonl, .txt (OTB x,y,w,h) or .mot.txt (MOT Challenge) file name, or --format; without --out, JSONL goes to stdout.',
  });
}

/** Rounds to `digits` decimals and drops trailing zeros (`12.50` → `12.5`); non-finite → `nan`. */
function num(v: number, digits: number): string {
  if (!Number.isFinite(v)) return 'nan';
  const s = String(Number(v.toFixed(digits)));
  return s === '-0' ? '0' : s;
}

/** The header line of a format (with its newline), or '' when it has none. */
export function formatHeader(format: ResultFormat): string {
  return format === 'csv' ? `${CSV_COLUMNS.join(',')}\n` : '';
}

/**
 * One result as one line (with its newline) of the given format. MOT rows are
 * `<frame>,<id>,<x>,<y>,<w>,<h>,<conf>,-1,-1,-1` with 1-based frames, and a lost target has none
 * (its box is the last confident one, not where it is): ''.
 */
export function formatResult(format: ResultFormat, r: TargetResult): string {
  switch (format) {
    case 'jsonl':
      return `${JSON.stringify(r)}\n`;
    case 'txt':
      return `${formatBoxLine(r.box)}\n`;
    case 'mot':
      if (r.lost) return '';
      return `${[r.frameIndex + 1, r.id, num(r.box.x, 2), num(r.box.y, 2), num(r.box.width, 2), num(r.box.height, 2), num(r.score, 4), -1, -1, -1].join(',')}\n`;
    case 'csv':
      return `${[
        r.frameIndex,
        r.id,
        num(r.timestampMs, 3),
        num(r.box.x, 2),
        num(r.box.y, 2),
        num(r.box.width, 2),
        num(r.box.height, 2),
        num(r.score, 4),
        num(r.psr, 3),
        r.lost ? 'true' : 'false',
      ].join(',')}\n`;
  }
}

/** Where results go, one row at a time. */
export interface ResultSink {
  /** The file written, or undefined for stdout. */
  readonly path?: string;
  readonly format: ResultFormat;
  /** Rows written so far. */
  readonly rows: number;
  write(result: TargetResult): void;
  /** Closes the file and gives it its final name (idempotent). Stdout is left open. */
  close(): void;
  /**
   * Closes and removes the file written so far, leaving whatever was under the final name as it
   * was (a run that failed before its first row must not replace earlier results); idempotent.
   */
  discard(): void;
}

/**
 * Opens a sink: the file `out` (format from its extension or `format`, parent folders created,
 * truncated), or stdout (JSONL unless `format` says otherwise) when `out` is undefined. Bad
 * formats throw before anything is created.
 */
export function openResultSink(
  out?: string,
  stdout: NodeJS.WritableStream = process.stdout,
  format?: string,
): ResultSink {
  if (out === undefined) {
    const chosen = format === undefined ? 'jsonl' : formatFromPath('', format);
    stdout.write(formatHeader(chosen));
    let rows = 0;
    return {
      format: chosen,
      get rows() {
        return rows;
      },
      write(r) {
        const line = formatResult(chosen, r);
        if (!line) return;
        stdout.write(line);
        rows++;
      },
      close() {},
      discard() {},
    };
  }
  const chosen = formatFromPath(out, format);
  const file = path.resolve(out);
  // Written under a .partial name of its own (never a file that was there: output-path.ts) and
  // renamed on close(): a killed run never leaves a half file under the final name (nor
  // truncates an earlier result there before it has a new one).
  let partial: string;
  let fd: number | undefined;
  try {
    makeDirSync(path.dirname(file));
    ({ path: partial, fd } = createPartial(file));
  } catch (cause) {
    if (cause instanceof SiamError) throw cause;
    throw new SiamError('ERR_BAD_OPTION', `Cannot write results to ${file}: ${(cause as Error).message}.`, {
      cause,
      hint: 'Check that the folder is writable.',
    });
  }
  writeSync(fd, formatHeader(chosen));
  let rows = 0;
  return {
    path: file,
    format: chosen,
    get rows() {
      return rows;
    },
    write(r) {
      if (fd === undefined) throw new SiamError('ERR_DISPOSED', `Results file ${file} is already closed.`);
      const line = formatResult(chosen, r);
      if (!line) return;
      writeSync(fd, line);
      rows++;
    },
    close() {
      if (fd === undefined) return;
      closeSync(fd);
      fd = undefined;
      renameSync(partial, file);
    },
    discard() {
      if (fd === undefined) return;
      closeSync(fd);
      fd = undefined;
      rmSync(partial, { force: true });
    },
  };
}

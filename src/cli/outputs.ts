/**
 * Result writers for `siamstream track`: CSV, JSON Lines, or OTB text, picked by the output
 * file's extension (JSONL on stdout when no file is given). Every row is written with a
 * synchronous `write(2)` as soon as it arrives, so an interrupted run (Ctrl-C) leaves a valid
 * file holding every frame tracked so far, with nothing left in a user-space buffer.
 */
import { closeSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import path from 'node:path';
import { partialPath } from './output-path.js';
import { SiamError } from '../errors.js';
import { formatBoxLine } from '../eval/groundtruth.js';
import type { TrackResult } from '../types.js';

/** The result file formats `--out` understands. */
export const RESULT_FORMATS = ['csv', 'jsonl', 'txt'] as const;
/** One of {@link RESULT_FORMATS}. */
export type ResultFormat = (typeof RESULT_FORMATS)[number];

/** The CSV columns, in order. */
export const CSV_COLUMNS = [
  'frameIndex',
  'timestampMs',
  'x',
  'y',
  'width',
  'height',
  'score',
  'psr',
  'lost',
] as const;

/** The format named by a file's extension (`.csv`, `.jsonl` / `.ndjson`, `.txt`); `ERR_BAD_OPTION` otherwise. */
export function formatFromPath(file: string): ResultFormat {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  if (ext === '.txt') return 'txt';
  throw new SiamError('ERR_BAD_OPTION', `Cannot tell the output format of "${file}" from its extension.`, {
    hint: 'Use a .csv, .jsonl or .txt (OTB x,y,w,h) file name, or leave --out out for JSONL on stdout.',
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

/** One result as one line (with its newline) of the given format. */
export function formatResult(format: ResultFormat, r: TrackResult): string {
  switch (format) {
    case 'jsonl':
      return `${JSON.stringify(r)}\n`;
    case 'txt':
      return `${formatBoxLine(r.box)}\n`;
    case 'csv':
      return `${[
        r.frameIndex,
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
  write(result: TrackResult): void;
  /** Closes the file (idempotent). Stdout is left open. */
  close(): void;
}

/**
 * Opens a sink: the file `out` (format from its extension, parent folders created, truncated),
 * or JSONL on `stdout` when `out` is undefined. Bad extensions throw before anything is created.
 */
export function openResultSink(out?: string, stdout: NodeJS.WritableStream = process.stdout): ResultSink {
  if (out === undefined) {
    let rows = 0;
    return {
      format: 'jsonl',
      get rows() {
        return rows;
      },
      write(r) {
        stdout.write(formatResult('jsonl', r));
        rows++;
      },
      close() {},
    };
  }
  const format = formatFromPath(out);
  const file = path.resolve(out);
  // Written under a .partial name and renamed on close(): a killed run never leaves a half file
  // under the final name (nor truncates an earlier result there before it has a new one).
  const partial = partialPath(file);
  let fd: number | undefined;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    fd = openSync(partial, 'w');
  } catch (cause) {
    throw new SiamError('ERR_BAD_OPTION', `Cannot write results to ${file}: ${(cause as Error).message}.`, {
      cause,
      hint: 'Check that the folder is writable.',
    });
  }
  writeSync(fd, formatHeader(format));
  let rows = 0;
  return {
    path: file,
    format,
    get rows() {
      return rows;
    },
    write(r) {
      if (fd === undefined) throw new SiamError('ERR_DISPOSED', `Results file ${file} is already closed.`);
      writeSync(fd, formatResult(format, r));
      rows++;
    },
    close() {
      if (fd === undefined) return;
      closeSync(fd);
      fd = undefined;
      renameSync(partial, file);
    },
  };
}

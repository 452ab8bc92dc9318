/**
 * A training folder: `DIR/<label>/<clip>` with clips in any container ffmpeg reads. Scanning,
 * decoding at the model's rate and size, and the coded errors for folders that cannot train.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { decode } from '../decode/index.js';
import { SiamError } from '../errors.js';
import type { Frame } from '../types.js';
import type { StreamConfig } from './config.js';

/** One labelled clip on disk. */
export interface ClipEntry {
  path: string;
  label: string;
}

/** A scanned folder: labels (sorted) and their clips. */
export interface Dataset {
  dir: string;
  labels: string[];
  clips: ClipEntry[];
}

/** Files that are obviously not video, skipped without a warning. */
const NOT_VIDEO = /\.(txt|md|json|csv|ya?ml|xml|nfo|srt|vtt|jpg|jpeg|png)$/i;

async function isDir(p: string): Promise<boolean> {
  return stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/** Throws ERR_DATASET_EMPTY / ERR_DATASET_ONE_CLASS when `clips` cannot train a classifier. */
export function checkClasses(dir: string, clips: ClipEntry[]): string[] {
  const labels = [...new Set(clips.map((c) => c.label))].sort();
  if (clips.length === 0) {
    throw new SiamError('ERR_DATASET_EMPTY', `No usable clips in ${dir}.`, {
      hint: 'Lay the folder out as DIR/<label>/<clip files>, one sub-folder per action.',
    });
  }
  if (labels.length < 2) {
    throw new SiamError(
      'ERR_DATASET_ONE_CLASS',
      `${dir} has clips of one class only (${labels.join(', ')}).`,
      {
        hint: 'A classifier needs at least two labels: add a folder of clips per action (e.g. an "other" class).',
      },
    );
  }
  return labels;
}

/** Lists `dir/<label>/<clip>`; hidden files and obvious non-videos are ignored. */
export async function scanDataset(dir: string): Promise<Dataset> {
  if (!(await isDir(dir))) {
    throw new SiamError('ERR_DATASET_EMPTY', `Training folder not found: ${dir}`, {
      hint: 'Pass --data DIR with DIR/<label>/<clips>.',
    });
  }
  const clips: ClipEntry[] = [];
  for (const label of (await readdir(dir)).sort()) {
    const sub = path.join(dir, label);
    if (label.startsWith('.') || !(await isDir(sub))) continue;
    for (const file of (await readdir(sub)).sort()) {
      const p = path.join(sub, file);
      if (file.startsWith('.') || NOT_VIDEO.test(file) || (await isDir(p))) continue;
      clips.push({ path: p, label });
    }
  }
  const labels = checkClasses(dir, clips);
  return { dir, labels, clips };
}

/**
 * Decodes a whole clip at the model's rate and input size. An unreadable clip (or one with fewer
 * than 2 frames) gives an ERR_CLIP_UNREADABLE error, for the caller to report and skip.
 */
export async function decodeClip(file: string, config: StreamConfig): Promise<Frame[]> {
  let frames: Frame[];
  try {
    frames = await lastValueFrom(
      decode(file, { width: config.inputWidth, height: config.inputHeight, fps: config.fps }).pipe(toArray()),
    );
  } catch (cause) {
    const code = (cause as { code?: string }).code;
    throw new SiamError(
      'ERR_CLIP_UNREADABLE',
      `Cannot decode ${file}${code ? ` (${code})` : ''}: ${(cause as Error).message.split('\n')[0]}`,
      {
        cause,
        hint: 'The clip is skipped; check it plays with ffmpeg.',
        details: { file },
      },
    );
  }
  if (frames.length < 2) {
    throw new SiamError(
      'ERR_CLIP_UNREADABLE',
      `${file} has ${frames.length} frame(s) at ${config.fps} fps; at least 2 are needed.`,
      {
        hint: 'The clip is skipped.',
        details: { file },
      },
    );
  }
  return frames;
}

/**
 * Finding the sequences of an evaluation folder: one sub-folder per sequence, holding
 * `video.mp4` (one frame per ground-truth line), `groundtruth.txt` (x,y,w,h, 0-based) and,
 * optionally, `meta.json` (of which only the OTB codes in `attributes` are read).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SiamError } from '../errors.js';
import { parseOtbAttributes, type OtbAttribute } from './attributes.js';

/** One sequence folder. */
export interface SequenceEntry {
  name: string;
  dir: string;
  video: string;
  groundTruth: string;
  /** `meta.json` (optional: it may not exist). */
  meta: string;
}

const VIDEO = 'video.mp4';
const GROUND_TRUTH = 'groundtruth.txt';
const META = 'meta.json';

function entry(dataDir: string, name: string): SequenceEntry {
  const dir = path.join(dataDir, name);
  return {
    name,
    dir,
    video: path.join(dir, VIDEO),
    groundTruth: path.join(dir, GROUND_TRUTH),
    meta: path.join(dir, META),
  };
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The sequences of `dataDir`, sorted by name (code-point order, as Python's `sorted`, so the
 * order matches opencv_peers.py). With `names`, exactly those, in the order given.
 * @throws SiamError `ERR_EVAL_DATA` when the folder is missing or empty, a named sequence is
 *   absent, or a sequence folder lacks its video.
 */
export function listSequences(dataDir: string, names?: readonly string[]): SequenceEntry[] {
  const root = path.resolve(dataDir);
  if (!isDir(root)) {
    throw new SiamError('ERR_EVAL_DATA', `Evaluation folder ${root} does not exist.`, {
      hint: 'Give --data a folder of sequence folders, each with video.mp4 and groundtruth.txt.',
    });
  }
  let seqs: SequenceEntry[];
  if (names && names.length > 0) {
    seqs = names.map((name) => {
      const e = entry(root, name);
      if (!existsSync(e.groundTruth)) {
        const known = listSequences(root).map((s) => s.name);
        throw new SiamError('ERR_EVAL_DATA', `No sequence "${name}" in ${root} (no ${GROUND_TRUTH}).`, {
          hint: known.length ? `Known sequences: ${known.join(', ')}.` : 'The folder holds no sequence.',
        });
      }
      return e;
    });
  } else {
    seqs = readdirSync(root)
      .sort()
      .map((name) => entry(root, name))
      .filter((e) => isDir(e.dir) && existsSync(e.groundTruth));
    if (seqs.length === 0) {
      throw new SiamError('ERR_EVAL_DATA', `No sequence folder in ${root}.`, {
        hint: 'Each sequence is a sub-folder with video.mp4 and groundtruth.txt (x,y,w,h per line).',
      });
    }
  }
  for (const s of seqs) {
    if (!existsSync(s.video)) {
      throw new SiamError('ERR_EVAL_DATA', `Sequence ${s.name} has no ${VIDEO} (${s.video}).`, {
        hint: 'Each sequence folder needs video.mp4 with one frame per ground-truth line.',
      });
    }
  }
  return seqs;
}

/**
 * The OTB attribute codes of a sequence's `meta.json` `attributes` (see
 * {@link parseOtbAttributes}); `[]` when the file does not exist or has no such field.
 * @throws SiamError `ERR_EVAL_DATA` when the file exists but is not readable JSON.
 */
export async function readMetaAttributes(file: string): Promise<OtbAttribute[]> {
  if (!existsSync(file)) return [];
  let meta: unknown;
  try {
    meta = JSON.parse(await readFile(file, 'utf8'));
  } catch (cause) {
    throw new SiamError('ERR_EVAL_DATA', `Cannot read ${file}: ${(cause as Error).message}.`, {
      cause,
      hint: 'meta.json is optional; if present it must be JSON (its "attributes" may name OTB codes: IV, SV, OCC, …).',
    });
  }
  const attributes =
    meta != null && typeof meta === 'object' ? (meta as Record<string, unknown>).attributes : null;
  return parseOtbAttributes(attributes);
}

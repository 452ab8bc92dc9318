/**
 * Exported ONNX models are cached on disk under a content hash of what produced them (the
 * exporter's version, the recipe — input and output nodes — and the source model's topology and
 * weight bytes), so a changed weight file or exporter gives a new file and a stale one is never
 * read. Folder: `SIAMSTREAM_CACHE_DIR`, else `$XDG_CACHE_HOME/siamstream`, else
 * `~/.cache/siamstream`.
 *
 * Each file also carries the hash of its own bytes in its name (`<name>-<key>-<sha256/16>.onnx`):
 * a truncated, emptied or overwritten file no longer matches, is removed and rebuilt (one line on
 * stderr), instead of failing every later run inside ONNX Runtime. Files are written under a
 * unique temporary name and renamed, so a reader sees a whole file or none. A cache that cannot be
 * written costs only the export (~0.1 s a start): the model runs from memory, with one
 * `ERR_CACHE_UNWRITABLE` warning on stderr per folder and process. Writing a model removes that
 * model's files in the previous naming (`<name>-<key>.onnx`, no bytes' hash), which nothing reads.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import { SiamError } from '../../errors.js';
import { makeDir } from '../../util/make-dir.js';

/** Bump when the exporter's output changes for the same source (it invalidates every cached file). */
export const EXPORTER_VERSION = 2;

/** Hex digits of the bytes' sha256 kept in the file name: enough to tell damage, short enough to read. */
const BYTES_HASH_HEX = 16;

/** Hex digits of {@link exportKey}: also the whole key of the previous naming, `<name>-<key>.onnx`. */
const KEY_HEX = 24;

/** Folders already reported as unwritable by this process (one warning each, not one per model). */
const unwritableSaid = new Set<string>();

/** The cache folder for exported models. */
export function onnxCacheDir(): string {
  const base =
    process.env.SIAMSTREAM_CACHE_DIR ??
    path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'siamstream');
  return path.join(base, 'onnx');
}

/** The content hash naming the export of `artifacts` by `recipe`. */
export function exportKey(artifacts: tf.io.ModelArtifacts, recipe: string): string {
  const hash = createHash('sha256');
  hash.update(`siamstream-onnx-exporter/${EXPORTER_VERSION}\n${recipe}\n`);
  hash.update(JSON.stringify(artifacts.modelTopology ?? null));
  hash.update(JSON.stringify(artifacts.weightSpecs ?? []));
  const data = artifacts.weightData;
  if (data instanceof ArrayBuffer) hash.update(new Uint8Array(data));
  return hash.digest('hex').slice(0, KEY_HEX);
}

/** What {@link cachedExport} found or made. */
export interface CachedModel {
  bytes: Uint8Array;
  /** The cache file (absent when the cache could not be written). */
  file?: string;
  /** True when the model was exported in this call. */
  exported: boolean;
}

/**
 * Reads the export of `key` from the cache if a file's bytes match its name, or runs `build` and
 * stores its result atomically. Never fails for the cache's sake: only `build` can reject.
 */
export async function cachedExport(
  name: string,
  key: string,
  build: () => Uint8Array | Promise<Uint8Array>,
): Promise<CachedModel> {
  const dir = onnxCacheDir();
  const found = await readVerified(dir, `${name}-${key}`);
  if (found) return { ...found, exported: false };
  const bytes = await build();
  const file = path.join(dir, `${name}-${key}-${bytesHash(bytes)}.onnx`);
  try {
    await writeAtomically(dir, file, bytes);
    await removePreviousNaming(dir, name);
    return { bytes, file, exported: true };
  } catch (cause) {
    warnUnwritable(dir, cause);
    return { bytes, exported: true };
  }
}

function bytesHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, BYTES_HASH_HEX);
}

/** The first regular file `<stem>-<hash>.onnx` in `dir` whose bytes hash to `<hash>`; damaged ones are removed. */
async function readVerified(
  dir: string,
  stem: string,
): Promise<{ bytes: Uint8Array; file: string } | undefined> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return undefined; // no cache yet (or none can be read): export
  }
  const named = new RegExp(`^${escapeRegExp(stem)}-([0-9a-f]{${BYTES_HASH_HEX}})\\.onnx$`);
  for (const entry of entries) {
    // Only regular files: a FIFO or device under a cache name would block the read for ever.
    const m = named.exec(entry.name);
    if (!m || !entry.isFile()) continue;
    const file = path.join(dir, entry.name);
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(file));
    } catch {
      continue; // unreadable: rebuilt, and written over if the folder allows
    }
    if (bytesHash(bytes) === m[1]) return { bytes, file };
    process.stderr.write(
      `siamstream: the cached model ${file} is damaged (its bytes do not match the hash in its name); rebuilding it.\n`,
    );
    await rm(file, { force: true }).catch(() => undefined);
  }
  return undefined;
}

/**
 * Removes `<name>-<key>.onnx` files (any key) from `dir`: the naming before the bytes' hash, which
 * no reader looks for any more. Only regular files whose whole name matches (never a link, a
 * folder or another model's file); `unlink` never follows a link put there since. Best effort.
 */
async function removePreviousNaming(dir: string, name: string): Promise<void> {
  const previous = new RegExp(`^${escapeRegExp(name)}-[0-9a-f]{${KEY_HEX}}\\.onnx$`);
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isFile() || !previous.test(entry.name)) continue;
    await unlink(path.join(dir, entry.name)).catch(() => undefined);
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Writes `bytes` to a temporary name unique to this attempt (created exclusively), then renames it to `file`. */
async function writeAtomically(dir: string, file: string, bytes: Uint8Array): Promise<void> {
  await makeDir(dir);
  const partial = `${file}.${process.pid}-${randomBytes(6).toString('hex')}.partial`;
  try {
    await writeFile(partial, bytes, { flag: 'wx' });
    await rename(partial, file); // atomic: a concurrent reader sees the whole file or none
  } catch (e) {
    await rm(partial, { force: true }).catch(() => undefined);
    throw e;
  }
}

function warnUnwritable(dir: string, cause: unknown): void {
  if (unwritableSaid.has(dir)) return;
  unwritableSaid.add(dir);
  const reason = (cause as Error)?.message ?? String(cause);
  const warning = new SiamError(
    'ERR_CACHE_UNWRITABLE',
    `cannot write the model cache in ${dir} (${reason}); running without it, so each start exports the model again`,
    { cause, hint: 'set SIAMSTREAM_CACHE_DIR (or XDG_CACHE_HOME) to a writable folder on a disk' },
  );
  process.stderr.write(`siamstream: warning: ${warning.toString()}\n`);
}

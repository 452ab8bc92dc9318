/**
 * Exported ONNX models are cached on disk under a content hash of what produced them (the
 * exporter's version, the recipe — input and output nodes — and the source model's topology and
 * weight bytes), so a changed weight file or exporter gives a new file and a stale one is never
 * read. Folder: `SIAMSTREAM_CACHE_DIR`, else `$XDG_CACHE_HOME/siamstream`, else
 * `~/.cache/siamstream`. A cache that cannot be written costs only the export (~0.1 s).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';

/** Bump when the exporter's output changes for the same source (it invalidates every cached file). */
export const EXPORTER_VERSION = 2;

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
  return hash.digest('hex').slice(0, 24);
}

/** What {@link cachedExport} found or made. */
export interface CachedModel {
  bytes: Uint8Array;
  /** The cache file (absent when the cache could not be written). */
  file?: string;
  /** True when the model was exported in this call. */
  exported: boolean;
}

/** Reads the export of `key` from the cache, or runs `build` and stores its result atomically. */
export async function cachedExport(
  name: string,
  key: string,
  build: () => Uint8Array | Promise<Uint8Array>,
): Promise<CachedModel> {
  const dir = onnxCacheDir();
  const file = path.join(dir, `${name}-${key}.onnx`);
  try {
    return { bytes: new Uint8Array(await readFile(file)), file, exported: false };
  } catch {
    // not cached yet
  }
  const bytes = await build();
  const partial = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.partial`;
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(partial, bytes);
    await rename(partial, file); // atomic: a concurrent reader sees the whole file or none
    return { bytes, file, exported: true };
  } catch {
    await rm(partial, { force: true }).catch(() => undefined);
    return { bytes, exported: true };
  }
}

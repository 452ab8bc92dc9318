/**
 * `mkdir -p` that always ends: Node's `mkdir(…, { recursive: true })` (and the `mkdirp`/`make-dir`
 * packages built on the same retry) loops for ever where `mkdir` answers ENOENT under a parent that
 * exists — /proc does that (`SIAMSTREAM_CACHE_DIR=/proc/x` spun at thousands of calls a second;
 * the sync form blocks the thread, signal handlers included). Here the missing folders are found
 * once, walking up, and each is created once: at most as many calls as the path has parts, and the
 * first refusal is the error.
 */
import { mkdirSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';

/** The parent to look at next after `stat(at)` gave `error`, or throws it when it is not "missing". */
function parentAfter(at: string, error: unknown): string {
  const up = path.dirname(at);
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || up === at) throw error;
  return up;
}

function checkFolder(at: string, st: Stats): void {
  if (!st.isDirectory())
    throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${at}'`), { code: 'ENOTDIR', path: at });
}

/** Made meanwhile by a concurrent run: fine (were it a file, the next step fails). */
function rethrowUnlessExists(e: unknown): void {
  if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
}

/** Creates `dir` and its missing parents; throws the first `stat`/`mkdir` error that is not "it exists". */
export function makeDirSync(dir: string): void {
  const missing: string[] = [];
  for (let at = path.resolve(dir); ;) {
    let st: Stats;
    try {
      st = statSync(at);
    } catch (e) {
      missing.push(at);
      at = parentAfter(at, e);
      continue;
    }
    checkFolder(at, st);
    break;
  }
  for (const folder of missing.reverse()) {
    try {
      mkdirSync(folder);
    } catch (e) {
      rethrowUnlessExists(e);
    }
  }
}

/**
 * {@link makeDirSync} for async callers: the same steps (a few `stat`s and `mkdir`s, each of which
 * returns at once), so one walk serves both.
 */
export async function makeDir(dir: string): Promise<void> {
  makeDirSync(dir);
}

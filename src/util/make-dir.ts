/**
 * `mkdir -p` that always ends: Node's `mkdir(…, { recursive: true })` (and the `mkdirp`/`make-dir`
 * packages built on the same retry) loops for ever where `mkdir` answers ENOENT under a parent that
 * exists — /proc does that (`SIAMSTREAM_CACHE_DIR=/proc/x` spun at thousands of calls a second).
 * Here the missing folders are found once, walking up, and each is created once: at most as many
 * calls as the path has parts, and the first refusal is the error.
 */
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';

/** Creates `dir` and its missing parents; rejects with the first `stat`/`mkdir` error that is not "it exists". */
export async function makeDir(dir: string): Promise<void> {
  const missing: string[] = [];
  let at = path.resolve(dir);
  // Walk up to the nearest existing folder: bounded by the path's depth (dirname reaches the root).
  for (;;) {
    try {
      if ((await stat(at)).isDirectory()) break;
      throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${at}'`), {
        code: 'ENOTDIR',
        path: at,
      });
    } catch (e) {
      const up = path.dirname(at);
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || up === at) throw e;
      missing.push(at);
      at = up;
    }
  }
  for (const folder of missing.reverse()) {
    try {
      await mkdir(folder);
    } catch (e) {
      // Made meanwhile by a concurrent run: fine if it is a folder (else the next step fails).
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

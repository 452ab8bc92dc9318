/**
 * Creating an output's folders. Node's `mkdir(…, { recursive: true })` never returns under a
 * pseudo-filesystem (under /proc it alternates ENOENT and EEXIST for ever); this walks up to the
 * nearest existing folder once and creates each missing one below it once, so it ends after at
 * most one `mkdir` per path component and fails with that `mkdir`'s own error.
 */
import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';

function exists(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
}

/** Creates `dir` and its missing parents (one `mkdir` each); throws the first `mkdir` error. */
export function makeDirs(dir: string): void {
  const missing: string[] = [];
  // Ends at the root: dirname('/') is '/'.
  for (let d = path.resolve(dir); !exists(d); d = path.dirname(d)) {
    missing.push(d);
    if (path.dirname(d) === d) break;
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d);
    } catch (e) {
      // Made by someone else in between: fine when it is a folder (the next mkdir says otherwise).
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

/**
 * Finding a program to run: a regular file we may execute, given by path or looked up on `PATH`
 * (as a shell would). Used to find ffmpeg and ffprobe, and setpriv for the children's parent-death
 * signal.
 */
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

/** True when `p` is a regular file this process may execute. */
export function isExecutableFile(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable `name` in a folder of `PATH`, if any. */
export function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/** The executable `file` names: itself when it has a slash, else its first match on `PATH`. */
export function findExecutable(file: string): string | undefined {
  if (!file.includes('/')) return findOnPath(file);
  return isExecutableFile(file) ? file : undefined;
}

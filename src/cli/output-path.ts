/**
 * Checks on where a command is about to write, made before anything is created or truncated:
 * - never onto an input (the same path, a symlink to it, or a hard link: same device and inode),
 *   nor two outputs onto one file;
 * - never under a pseudo-filesystem (`/proc`, `/sys`, `/dev`): creating folders there fails in
 *   odd ways (a recursive `mkdir` under /proc spins forever instead of failing);
 * - the nearest existing folder must be a writable folder.
 * Each refusal is `ERR_BAD_OPTION` naming the flag and the path.
 */
import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { SiamError } from '../errors.js';

/** Top-level folders that are kernel interfaces, not storage (`/dev/shm`, a tmpfs, is storage). */
const PSEUDO_ROOTS = ['/proc', '/sys', '/dev'];
const STORAGE_UNDER_PSEUDO = ['/dev/shm'];

/** An output a command will write: the flag that named it and its path. */
export interface PlannedOutput {
  flag: string;
  file: string;
}

function identity(file: string): { real: string; dev?: number; ino?: number } {
  try {
    const st = statSync(file);
    return { real: realpathSync(file), dev: st.dev, ino: st.ino };
  } catch {
    return { real: path.resolve(file) };
  }
}

function sameFile(a: ReturnType<typeof identity>, b: ReturnType<typeof identity>): boolean {
  if (a.real === b.real) return true;
  return a.ino !== undefined && a.dev === b.dev && a.ino === b.ino;
}

/** The nearest existing ancestor of `file` (itself excluded). */
function existingParent(file: string): string {
  let dir = path.dirname(path.resolve(file));
  for (;;) {
    try {
      statSync(dir);
      return dir;
    } catch {
      const up = path.dirname(dir);
      if (up === dir) return dir;
      dir = up;
    }
  }
}

/**
 * Throws `ERR_BAD_OPTION` unless every output can be written without touching an input, another
 * output, or a pseudo-filesystem. `inputs` are files (live sources and `-` are left out by the
 * caller).
 */
export function checkOutputs(outputs: readonly PlannedOutput[], inputs: readonly string[]): void {
  const ins = inputs.map(identity);
  const seen: { flag: string; id: ReturnType<typeof identity> }[] = [];
  for (const { flag, file } of outputs) {
    const resolved = path.resolve(file);
    const real = identity(file);
    const under = (r: string): boolean => resolved === r || resolved.startsWith(`${r}/`);
    const pseudo = STORAGE_UNDER_PSEUDO.some(under) ? undefined : PSEUDO_ROOTS.find(under);
    if (pseudo) {
      throw new SiamError('ERR_BAD_OPTION', `${flag} ${resolved} is under ${pseudo}, which is not storage`, {
        hint: 'Write results to a folder on a disk.',
      });
    }
    if (ins.some((i) => sameFile(i, real))) {
      throw new SiamError('ERR_BAD_OPTION', `${flag} ${resolved} is the input: it would be overwritten`, {
        hint: 'Give the output another name.',
      });
    }
    const clash = seen.find((s) => sameFile(s.id, real));
    if (clash) {
      throw new SiamError('ERR_BAD_OPTION', `${flag} and ${clash.flag} are the same file ${resolved}`, {
        hint: 'Give each output its own name.',
      });
    }
    seen.push({ flag, id: real });
    const parent = existingParent(resolved);
    try {
      if (!statSync(parent).isDirectory()) throw new Error(`${parent} is not a folder`);
      accessSync(parent, constants.W_OK);
    } catch (cause) {
      throw new SiamError(
        'ERR_BAD_OPTION',
        `${flag} ${resolved} cannot be created: ${(cause as Error).message}`,
        {
          cause,
          hint: 'Check that the folder exists, is a folder and is writable.',
        },
      );
    }
  }
}

/**
 * Where an output is written until it is complete: `<stem>.partial<ext>` beside it (the extension
 * kept, so ffmpeg still knows the format). A run that is killed outright leaves its results there,
 * under a name that says so; a finished or signalled run renames it to the final name.
 */
export function partialPath(file: string): string {
  const { dir, name, ext } = path.parse(path.resolve(file));
  return path.join(dir, `${name}.partial${ext}`);
}

/**
 * Checks on where a command is about to write, made before anything is created or truncated:
 * - never onto an input (the same path, a symlink to it, or a hard link: same device and inode),
 *   nor two outputs onto one file;
 * - never under a pseudo-filesystem (`/proc`, `/sys`, `/dev`), judged on the real path (a symlink
 *   into /proc counts): creating folders there fails in odd ways (a recursive `mkdir` under /proc
 *   spins forever instead of failing);
 * - the nearest existing folder must be a writable folder.
 * Each refusal is `ERR_BAD_OPTION` naming the flag and the path.
 *
 * And where an output is written until it is complete: a `.partial` file of its own, created
 * exclusively, so that it can never be an input or any other file that was there before.
 */
import { accessSync, closeSync, constants, openSync, realpathSync, statSync } from 'node:fs';
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

/**
 * The real path of `file` even when it does not exist yet: the real path of its nearest existing
 * ancestor (symlinks resolved) joined with the rest. The walk up ends at the root.
 */
export function realPathOf(file: string): string {
  const rest: string[] = [];
  let dir = path.resolve(file);
  for (;;) {
    try {
      return path.join(realpathSync(dir), ...rest.reverse());
    } catch {
      const up = path.dirname(dir);
      if (up === dir) return path.resolve(file);
      rest.push(path.basename(dir));
      dir = up;
    }
  }
}

interface FileIdentity {
  real: string;
  dev?: number;
  ino?: number;
}

function identity(file: string): FileIdentity {
  try {
    const st = statSync(file);
    return { real: realPathOf(file), dev: st.dev, ino: st.ino };
  } catch {
    return { real: realPathOf(file) };
  }
}

function sameFile(a: FileIdentity, b: FileIdentity): boolean {
  if (a.real === b.real) return true;
  return a.ino !== undefined && a.dev === b.dev && a.ino === b.ino;
}

/** The nearest existing ancestor of the real path `real` (itself excluded); ends at the root. */
function existingParent(real: string): string {
  let dir = path.dirname(real);
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
 * Throws `ERR_BAD_OPTION` when `out` is one of `inputs` (by real path, or the same device and
 * inode: a symlink or a hard link to it). `flag` names the output in the message.
 */
export function assertNotAnInput(out: string, inputs: readonly string[], flag = 'the output'): void {
  const target = identity(out);
  if (inputs.some((i) => sameFile(identity(i), target))) {
    throw new SiamError(
      'ERR_BAD_OPTION',
      `${flag} ${path.resolve(out)} is the input: it would be overwritten`,
      { hint: 'Give the output another name.' },
    );
  }
}

/**
 * Throws `ERR_BAD_OPTION` unless every output can be written without touching an input, another
 * output, or a pseudo-filesystem. `inputs` are files (live sources and `-` are left out by the
 * caller).
 */
export function checkOutputs(outputs: readonly PlannedOutput[], inputs: readonly string[]): void {
  const seen: { flag: string; id: FileIdentity }[] = [];
  for (const { flag, file } of outputs) {
    const resolved = path.resolve(file);
    const real = identity(file);
    const under = (r: string): boolean => real.real === r || real.real.startsWith(`${r}/`);
    const pseudo = STORAGE_UNDER_PSEUDO.some(under) ? undefined : PSEUDO_ROOTS.find(under);
    if (pseudo) {
      const via = real.real === resolved ? '' : ` (${real.real})`;
      throw new SiamError(
        'ERR_BAD_OPTION',
        `${flag} ${resolved}${via} is under ${pseudo}, which is not storage`,
        {
          hint: 'Write results to a folder on a disk.',
        },
      );
    }
    assertNotAnInput(file, inputs, flag);
    const clash = seen.find((s) => sameFile(s.id, real));
    if (clash) {
      throw new SiamError('ERR_BAD_OPTION', `${flag} and ${clash.flag} are the same file ${resolved}`, {
        hint: 'Give each output its own name.',
      });
    }
    seen.push({ flag, id: real });
    const parent = existingParent(real.real);
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
 * The first name tried for the file where an output is written until it is complete:
 * `<stem>.partial<ext>` beside it (the extension kept, so ffmpeg still knows the format).
 * {@link createPartial} takes the next free one when this is taken.
 */
export function partialPath(file: string): string {
  return partialName(file, 1);
}

function partialName(file: string, n: number): string {
  const { dir, name, ext } = path.parse(path.resolve(file));
  return path.join(dir, `${name}.partial${n > 1 ? `-${n}` : ''}${ext}`);
}

/** Names {@link createPartial} tries before it gives up. */
export const PARTIAL_TRIES = 100;

/**
 * Creates the file where `file` is written until it is complete, exclusively (`wx`): the first of
 * `<stem>.partial<ext>`, `<stem>.partial-2<ext>`, … that does not exist. A file already there (an
 * input named like that, a killed run's leftovers, a symlink) is never opened, let alone
 * truncated. A run that is killed outright leaves its results there, under a name that says so;
 * a finished or signalled run renames it to the final name. Returns its path and an open fd.
 * Other errors (no such folder, not writable) are thrown as `fs` throws them.
 */
export function createPartial(file: string): { path: string; fd: number } {
  for (let n = 1; n <= PARTIAL_TRIES; n++) {
    const candidate = partialName(file, n);
    try {
      return { path: candidate, fd: openSync(candidate, 'wx') };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  throw new SiamError(
    'ERR_BAD_OPTION',
    `Cannot write ${path.resolve(file)}: ${partialPath(file)} and the next ${PARTIAL_TRIES - 1} temporary names are taken`,
    { hint: 'Remove the leftover .partial files of earlier runs beside it, or write elsewhere.' },
  );
}

/** {@link createPartial} for a writer that opens the file itself (ffmpeg): the name, reserved. */
export function reservePartial(file: string): string {
  const { path: reserved, fd } = createPartial(file);
  closeSync(fd);
  return reserved;
}

/**
 * Every child process siamstream starts (ffmpeg, ffprobe, the queue's `track` child) goes through
 * here, so that none outlives its parent — not even after `kill -9`, which no exit handler sees.
 *
 * On Linux the child is started as `setpriv --pdeathsig KILL -- <file> <args…>` (util-linux, in
 * every Debian/Ubuntu base image): setpriv sets PR_SET_PDEATHSIG, then execs the real program under
 * the same pid, so the kernel sends it SIGKILL the moment its parent dies, however it died. Node has
 * no prctl of its own, and a watchdog process holding a pipe to us would cost a Node start per child.
 * Two limits of PR_SET_PDEATHSIG, and why they do not bite here:
 * - it fires when the *thread* that forked the child ends: every spawn in src runs on the main
 *   thread (no worker thread decodes or encodes), which lives as long as the process;
 * - a parent that dies between fork and setpriv's prctl leaves the child unwatched: a window of
 *   microseconds, against the minutes or "for ever" of a child left to itself.
 * Elsewhere (macOS, Windows, a Linux without setpriv or with one older than util-linux 2.33), and
 * for a program that cannot be found (so that spawn's own ENOENT still reports it), the plain
 * command is started: the exit and signal handlers of decode/child-reaper.ts are then all there is.
 */
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { findExecutable } from './executable.js';

let setprivPath: string | null | undefined;

/** setpriv's path when it can set a parent-death signal on this machine (checked once), else null. */
function parentDeathTool(): string | null {
  if (setprivPath !== undefined) return setprivPath;
  setprivPath = null;
  if (process.platform !== 'linux') return setprivPath;
  const found = findExecutable('setpriv');
  if (!found) return setprivPath;
  try {
    // `--pdeathsig` came with util-linux 2.33 (2018): an older setpriv would refuse every command.
    const help = execFileSync(found, ['--help'], { encoding: 'utf8', timeout: 5000 });
    if (help.includes('--pdeathsig')) setprivPath = found;
  } catch {
    // Leave it null: plain spawns.
  }
  return setprivPath;
}

/**
 * The command that runs `file args` and is SIGKILLed when this process dies: `[setpriv,
 * ['--pdeathsig', 'KILL', '--', file, ...args]]` where that works (see the module comment), else
 * `[file, args]` unchanged. For `execFile`-style callers; {@link spawnChild} is the usual way.
 */
export function parentDeathCommand(file: string, args: readonly string[]): [string, string[]] {
  const tool = parentDeathTool();
  const real = tool ? findExecutable(file) : undefined;
  if (!tool || !real) return [file, [...args]];
  return [tool, ['--pdeathsig', 'KILL', '--', real, ...args]];
}

/** `child_process.spawn`, with the child killed by the kernel when this process dies (see above). */
export function spawnChild(file: string, args: readonly string[], options: SpawnOptions): ChildProcess {
  const [cmd, argv] = parentDeathCommand(file, args);
  return spawn(cmd, argv, options);
}

/** True when children are started with a parent-death signal on this machine. */
export function hasParentDeathSignal(): boolean {
  return parentDeathTool() !== null;
}

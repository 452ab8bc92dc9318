/**
 * Makes sure no ffmpeg child outlives this process: on `exit` every live child gets SIGKILL
 * (synchronously, the only thing an exit handler can do), and on SIGINT / SIGTERM / SIGHUP the
 * children are killed and, if nobody else handles the signal, the signal is re-raised so the
 * process still dies of it (adding a listener would otherwise swallow Ctrl-C). Same idea as
 * execa's `cleanup` option (sindresorhus/execa `lib/terminate/cleanup.js`, via `signal-exit`).
 */
import type { ChildProcess } from 'node:child_process';

/** Default grace period between SIGTERM and SIGKILL, in ms (decode's teardown, the annotate encoder). */
export const DEFAULT_KILL_GRACE_MS = 2000;

const live = new Set<ChildProcess>();
let installed = false;
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function killAll(): void {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // Already gone.
    }
  }
  live.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  killAll();
  // If we are the only listener, behave as if we were not there: die of the signal.
  if (process.listenerCount(signal) === 1) {
    for (const s of SIGNALS) process.removeListener(s, onSignal);
    process.removeListener('exit', killAll);
    installed = false;
    process.kill(process.pid, signal);
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', killAll);
  for (const s of SIGNALS) process.on(s, onSignal);
}

/** Tracks `child` until it exits; it is SIGKILLed if this process exits first. */
export function reapOnExit(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  install();
  live.add(child);
  child.once('exit', () => live.delete(child));
}

/**
 * Sends SIGTERM, then SIGKILL after `graceMs` if the child is still alive (execa's
 * `forceKillAfterDelay`). The timer does not keep this process alive: {@link reapOnExit} kills the
 * child if this process exits before the timer fires.
 */
export function terminate(child: ChildProcess, graceMs = DEFAULT_KILL_GRACE_MS): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }, graceMs);
  timer.unref();
  child.once('exit', () => clearTimeout(timer));
}

/** Number of children currently tracked (for tests). */
export function liveChildCount(): number {
  return live.size;
}

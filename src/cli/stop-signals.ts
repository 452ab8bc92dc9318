/**
 * The signals that stop a command cleanly, and the exit status each leaves (128 + the signal's
 * number, as a shell reports a death by it: 130, 143, 129). SIGHUP — a closed terminal, a dropped
 * ssh session — is one of them: left to Node's default, it killed the process outright, so the
 * `.partial` files stayed and the annotate encoder ran on by itself for a while.
 */
import os from 'node:os';

/** Ctrl-C, `kill`, a hang-up. */
export const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** 128 + the signal's number. */
export function exitCodeFor(signal: NodeJS.Signals): number {
  return 128 + (os.constants.signals[signal] ?? 0);
}

/**
 * Calls `handler` on every stop signal until the returned function is called. `on`, not `once`:
 * decode's child reaper re-raises a signal it thinks nobody else handles, and a `once` listener is
 * gone by the time it counts.
 */
export function onStopSignals(handler: (signal: NodeJS.Signals) => void): () => void {
  for (const s of STOP_SIGNALS) process.on(s, handler);
  return () => {
    for (const s of STOP_SIGNALS) process.off(s, handler);
  };
}

/** `siamstream worker` as a real process for the queue tests, on the Redis at `redisUrl`. */
import { spawn, type ChildProcess } from 'node:child_process';
import { REPO_ROOT } from './shared-data.js';

/** A running worker process: its stderr so far and the name it announced. */
export interface WorkerProcess {
  child: ChildProcess;
  log(): string;
  name(): string | undefined;
}

/**
 * Starts `siamstream worker …args`; resolves once it says it is taking jobs. The 120 s limit is a
 * deadlock guard, not a verdict: tsx and the worker's imports take a while on a busy machine.
 */
export async function startWorkerProcess(redisUrl: string, args: readonly string[]): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'worker', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, SIAMSTREAM_REDIS: redisUrl },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const w: WorkerProcess = { child, log: () => log, name: () => /worker (\S+) on/.exec(log)?.[1] };
  const t0 = Date.now();
  while (!w.name()) {
    if (child.exitCode !== null || Date.now() - t0 > 120_000) {
      child.kill('SIGKILL');
      throw new Error(`worker did not start:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return w;
}

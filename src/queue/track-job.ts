/**
 * A track job runs `siamstream track` itself, as a child process: the results are exactly the
 * command's (formats, ids, errors), a crash in it fails the job and not the worker, and the child
 * is ended with the worker. It writes to a temporary name beside `out` (ending like `out`, so the
 * format is the same) that becomes `out` only once the command succeeded: a retried or killed job
 * never leaves a partial file under the final name, and a retry overwrites its own leftovers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkOutputs, partialPath } from '../cli/output-path.js';
import { isLiveSource } from '../decode/source.js';
import { ERROR_CODES, SiamError, type ErrorCode } from '../errors.js';
import type { TrackJob, TrackJobResult } from './jobs.js';

/** The CLI's entry beside this module: the `.ts` source under tsx, else the compiled `.js`. */
function cliArgs(): string[] {
  const ts = import.meta.url.endsWith('.ts');
  const main = fileURLToPath(new URL(`../cli/main.${ts ? 'ts' : 'js'}`, import.meta.url));
  return [...(ts ? ['--import', 'tsx'] : []), main];
}

/** The temporary name of a job's output: hidden, beside `out`, ending like it. */
export function jobOutputPath(out: string, jobId: string): string {
  return path.join(path.dirname(out), `.siamstream-${jobId}.${path.basename(out)}`);
}

/** The coded error of the child's last `siamstream: ERR_…: message` line, or ERR_INTERNAL. */
function childError(stderr: string, exit: string): SiamError {
  const lines = stderr.trim().split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /^siamstream: (ERR_[A-Z_]+): (.*)$/.exec(lines[i]);
    if (m && m[1] in ERROR_CODES) return new SiamError(m[1] as ErrorCode, m[2]);
  }
  return new SiamError('ERR_INTERNAL', `siamstream track ${exit}: ${lines.slice(-3).join(' | ')}`);
}

/** Runs one track job; `children` holds the child while it runs (the worker ends it on close). */
export async function runTrackJob(
  job: TrackJob,
  jobId: string,
  children: Set<ChildProcess>,
): Promise<TrackJobResult> {
  const tmp = jobOutputPath(job.out, jobId);
  const args = [
    ...cliArgs(),
    'track',
    job.source,
    ...job.boxes.flatMap((b) => ['--box', b]),
    '--out',
    tmp,
    ...(job.format ? ['--format', job.format] : []),
    ...(job.preset ? ['--preset', job.preset] : []),
    ...(job.backend ? ['--backend', job.backend] : []),
    ...(job.engine ? ['--engine', job.engine] : []),
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  children.add(child);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString('utf8')).slice(-8192);
  });
  const exit = await new Promise<string>((resolve) => {
    child.on('error', (e) => resolve(`could not start: ${e.message}`));
    child.on('exit', (code, signal) => resolve(signal ? `killed by ${signal}` : `exited with ${code}`));
  });
  children.delete(child);
  if (exit !== 'exited with 0') {
    await Promise.all([rm(tmp, { force: true }), rm(partialPath(tmp), { force: true })]);
    throw childError(stderr, exit);
  }
  // The job's data may come from any Redis client, and paths may have changed since submit: never
  // rename onto the source (real paths and inodes compared, as the CLI does).
  try {
    checkOutputs([{ flag: '--out', file: job.out }], isLiveSource(job.source) ? [] : [job.source]);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  await rename(tmp, job.out);
  return { source: job.source, out: job.out, targets: job.boxes.length };
}

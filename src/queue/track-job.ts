/**
 * A track job runs `siamstream track` itself, as a child process: the results are exactly the
 * command's (formats, ids, errors), a crash in it fails the job and not the worker, and the child
 * dies with the worker, even a worker killed with `kill -9` (util/child-process.ts). It writes to a
 * temporary name beside `out` (ending like `out`, so the format is the same) that becomes `out`
 * only once the command succeeded: a retried or killed job never leaves a partial file under the
 * final name. Each attempt has a name of its own (job id, attempt, random), so an earlier attempt
 * still writing — on a machine cut off from Redis, whose job was handed to another worker — can
 * never write into the retry's file; the leftovers of earlier attempts go once an attempt ends.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkOutputs, partialPath } from '../cli/output-path.js';
import { isLiveSource } from '../decode/source.js';
import { ERROR_CODES, SiamError, type ErrorCode } from '../errors.js';
import { spawnChild } from '../util/child-process.js';
import type { TrackJob, TrackJobResult } from './jobs.js';

/** The CLI's entry beside this module: the `.ts` source under tsx, else the compiled `.js`. */
function cliArgs(): string[] {
  const ts = import.meta.url.endsWith('.ts');
  const main = fileURLToPath(new URL(`../cli/main.${ts ? 'ts' : 'js'}`, import.meta.url));
  return [...(ts ? ['--import', 'tsx'] : []), main];
}

/** The start of the temporary names of a job's outputs (every attempt's). */
function jobTempPrefix(jobId: string): string {
  return `.siamstream-${jobId}.`;
}

/** The temporary name of one attempt's output: hidden, beside `out`, ending like it, unique. */
export function jobOutputPath(out: string, jobId: string, attempt: number): string {
  const unique = `${attempt}-${randomBytes(4).toString('hex')}`;
  return path.join(path.dirname(out), `${jobTempPrefix(jobId)}${unique}.${path.basename(out)}`);
}

/**
 * Removes what earlier attempts of the job (lower numbers: a later one may still be running
 * elsewhere) left beside `out`, their `.partial` files included.
 */
async function removeEarlierAttempts(out: string, jobId: string, attempt: number): Promise<void> {
  const dir = path.dirname(out);
  const prefix = jobTempPrefix(jobId);
  const tails = [path.basename(out), path.basename(partialPath(out))];
  const names = await readdir(dir).catch(() => [] as string[]);
  const earlier = names.filter((n) => {
    if (!n.startsWith(prefix)) return false;
    const m = /^(\d+)-[0-9a-f]{8}\.(.+)$/.exec(n.slice(prefix.length));
    return m !== null && Number(m[1]) < attempt && tails.includes(m[2]);
  });
  await Promise.all(earlier.map((n) => rm(path.join(dir, n), { force: true })));
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

/**
 * Runs one attempt (`attempt`: BullMQ's `attemptsStarted`, 1 for the first) of a track job;
 * `children` holds the child while it runs (the worker ends it on close).
 */
export async function runTrackJob(
  job: TrackJob,
  jobId: string,
  attempt: number,
  children: Set<ChildProcess>,
): Promise<TrackJobResult> {
  const tmp = jobOutputPath(job.out, jobId, attempt);
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
  const child = spawnChild(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
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
  await removeEarlierAttempts(job.out, jobId, attempt);
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

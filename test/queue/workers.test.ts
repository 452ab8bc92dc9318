/**
 * The queue for real: a real redis-server, real worker processes (`siamstream worker`), real
 * classify and track jobs.
 * - Nothing lost, nothing twice: 30 classify jobs over 3 workers, one killed with SIGKILL while it
 *   runs a job; every job completes, its result is the one for its file, no job is done twice,
 *   and the killed worker's job is run again by another.
 * - `submit --wait` through the CLI: results as `classify` prints them; a repeat adds nothing; a
 *   track job writes its results file whole; a failing one reports its code after its retries and
 *   leaves no file; `jobs --json` counts them.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Queue, QueueEvents } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { initBackend } from '../../src/backend/backend.js';
import { saveClipModel } from '../../src/classify/model.js';
import type { FileLabel } from '../../src/classify/classify-file.js';
import { QUEUE_PREFIX } from '../../src/queue/jobs.js';
import { jobCounts, submitJobs, waitForJobs, type Finished } from '../../src/queue/index.js';
import { randomClipModel } from '../helpers/clip-model.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process.js';
import { REPO_ROOT } from '../helpers/shared-data.js';
import { SLOW_TEST_TIMEOUT_MS } from '../helpers/timeouts.js';

// Real processes, decoding or training: each test's deadlock guard is 10 min (test/helpers/timeouts.ts).
vi.setConfig({ testTimeout: SLOW_TEST_TIMEOUT_MS });

const run = promisify(execFile);
const ACTIONS = path.join(REPO_ROOT, 'samples/actions');
const VIDEO = path.join(REPO_ROOT, 'samples/tracking/video.mp4');

let redis: TestRedis;
let tmp: string;
let model: string;
const workers: WorkerProcess[] = [];

/** A `siamstream worker` process on the test's Redis; killed after the tests. */
async function startWorker(lockMs = 2000): Promise<WorkerProcess> {
  const w = await startWorkerProcess(redis.url, ['--lock-ms', String(lockMs), '--queues', 'classify,track']);
  workers.push(w);
  return w;
}

const cli = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, SIAMSTREAM_REDIS: redis.url },
    maxBuffer: 16 << 20,
  });

beforeAll(async () => {
  redis = await startRedis('pa55word');
  tmp = await mkdtemp(path.join(os.tmpdir(), 'siam-queue-'));
  model = path.join(tmp, 'model');
  await initBackend('cpu');
  await saveClipModel(randomClipModel(['a', 'b', 'c'], 6), model);
});

afterAll(async () => {
  for (const w of workers) w.child.kill('SIGKILL');
  await redis?.stop();
  await rm(tmp, { recursive: true, force: true });
});

/** Classify jobs of the first test (the second counts them too). */
const CLASSIFY_JOBS = 30;

describe('siamstream worker on a real Redis', () => {
  it('30 classify jobs over 3 workers, one killed mid-job: each completes exactly once', async () => {
    // 30 distinct inputs: the sample clips copied under new names (a job's id is its input).
    const clips = (await readdir(ACTIONS, { recursive: true })).filter((f) => f.endsWith('.mp4')).sort();
    const files: string[] = [];
    for (let i = 0; i < CLASSIFY_JOBS; i++) {
      const f = path.join(tmp, `clip-${String(i).padStart(2, '0')}.mp4`);
      await copyFile(path.join(ACTIONS, clips[i % clips.length]), f);
      files.push(f);
    }
    const pool = await Promise.all([startWorker(), startWorker(), startWorker()]);
    const submitted = await submitJobs(
      redis.url,
      'classify',
      files.map((file) => ({ file, model })),
    );
    expect(submitted.map((s) => s.status)).toEqual(files.map(() => 'added'));
    const ids = submitted.map((s) => s.id);

    // Once a few are done, kill -9 a worker while it holds a job.
    const queue = new Queue('classify', { connection: { url: redis.url }, prefix: QUEUE_PREFIX });
    // Every completion BullMQ records, by job: each must appear exactly once.
    const events = new QueueEvents('classify', { connection: { url: redis.url }, prefix: QUEUE_PREFIX });
    const completions: string[] = [];
    events.on('completed', ({ jobId }) => completions.push(jobId));
    await events.waitUntilReady();
    let killed: { name: string; jobs: string[] } | undefined;
    const results: Array<Finished<FileLabel>> = [];
    const waiting = waitForJobs<FileLabel>(redis.url, 'classify', ids, (f) => results.push(f));
    const t0 = Date.now();
    while (!killed && Date.now() - t0 < 60_000) {
      if (results.length >= 6) {
        const active = await queue.getJobs(['active']);
        const victim = pool.find((w) => active.some((j) => j.processedBy === w.name()));
        if (victim) {
          const jobs = active.filter((j) => j.processedBy === victim.name()).map((j) => String(j.id));
          victim.child.kill('SIGKILL');
          killed = { name: victim.name() as string, jobs };
        }
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(killed, 'no worker was caught holding a job').toBeDefined();
    await waiting;
    const { name: killedName, jobs: killedJobs } = killed!;

    // Nothing lost: every job completed, with the result for its own file.
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(results.map((r) => r.id).sort()).toEqual([...ids].sort());
    for (const r of results) {
      if (!r.ok) continue;
      expect(r.result.file).toBe(files[ids.indexOf(r.id)]);
      expect(Object.keys(r.result.scores).sort()).toEqual(['a', 'b', 'c']);
    }
    // Nothing twice: each job completed once (BullMQ's event stream), no worker reported one twice …
    // The last events in flight: BullMQ's event stream may lag the results on a busy machine.
    for (const t0 = Date.now(); completions.length < ids.length && Date.now() - t0 < 60_000;)
      await new Promise((r) => setTimeout(r, 20));
    expect([...completions].sort()).toEqual([...ids].sort());
    const done = workers.flatMap((w) =>
      [...w.log().matchAll(/classify (classify-[0-9a-f]+) done/g)].map((m) => m[1]),
    );
    expect(new Set(done).size).toBe(done.length);
    // … and the killed worker's job went back to the queue and was finished by another worker.
    const rerun: string[] = [];
    for (const id of killedJobs) {
      const job = await queue.getJob(id);
      expect(await job?.getState()).toBe('completed');
      if (job?.processedBy !== killedName && (job?.stalledCounter ?? 0) >= 1) rerun.push(id);
    }
    expect(rerun.length).toBeGreaterThanOrEqual(1);
    await events.close();
    expect(await jobCounts(redis.url)).toMatchObject({
      classify: { completed: CLASSIFY_JOBS, failed: 0, active: 0 },
    });
    await queue.close();
  }, 180_000);

  it('submit --wait prints results; a repeat adds nothing; track jobs write whole files or none', async () => {
    if (workers.every((w) => w.child.exitCode !== null || w.child.signalCode !== null)) await startWorker();
    const clip = path.join(tmp, 'clip-00.mp4');
    const first = await cli('submit', 'classify', clip, '--model', model, '--wait');
    const line = JSON.parse(first.stdout.trim()) as FileLabel;
    expect(line.file).toBe(clip); // done above: the result of that job, not a new one
    expect(first.stderr).toMatch(/1 classify job\(s\): 0 added, 1 already there/);
    const listed = await cli('submit', 'classify', clip, '--model', model);
    expect(JSON.parse(listed.stdout.trim())).toMatchObject({ status: 'existing', input: clip });

    const out = path.join(tmp, 'results', 'two.mot.txt');
    const track = await cli(
      'submit',
      'track',
      VIDEO,
      '--box',
      '18,102,44,36',
      '--box',
      '200,40,40,40',
      '--out',
      out,
      '--wait',
    );
    expect(JSON.parse(track.stdout.trim())).toEqual({ source: VIDEO, out, targets: 2 });
    const rows = (await readFile(out, 'utf8')).trim().split('\n');
    expect(new Set(rows.map((r) => r.split(',')[1]))).toEqual(new Set(['1', '2']));
    expect((await readdir(path.dirname(out))).filter((f) => f.startsWith('.'))).toEqual([]); // no temporary left

    // A box outside the frame fails every attempt: the code comes back, no results file appears.
    const bad = path.join(tmp, 'results', 'bad.csv');
    const failed = await cli(
      'submit',
      'track',
      VIDEO,
      '--box',
      '900,900,10,10',
      '--out',
      bad,
      '--wait',
    ).catch((e: { code: number; stderr: string }) => e);
    expect(failed).toMatchObject({ code: 2 });
    expect((failed as { stderr: string }).stderr).toMatch(/ERR_JOB_FAILED: .*ERR_BAD_BOX/);
    await expect(stat(bad)).rejects.toMatchObject({ code: 'ENOENT' });

    const counts = JSON.parse((await cli('jobs', '--json')).stdout) as Record<string, Record<string, number>>;
    expect(counts.track).toMatchObject({ completed: 1, failed: 1 });
    expect(counts.classify.completed).toBe(CLASSIFY_JOBS);
    // The password never reaches a log line.
    for (const w of workers) expect(w.log()).not.toMatch(/pa55word/);
  }, 120_000);
});

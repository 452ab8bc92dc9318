/**
 * Throughput of the queue on this machine, every row in the same run, on a real redis-server:
 * - the peers: `siamstream classify` on all M clips in one process (the single-machine command,
 *   start-up included), and `classifyFile` in a plain loop with the model loaded (no queue);
 * - M classify jobs (copies of the sample action clips, a random model of the trained shape) run by
 *   1, 2 and 3 `siamstream worker` processes (started and connected before the clock starts);
 * - the queue's own cost per job: M identity jobs (a processor that returns at once) through one
 *   BullMQ worker in this process.
 * Uses the built CLI (dist: `npm run build`).
 *
 *   node --import tsx/esm bench/queue.ts [--jobs 40] [--json out.json]
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { writeFileSync } from 'node:fs';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { initBackend } from '../src/backend/backend.js';
import { classifyFile } from '../src/classify/classify-file.js';
import { createClipClassifier } from '../src/classify/index.js';
import { saveClipModel } from '../src/classify/model.js';
import { submitJobs, waitForJobs } from '../src/queue/index.js';
import { randomClipModel } from '../test/helpers/clip-model.js';
import { startRedis } from '../test/helpers/redis.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const cliPath = path.join(root, 'bin/siamstream.js');
const { values: args } = parseArgs({
  options: { jobs: { type: 'string', default: '40' }, json: { type: 'string' } },
});
const M = Number(args.jobs);
const ACTIONS = path.join(root, 'samples/actions');

/** `siamstream worker` processes on `url`; resolves once each says it takes jobs. */
async function startWorkers(url: string, n: number): Promise<ChildProcess[]> {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const child = spawn(process.execPath, [cliPath, 'worker', '--queues', 'classify'], {
        env: { ...process.env, SIAMSTREAM_REDIS: url },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let log = '';
      child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
      const t0 = Date.now();
      while (!/ worker \S+ on /.test(log)) {
        if (child.exitCode !== null || Date.now() - t0 > 30_000)
          throw new Error(`worker did not start:\n${log}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return child;
    }),
  );
}

const tmp = await mkdtemp(path.join(os.tmpdir(), 'siam-bench-queue-'));
const redis = await startRedis();
try {
  await initBackend('cpu');
  const model = path.join(tmp, 'model');
  await saveClipModel(randomClipModel(['a', 'b', 'c'], 6), model);
  await initBackend('wasm'); // what classify and the workers run on (cpu only made the random weights)
  const clips = (await readdir(ACTIONS, { recursive: true })).filter((f) => f.endsWith('.mp4')).sort();
  /** M distinct files per round (a job's id is its input: a round must not find the last one's jobs). */
  const copies = async (round: string): Promise<string[]> => {
    const files: string[] = [];
    for (let i = 0; i < M; i++) {
      const f = path.join(tmp, `${round}-${i}.mp4`);
      await copyFile(path.join(ACTIONS, clips[i % clips.length]), f);
      files.push(f);
    }
    return files;
  };
  const rows: { what: string; ms: number }[] = [];

  // Peer 1: the single-process command on all the clips, start-up included.
  const cliFiles = await copies('cli');
  let t0 = performance.now();
  await promisify(execFile)(process.execPath, [cliPath, 'classify', ...cliFiles, '--model', model], {
    maxBuffer: 64 << 20,
  });
  rows.push({ what: '`siamstream classify` (1 process)', ms: performance.now() - t0 });

  // Peer 2: the same work in a loop, the model loaded (after one warm-up file).
  const classifier = await createClipClassifier({ model });
  await classifyFile(classifier, cliFiles[0]);
  t0 = performance.now();
  for (const f of cliFiles) await classifyFile(classifier, f);
  rows.push({ what: 'classifyFile loop (model loaded)', ms: performance.now() - t0 });
  await classifier.dispose();

  // The queue: 1, 2, 3 worker processes, each warmed up on one job before the clock starts.
  let failed = 0;
  for (const n of [1, 2, 3]) {
    const workers = await startWorkers(redis.url, n);
    try {
      const warm = await submitJobs(
        redis.url,
        'classify',
        (await copies(`warm${n}`)).slice(0, n).map((file) => ({ file, model })),
      );
      await waitForJobs(
        redis.url,
        'classify',
        warm.map((s) => s.id),
        () => undefined,
      );
      const files = await copies(`w${n}`);
      t0 = performance.now();
      const submitted = await submitJobs(
        redis.url,
        'classify',
        files.map((file) => ({ file, model })),
      );
      await waitForJobs(
        redis.url,
        'classify',
        submitted.map((s) => s.id),
        (f) => void (f.ok || failed++),
      );
      rows.push({ what: `queue, ${n} worker process${n > 1 ? 'es' : ''}`, ms: performance.now() - t0 });
    } finally {
      for (const w of workers) w.kill('SIGTERM');
      await Promise.all(
        workers.map((w) => new Promise((r) => (w.exitCode !== null ? r(0) : w.once('exit', r)))),
      );
    }
  }

  // The queue's own cost: identity jobs through one worker in this process.
  const connection = { url: redis.url };
  const identity = new Queue('identity', { connection, prefix: 'siamstream-bench' });
  const events = new QueueEvents('identity', { connection, prefix: 'siamstream-bench' });
  await events.waitUntilReady();
  const worker = new Worker('identity', async () => null, { connection, prefix: 'siamstream-bench' });
  await worker.waitUntilReady();
  const done = new Promise<void>((resolve) => {
    let count = 0;
    events.on('completed', () => ++count === M && resolve());
  });
  t0 = performance.now();
  await identity.addBulk(Array.from({ length: M }, (_, i) => ({ name: 'identity', data: { i } })));
  await done;
  const identityMs = performance.now() - t0;
  await Promise.all([worker.close(), events.close(), identity.close()]);

  console.log(
    `queue bench: ${M} classify jobs (sample action clips, 160x120, 1.6 s each), Redis on localhost, ${os.cpus().length} cores`,
  );
  console.log(
    `| ${'path'.padEnd(36)} | ${'total s'.padStart(8)} | ${'clips/min'.padStart(9)} | ${'ms/clip'.padStart(8)} |`,
  );
  console.log(`|${'-'.repeat(38)}|${'-'.repeat(10)}|${'-'.repeat(11)}|${'-'.repeat(10)}|`);
  for (const r of rows)
    console.log(
      `| ${r.what.padEnd(36)} | ${(r.ms / 1000).toFixed(2).padStart(8)} | ${((M * 60_000) / r.ms).toFixed(0).padStart(9)} | ${(r.ms / M).toFixed(1).padStart(8)} |`,
    );
  console.log(
    `identity jobs (the queue alone): ${(identityMs / M).toFixed(2)} ms/job (${((M * 1000) / identityMs).toFixed(0)} jobs/s); failed jobs: ${failed}`,
  );
  if (args.json)
    writeFileSync(args.json, `${JSON.stringify({ jobs: M, rows, identityMs, failed }, null, 2)}\n`);
} finally {
  await redis.stop();
  await rm(tmp, { recursive: true, force: true });
}

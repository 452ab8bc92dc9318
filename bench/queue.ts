/**
 * Jobs per second through the queue: M classify jobs (copies of the sample action clips, a model
 * trained-shape but random) run by one in-process worker on a real redis-server, against the same
 * clips labelled by `classifyFile` in a plain loop (the peer: no queue), in the same run. The ratio
 * is the queue's overhead (Redis round trips, locks, events) per job.
 *
 *   node --import tsx/esm bench/queue.ts [--jobs 40] [--json out.json]
 */
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeFileSync } from 'node:fs';
import { initBackend } from '../src/backend/backend.js';
import { classifyFile } from '../src/classify/classify-file.js';
import { createClipClassifier } from '../src/classify/index.js';
import { saveClipModel } from '../src/classify/model.js';
import { runWorker, submitJobs, waitForJobs } from '../src/queue/index.js';
import { randomClipModel } from '../test/helpers/clip-model.js';
import { startRedis } from '../test/helpers/redis.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: { jobs: { type: 'string', default: '40' }, json: { type: 'string' } },
});
const M = Number(args.jobs);
const ACTIONS = path.resolve(here, '../samples/actions');

const tmp = await mkdtemp(path.join(os.tmpdir(), 'siam-bench-queue-'));
const redis = await startRedis();
try {
  await initBackend('cpu');
  const model = path.join(tmp, 'model');
  await saveClipModel(randomClipModel(['a', 'b', 'c'], 6), model);
  await initBackend('wasm'); // what classify and the workers run on (cpu only made the random weights)
  const clips = (await readdir(ACTIONS, { recursive: true })).filter((f) => f.endsWith('.mp4')).sort();
  const files: string[] = [];
  for (let i = 0; i < M; i++) {
    const f = path.join(tmp, `clip-${i}.mp4`);
    await copyFile(path.join(ACTIONS, clips[i % clips.length]), f);
    files.push(f);
  }

  // The peer: the same files, one classifier, a plain loop (after one warm-up file).
  const classifier = await createClipClassifier({ model });
  await classifyFile(classifier, files[0]);
  let t0 = performance.now();
  for (const f of files) await classifyFile(classifier, f);
  const loopMs = performance.now() - t0;
  await classifier.dispose();

  // The queue: one worker in this process, warmed up on one job first.
  const worker = await runWorker({ redis: redis.url, queues: ['classify'] });
  const warm = await submitJobs(redis.url, 'classify', [{ file: files[0], model, window: 5 }]);
  await waitForJobs(redis.url, 'classify', [warm[0].id], () => undefined);
  t0 = performance.now();
  const submitted = await submitJobs(
    redis.url,
    'classify',
    files.map((file) => ({ file, model })),
  );
  const submitMs = performance.now() - t0;
  let failed = 0;
  await waitForJobs(
    redis.url,
    'classify',
    submitted.map((s) => s.id),
    (f) => void (f.ok || failed++),
  );
  const queueMs = performance.now() - t0;
  await worker.close();

  const rows = [
    { what: 'classifyFile in a loop (peer)', ms: loopMs },
    { what: 'submit + 1 worker + wait', ms: queueMs },
  ];
  console.log(
    `queue bench: ${M} classify jobs (sample action clips, 160x120, 1.6 s each), 1 worker, Redis on localhost`,
  );
  console.log(
    `${'path'.padEnd(32)} ${'total s'.padStart(8)} ${'jobs/s'.padStart(8)} ${'ms/job'.padStart(8)}`,
  );
  for (const r of rows)
    console.log(
      `${r.what.padEnd(32)} ${(r.ms / 1000).toFixed(2).padStart(8)} ${((M * 1000) / r.ms).toFixed(1).padStart(8)} ${(r.ms / M).toFixed(1).padStart(8)}`,
    );
  console.log(
    `submit alone: ${(submitMs / M).toFixed(2)} ms/job; queue overhead ${((queueMs - loopMs) / M).toFixed(1)} ms/job (${(queueMs / loopMs).toFixed(2)}× the loop); failed ${failed}`,
  );
  if (args.json)
    writeFileSync(args.json, `${JSON.stringify({ jobs: M, loopMs, queueMs, submitMs, failed }, null, 2)}\n`);
} finally {
  await redis.stop();
  await rm(tmp, { recursive: true, force: true });
}

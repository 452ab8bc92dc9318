/**
 * What the queue refuses and how, on a real redis-server with a real worker process:
 * - `submit` refuses what `track` / `classify` would (output onto the input, a folder, a bad
 *   preset, an output under /proc) with the CLI's codes, before anything is queued;
 * - a worker fails a job whose data is not JSON (ERR_BAD_JOB, logged, no retries) and never
 *   renames a track job's results onto its source;
 * - a worker stopped by SIGTERM puts its interrupted track job back without spending an attempt;
 * - a wrong or missing password is ERR_REDIS_AUTH at once; no form of the password is printed.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { jobCounts, submitJobs } from '../../src/queue/index.js';
import { QUEUE_PREFIX } from '../../src/queue/jobs.js';
import { connectRedis } from '../../src/queue/redis.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { REPO_ROOT } from '../helpers/shared-data.js';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process.js';
import { SLOW_TEST_TIMEOUT_MS } from '../helpers/timeouts.js';

// Real processes, decoding or training: each test's deadlock guard is 10 min (test/helpers/timeouts.ts).
vi.setConfig({ testTimeout: SLOW_TEST_TIMEOUT_MS });

const run = promisify(execFile);
const VIDEO = path.join(REPO_ROOT, 'samples/tracking/video.mp4');
const PASSWORD = 'gu4rd-s3cret';
const BOX = '18,102,44,36';

let redis: TestRedis;
let tmp: string;
let queue: Queue;
let worker: WorkerProcess | undefined;
let silent: Server | undefined;
const sockets: Socket[] = [];

beforeAll(async () => {
  redis = await startRedis(PASSWORD);
  tmp = await mkdtemp(path.join(os.tmpdir(), 'siam-guards-'));
  queue = new Queue('track', { connection: { url: redis.url }, prefix: QUEUE_PREFIX });
});
afterAll(async () => {
  worker?.child.kill('SIGKILL');
  for (const s of sockets) s.destroy();
  silent?.close();
  await queue?.close();
  await redis?.stop();
  await rm(tmp, { recursive: true, force: true });
});

async function until(ok: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await ok())) await new Promise((r) => setTimeout(r, 100)); // the test's timeout bounds it
}

const emptyQueues = async (): Promise<void> => {
  const counts = await jobCounts(redis.url);
  for (const q of ['track', 'classify'] as const)
    expect(
      Object.values(counts[q]).reduce((a, b) => a + b, 0),
      q,
    ).toBe(0);
};

describe('the queue refuses, and says so', () => {
  it('submit refuses what track and classify would, with their codes, and queues nothing', async () => {
    const video = path.join(tmp, 'v.mp4');
    await copyFile(VIDEO, video);
    const before = await readFile(video);
    // The case: the results file is the video.
    const onto = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli/main.ts',
        'submit',
        'track',
        video,
        '--box',
        BOX,
        '--out',
        video,
        '--format',
        'csv',
      ],
      { cwd: REPO_ROOT, env: { ...process.env, SIAMSTREAM_REDIS: redis.url } },
    ).catch((e: { code: number; stderr: string }) => e);
    expect(onto).toMatchObject({ code: 2 });
    expect((onto as { stderr: string }).stderr).toMatch(/ERR_BAD_OPTION: --out .*v\.mp4 is the input/);
    expect(await readFile(video)).toEqual(before);

    const link = path.join(tmp, 'link.csv');
    await symlink(video, link);
    const folder = path.join(tmp, 'folder');
    await mkdir(folder);
    const track = (d: Partial<{ source: string; out: string; preset: string; format: 'txt' }>) =>
      submitJobs(redis.url, 'track', [{ source: video, boxes: [BOX], out: path.join(tmp, 'r.csv'), ...d }]);
    await expect(track({ out: link })).rejects.toMatchObject({ code: 'ERR_BAD_OPTION' });
    await expect(track({ source: folder })).rejects.toMatchObject({ code: 'ERR_SOURCE_NOT_FOUND' });
    await expect(track({ preset: 'nosuch' })).rejects.toMatchObject({
      code: 'ERR_BAD_OPTION',
      message: expect.stringMatching(/preset/) as unknown,
    });
    await expect(track({ out: '/proc/self/results.csv' })).rejects.toMatchObject({
      code: 'ERR_BAD_OPTION',
      message: expect.stringMatching(/under \/proc/) as unknown,
    });
    await expect(submitJobs(redis.url, 'classify', [{ file: folder, model: folder }])).rejects.toMatchObject({
      code: 'ERR_SOURCE_NOT_FOUND',
    });
    expect(await readFile(video)).toEqual(before);
    await emptyQueues();
  }, 120_000);

  it('a worker fails a job whose data is not JSON, and never renames results onto the source', async () => {
    // Jobs as another Redis client could write them, queued before any worker runs.
    await queue.add(
      'track',
      { source: VIDEO, boxes: [BOX], out: path.join(tmp, 'x.csv') },
      { jobId: 'not-json' },
    );
    const client = new Redis(redis.url);
    await client.hset(`${QUEUE_PREFIX}:track:not-json`, 'data', '{"source": "v.mp4", boxes');
    client.disconnect();
    const self = path.join(tmp, 'self.mp4');
    await copyFile(VIDEO, self);
    const before = await readFile(self);
    await queue.add(
      'track',
      { source: self, boxes: [BOX], out: self, format: 'csv' },
      { jobId: 'onto-source', attempts: 1 },
    );

    // The password given as a query option: the banner shows it redacted.
    worker = await startWorkerProcess(`redis://127.0.0.1:${redis.port}/?password=${PASSWORD}`, [
      '--queues',
      'track',
    ]);
    expect(worker.log()).toMatch(/ at redis:\/\/127\.0\.0\.1:\d+\/\?password=\*\*\*/);

    const finished = async (id: string) => ['failed', 'completed'].includes(await queue.getJobState(id));
    await until(async () => (await finished('not-json')) && (await finished('onto-source')));
    // Read as stored (BullMQ's getJob would parse the data, and throw).
    const reader = new Redis(redis.url);
    const bad = await reader.hgetall(`${QUEUE_PREFIX}:track:not-json`);
    reader.disconnect();
    expect(await queue.getJobState('not-json')).toBe('failed');
    expect(bad.failedReason).toMatch(/^ERR_BAD_JOB: /);
    expect(worker.log()).toMatch(/track not-json failed \(attempt 1\): ERR_BAD_JOB/);
    // Failed once and for all (of 3 attempts): the data stays what it is.
    expect(worker.log().match(/track not-json failed/g)).toHaveLength(1);

    const onto = await queue.getJob('onto-source');
    expect(await onto?.getState()).toBe('failed');
    expect(onto?.failedReason).toMatch(/ERR_BAD_OPTION: --out .*self\.mp4 is the input/);
    expect(await readFile(self)).toEqual(before);
    expect((await readdir(tmp)).filter((f) => f.startsWith('.siamstream-'))).toEqual([]);
    expect(worker.log()).not.toContain(PASSWORD);
  }, 180_000);

  it('a worker stopped by SIGTERM puts its running track job back without spending an attempt', async () => {
    // A stream that never sends a byte: the job cannot end before the worker is stopped.
    let connected = false;
    silent = createServer((s) => {
      sockets.push(s);
      connected = true;
    });
    await new Promise<void>((r) => silent!.listen(0, '127.0.0.1', r));
    const { port } = silent.address() as { port: number };
    worker ??= await startWorkerProcess(redis.url, ['--queues', 'track']);
    const [job] = await submitJobs(redis.url, 'track', [
      { source: `tcp://127.0.0.1:${port}`, boxes: [BOX], out: path.join(tmp, 'stream.csv') },
    ]);
    await until(() => connected); // the job's `track` child is reading the stream
    expect(await queue.getJobState(job.id)).toBe('active');
    const exited = new Promise<number | null>((r) => worker!.child.once('exit', (code) => r(code)));
    worker.child.kill('SIGTERM');
    expect(await exited).toBe(143);
    const back = await queue.getJob(job.id);
    expect(await back?.getState()).toBe('waiting');
    expect(back?.attemptsMade).toBe(0);
    expect(worker.log()).toMatch(new RegExp(`track ${job.id} handed back to the queue`));
  }, 120_000);

  it('a wrong or missing password is ERR_REDIS_AUTH at once, even with an endless wait', async () => {
    const at = `127.0.0.1:${redis.port}`;
    for (const url of [`redis://:wr0ng-pw@${at}`, `redis://wr0ng-pw@${at}`, `redis://${at}`]) {
      const e = await connectRedis({ url, waitMs: Infinity }).catch((x: unknown) => x);
      expect(e, url).toMatchObject({
        code: 'ERR_REDIS_AUTH',
        hint: expect.stringMatching(/password/) as unknown,
      });
      expect(String((e as Error).message)).not.toMatch(/wr0ng-pw|Connection is closed/);
    }
    // Nothing listening: the password, however given, is not in the error.
    for (const url of [`redis://${PASSWORD}@127.0.0.1:1`, `redis://127.0.0.1:1/?password=${PASSWORD}`]) {
      const e = await connectRedis(url).catch((x: unknown) => x);
      expect(e).toMatchObject({ code: 'ERR_REDIS_UNAVAILABLE' });
      expect(String((e as Error).message)).not.toContain(PASSWORD);
    }
  }, 60_000);
});

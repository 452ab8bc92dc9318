/**
 * Redis down and back, for real (a redis-server with its append-only file on, stopped and started
 * again on the same port and folder):
 * - `jobs` and `submit` say ERR_REDIS_UNAVAILABLE on each try, retry with backoff, and give up
 *   after `--redis-wait`;
 * - a worker started while Redis is down waits for it, then runs every job queued before;
 * - a running worker says when its connection drops and comes back, and takes new jobs after;
 * - a camera session goes on after a restart longer than its lock (its worker takes it back from
 *   its state key).
 * Nothing queued is lost, no password is printed.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { initBackend } from '../../src/backend/backend.js';
import { saveClipModel } from '../../src/classify/model.js';
import { Redis } from 'ioredis';
import { jobCounts, listCameras, submitJobs } from '../../src/queue/index.js';
import { liveKeys, parseLiveState } from '../../src/queue/live-channels.js';
import { SAMPLE_VIDEO } from '../helpers/sample.js';
import { startWorkerProcess } from '../helpers/worker-process.js';
import { randomClipModel } from '../helpers/clip-model.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { REPO_ROOT } from '../helpers/shared-data.js';
import { SLOW_TEST_TIMEOUT_MS } from '../helpers/timeouts.js';

// Real processes, decoding or training: each test's deadlock guard is 10 min (test/helpers/timeouts.ts).
vi.setConfig({ testTimeout: SLOW_TEST_TIMEOUT_MS });

const run = promisify(execFile);
const ACTIONS = path.join(REPO_ROOT, 'samples/actions');
const PASSWORD = 'n0t-in-logs';

let redis: TestRedis | undefined;
let tmp: string | undefined;
/** Every worker process the tests start: none outlives the file. */
const workers: ChildProcess[] = [];

afterAll(async () => {
  for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
  await redis?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const t0 = Date.now();
  while (!(await ok())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('Redis down and back', () => {
  it('submit and jobs retry then give up with ERR_REDIS_UNAVAILABLE; a worker waits, and nothing queued is lost', async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'siam-redis-down-'));
    const model = path.join(tmp, 'model');
    await initBackend('cpu');
    await saveClipModel(randomClipModel(['a', 'b', 'c'], 6), model);
    const clips = (await readdir(ACTIONS, { recursive: true })).filter((f) => f.endsWith('.mp4')).sort();
    const files: string[] = [];
    for (let i = 0; i < 8; i++) {
      const f = path.join(tmp, `clip-${i}.mp4`);
      await copyFile(path.join(ACTIONS, clips[i % clips.length]), f);
      files.push(f);
    }
    redis = await startRedis(PASSWORD, { persist: true });
    const { url, port, dir } = redis;
    const env = { ...process.env, SIAMSTREAM_REDIS: url };
    const cli = (...args: string[]) =>
      run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: REPO_ROOT, env });

    // Six jobs queued, no worker yet; then Redis goes down (its append-only file kept).
    const queued = await submitJobs(
      url,
      'classify',
      files.slice(0, 6).map((file) => ({ file, model })),
    );
    expect(queued.map((q) => q.status)).toEqual(Array(6).fill('added'));
    await redis.stop(true);
    redis = undefined;

    // `jobs` retries for --redis-wait, saying so each time, then fails with the code.
    const t0 = Date.now();
    const failed = (await cli('jobs', '--redis-wait', '2').then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    )) as { code: number; stderr: string } | undefined;
    expect(failed?.code).toBe(2); // a coded error (docs/errors.md)
    expect(Date.now() - t0).toBeGreaterThan(1000);
    expect(failed?.stderr).toMatch(
      /ERR_REDIS_UNAVAILABLE: Cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1/,
    );
    expect(failed?.stderr.match(/Retrying in \d+\.\d s/g)?.length).toBeGreaterThanOrEqual(2);
    expect(failed?.stderr).not.toContain(PASSWORD);

    // A worker started now waits for Redis …
    let log = '';
    const worker = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'worker', '--lock-ms', '2000', '--queues', 'classify'],
      { cwd: REPO_ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    workers.push(worker);
    worker.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    await until('the worker to retry', () => /ERR_REDIS_UNAVAILABLE.*Retrying in/.test(log));
    expect(worker.exitCode).toBeNull();

    // … and once Redis is back (same port, same folder) runs the six jobs queued before.
    redis = await startRedis(PASSWORD, { persist: true, port, dir });
    await until('the worker to connect', () => / on classify at /.test(log));
    await until('six jobs done', async () => (await jobCounts(url)).classify.completed === 6, 60_000);

    // The connection drops under a running worker: it says so, and says when it is back.
    await redis.stop(true);
    redis = undefined;
    await until('the worker to see the drop', () => /connection to Redis dropped/.test(log));
    redis = await startRedis(PASSWORD, { persist: true, port, dir });
    await until('the worker to see Redis back', () => /Redis is back/.test(log), 30_000);
    // New work after the drop is taken too; nothing queued before was lost or done twice.
    await submitJobs(
      url,
      'classify',
      files.slice(6).map((file) => ({ file, model })),
    );
    await until('eight jobs done', async () => (await jobCounts(url)).classify.completed === 8, 60_000);
    expect(await jobCounts(url)).toMatchObject({
      classify: { completed: 8, failed: 0, waiting: 0, active: 0 },
    });
    const done = [...log.matchAll(/classify (classify-[0-9a-f]+) done/g)].map((m) => m[1]);
    expect(done.length).toBe(8);
    expect(new Set(done).size).toBe(8);
    expect(log).not.toContain(PASSWORD);
    // Stopped as a user stops it (SIGTERM: the worker finishes and exits 143, docs/scale.md).
    const exited = new Promise<number | null>((r) => worker.once('exit', (code) => r(code)));
    worker.kill('SIGTERM');
    expect(await exited).toBe(143);
  }, 180_000);

  it('a camera session goes on after Redis restarts: its worker takes it back from its state', async () => {
    await redis?.stop();
    redis = await startRedis(PASSWORD, { persist: true });
    const { url, port, dir } = redis;
    const live = await startWorkerProcess(url, ['--queues', 'live']);
    workers.push(live.child);
    const box = { x: 18, y: 102, width: 44, height: 36 };
    await submitJobs(url, 'live', [
      {
        camera: 'yard',
        source: SAMPLE_VIDEO,
        boxes: [`${box.x},${box.y},${box.width},${box.height}`],
        loop: true,
      },
    ]);
    // What the camera publishes, as a dashboard server would see it (ioredis re-subscribes itself).
    const frames: { at: number; frameIndex: number }[] = [];
    const sub = new Redis(url);
    sub.on('error', () => undefined);
    sub.on('message', (_c: string, text: string) => {
      const e = JSON.parse(text) as { type: string; results?: { frameIndex: number }[] };
      if (e.type === 'tracks' && e.results?.[0])
        frames.push({ at: Date.now(), frameIndex: e.results[0].frameIndex });
    });
    await sub.subscribe(liveKeys('yard').events);
    try {
      // A state past the first frames: what the worker must resume from (a later one, if it wrote
      // one before Redis stopped; never the first frame).
      const r = new Redis(url);
      r.on('error', () => undefined);
      let saved = 0;
      await until('results and a state', async () => {
        saved = parseLiveState(await r.get(liveKeys('yard').state))?.frameIndex ?? 0;
        return frames.length >= 20 && saved > 8;
      });
      r.disconnect();
      // Down for longer than a camera's lock (3 s): the lock runs out meanwhile.
      await redis.stop(true);
      redis = undefined;
      await new Promise((r) => setTimeout(r, 4000));
      redis = await startRedis(PASSWORD, { persist: true, port, dir });
      const backAt = Date.now();
      await until('results again', () => frames.some((f) => f.at > backAt + 200), 120_000);
      // It went on from its state (a file resumes at the state's frame), not from the first frame.
      const after = frames.find((f) => f.at > backAt + 200)!;
      expect(after.frameIndex).toBeGreaterThanOrEqual(saved);
      expect(live.log()).toMatch(/connection to Redis dropped/);
      expect(live.log()).toMatch(/Redis is back/);
      // Taken back: results may come from the old session before its lost lock stops it, so wait
      // for the job to be active again rather than assume it already is.
      await until(
        'the camera active again',
        async () => (await listCameras(url))[0]?.state === 'active',
        120_000,
      );
      const [cam] = await listCameras(url);
      expect(cam).toMatchObject({ camera: 'yard', state: 'active', worker: live.name() });
      expect(cam?.targets.map((t) => t.id)).toEqual([1]);
      expect(live.log()).not.toContain(PASSWORD);
    } finally {
      sub.disconnect();
    }
  }, 120_000);
});

/**
 * `submit --wait` when Redis goes away or loses the job (no worker runs: the job only waits):
 * - Redis stopped: the waiter says ERR_REDIS_UNAVAILABLE on stderr and goes on waiting; Redis
 *   back empty (a restart without persistence): ERR_JOB_LOST, exit status 2;
 * - FLUSHALL under a waiter: ERR_JOB_LOST, exit status 2;
 * - a waiter whose Redis stays away longer than its wait gives up with ERR_REDIS_UNAVAILABLE.
 * Before, each of these waited for ever with nothing said.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { submitJobs, waitForJobs } from '../../src/queue/index.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { REPO_ROOT } from '../helpers/shared-data.js';
import { SLOW_TEST_TIMEOUT_MS } from '../helpers/timeouts.js';

// Real processes, decoding or training: each test's deadlock guard is 10 min (test/helpers/timeouts.ts).
vi.setConfig({ testTimeout: SLOW_TEST_TIMEOUT_MS });

const VIDEO = path.join(REPO_ROOT, 'samples/tracking/video.mp4');
const PASSWORD = 'lost-and-found';

let redis: TestRedis | undefined;
let tmp: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'siam-lost-'));
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await redis?.stop();
  await rm(tmp, { recursive: true, force: true });
});

async function until(what: string, ok: () => boolean | Promise<boolean>): Promise<void> {
  for (;;) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`never: ${what}`); // the test's own timeout ends a wait that never comes
}

/** `submit track … --wait` as a process: its stderr so far and its exit. */
function submitAndWait(url: string, out: string): { log(): string; exit: Promise<number | null> } {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/cli/main.ts',
      'submit',
      'track',
      VIDEO,
      '--box',
      '18,102,44,36',
      '--out',
      out,
      '--wait',
      '--redis-wait',
      '3600',
    ],
    { cwd: REPO_ROOT, env: { ...process.env, SIAMSTREAM_REDIS: url }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  children.push(child);
  let log = '';
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  return { log: () => log, exit: new Promise((r) => child.once('exit', (code) => r(code))) };
}

describe('submit --wait when Redis loses its job', () => {
  it('says ERR_REDIS_UNAVAILABLE while Redis is away, then ERR_JOB_LOST when it is back without the job', async () => {
    redis = await startRedis(PASSWORD);
    const { url, port } = redis;
    const waiter = submitAndWait(url, path.join(tmp, 'a.csv'));
    await until('the job to be queued', () => /1 added/.test(waiter.log()));
    await redis.stop(); // its data with it: a restart without persistence
    redis = undefined;
    await until('the waiter to say Redis is away', () => /ERR_REDIS_UNAVAILABLE/.test(waiter.log()));
    expect(waiter.log()).toMatch(/Retrying in \d+\.\d s/);
    redis = await startRedis(PASSWORD, { port });
    expect(await waiter.exit).toBe(2);
    expect(waiter.log()).toMatch(/ERR_JOB_LOST: Job track-[0-9a-f]+ is no longer in Redis/);
    expect(waiter.log()).not.toContain(PASSWORD);
  }, 120_000);

  it('ERR_JOB_LOST after FLUSHALL', async () => {
    redis ??= await startRedis(PASSWORD);
    const waiter = submitAndWait(redis.url, path.join(tmp, 'b.csv'));
    await until('the job to be queued', () => /1 added/.test(waiter.log()));
    const client = new Redis(redis.url);
    try {
      await client.flushall();
    } finally {
      client.disconnect();
    }
    expect(await waiter.exit).toBe(2);
    expect(waiter.log()).toMatch(/ERR_JOB_LOST/);
  }, 120_000);

  it('gives up with ERR_REDIS_UNAVAILABLE once Redis has been away longer than its wait', async () => {
    redis ??= await startRedis(PASSWORD);
    const url = redis.url;
    const [job] = await submitJobs(url, 'track', [
      { source: VIDEO, boxes: ['18,102,44,36'], out: path.join(tmp, 'c.csv') },
    ]);
    const retries: string[] = [];
    const finished: unknown[] = [];
    const clients = async (): Promise<number> => {
      const c = new Redis(url);
      try {
        return (
          String(await c.client('LIST'))
            .trim()
            .split('\n').length - 1
        ); // less this one
      } finally {
        c.disconnect();
      }
    };
    const before = await clients();
    const failed = waitForJobs(
      { url, waitMs: 1500, onRetry: (e) => retries.push(e.message) },
      'track',
      [job.id],
      (f) => finished.push(f),
    ).catch((e: unknown) => e);
    await until('the waiter to be connected', async () => (await clients()) >= before + 2);
    await redis.stop();
    redis = undefined;
    const e = await failed;
    expect(e).toMatchObject({ code: 'ERR_REDIS_UNAVAILABLE' });
    expect(String((e as Error).message)).not.toContain(PASSWORD);
    expect(retries.length).toBeGreaterThanOrEqual(1);
    expect(finished).toEqual([]);
  }, 120_000);
});

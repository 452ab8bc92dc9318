/**
 * No child outlives the command that started it (issue 27, items 4 and 13), checked on real
 * processes through /proc:
 * - `track` of a source that never sends, killed with SIGKILL: its ffmpeg dies too (it ran on under
 *   PID 1 for ever before);
 * - a worker killed with SIGKILL while it runs a track job: its `track` child dies too, before it
 *   finishes the attempt's file (it tracked on and raced the retry before);
 * - SIGHUP stops `track` and `serve` as SIGTERM does: results closed, no `.partial` left, exit 129.
 * Live sources are silent TCP servers the test opens: nothing here depends on how fast the machine is.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { partialPath } from '../../src/cli/output-path.js';
import { QUEUE_PREFIX } from '../../src/queue/jobs.js';
import { childNamed, isRunning, pollFor, silentTcpServer, waitStopped } from '../helpers/processes.js';
import { startRedis } from '../helpers/redis.js';
import { startWorkerProcess } from '../helpers/worker-process.js';
import { SAMPLE_GT, SAMPLE_VIDEO, collect, requireSample, spawnCli } from './cli-helpers.js';
import { spawnServe } from '../stream/helpers.js';
import { SLOW_TEST_TIMEOUT_MS } from '../helpers/timeouts.js';

// Real processes, decoding or training: each test's deadlock guard is 10 min (test/helpers/timeouts.ts).
vi.setConfig({ testTimeout: SLOW_TEST_TIMEOUT_MS });

const tmp = mkdtempSync(path.join(tmpdir(), 'siam-lifetime-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const exitOf = (child: { once: (e: 'exit', f: (c: number | null, s: string | null) => void) => void }) =>
  new Promise<[number | null, string | null]>((r) => child.once('exit', (c, s) => r([c, s])));

describe.runIf(process.platform === 'linux')('children die with their parent', () => {
  it('track killed with SIGKILL takes its ffmpeg with it', async () => {
    const server = await silentTcpServer();
    const child = spawnCli(['track', server.url, '--box', '1,1,8,8', '--out', path.join(tmp, 'k.csv')]);
    const done = collect(child);
    try {
      await server.connected; // ffmpeg is up and waiting on the source
      const ff = await childNamed(child.pid!, 'ffmpeg');
      expect(ff, 'the ffmpeg child of track').toBeDefined();
      child.kill('SIGKILL');
      expect((await done).signal).toBe('SIGKILL');
      expect(await waitStopped(ff!), `ffmpeg ${ff} outlived track`).toBe(true);
    } finally {
      child.kill('SIGKILL');
      server.close();
    }
  }, 180_000);

  it("a worker killed with SIGKILL takes its track child with it: the child never finishes the job's file", async () => {
    requireSample();
    const redis = await startRedis();
    const queue = new Queue('track', { connection: { url: redis.url }, prefix: QUEUE_PREFIX });
    const worker = await startWorkerProcess(redis.url, ['--queues', 'track']);
    const dir = path.join(tmp, 'job');
    mkdirSync(dir);
    const temps = (): string[] => readdirSync(dir).filter((n) => n.startsWith('.siamstream-k9.'));
    try {
      const out = path.join(dir, 'job.csv');
      const box = readFileSync(SAMPLE_GT, 'utf8').split('\n')[0];
      await queue.add('track', { source: SAMPLE_VIDEO, boxes: [box], out }, { jobId: 'k9' });
      // Killed once the child has written a row: it has 180 frames to go.
      const running = await pollFor(async () => {
        const partial = temps().find((n) => n.endsWith('.partial.csv'));
        return partial && readFileSync(path.join(dir, partial), 'utf8').split('\n').length > 2
          ? partial
          : undefined;
      }, 120_000);
      expect(running, 'the track child writing its rows').toBeDefined();
      // Its temporary file is its own: named after the job, the attempt and a random part.
      expect(running).toMatch(/^\.siamstream-k9\.1-[0-9a-f]{8}\.job\.partial\.csv$/);
      const track = await childNamed(worker.child.pid!, 'node', 1000);
      const exited = exitOf(worker.child);
      worker.child.kill('SIGKILL');
      await exited;
      if (track) expect(await waitStopped(track), `track ${track} outlived the worker`).toBe(true);
      // Before, the orphan tracked on and renamed its rows to the attempt's temporary name.
      expect(temps().filter((n) => !n.endsWith('.partial.csv'))).toEqual([]);
      expect(existsSync(out)).toBe(false);
    } finally {
      worker.child.kill('SIGKILL');
      await queue.close();
      await redis.stop();
    }
  }, 180_000);
});

describe('SIGHUP stops a command as SIGTERM does', () => {
  it('track: exit 129, results and annotated video closed under their names, no .partial, no child left', async () => {
    requireSample();
    const csv = path.join(tmp, 'hup.csv');
    const mp4 = path.join(tmp, 'hup.mp4');
    const child = spawnCli(['track', SAMPLE_VIDEO, '--box-from', SAMPLE_GT, '--out', csv, '--annotate', mp4]);
    const done = collect(child);
    const running = partialPath(csv);
    const rows = (): number =>
      existsSync(running) ? readFileSync(running, 'utf8').split('\n').length - 2 : 0;
    const deadline = Date.now() + 120_000;
    while (rows() < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(rows()).toBeGreaterThanOrEqual(5);
    const decoder = await childNamed(child.pid!, 'ffmpeg', 1000);
    child.kill('SIGHUP');
    const r = await done;
    expect(r.code, r.stderr).toBe(129);
    expect(r.stderr).toContain('stopped by SIGHUP');
    expect(existsSync(running) || existsSync(partialPath(mp4))).toBe(false);
    expect(readFileSync(csv, 'utf8').split('\n').length - 2).toBeGreaterThanOrEqual(5);
    expect(existsSync(mp4)).toBe(true);
    if (decoder) expect(await isRunning(decoder)).toBe(false);
  }, 180_000);

  it('serve: exit 129, and its ffmpeg is gone by then', async () => {
    const server = await silentTcpServer();
    const p = spawnServe(['--source', server.url, '--port', '0', '--json']);
    try {
      await server.connected;
      const ff = await childNamed(p.child.pid!, 'ffmpeg');
      expect(ff).toBeDefined();
      p.child.kill('SIGHUP');
      expect(await p.exited, p.err()).toBe(129);
      expect(await isRunning(ff!)).toBe(false);
    } finally {
      p.child.kill('SIGKILL');
      server.close();
    }
  }, 180_000);
});

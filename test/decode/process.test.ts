/**
 * The ffmpeg child never outlives its subscription or this process (STYLE.md §3, §9): the pid is
 * gone after unsubscribe (even while ffmpeg is blocked on a full pipe), after an error, after the
 * source ends, and when the parent exits or is killed (SIGTERM, and SIGKILL).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { firstValueFrom, take } from 'rxjs';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createFrameDemand, decode, type FfmpegChild } from '../../src/decode/index.js';
import { REPO_ROOT } from '../helpers/shared-data.js';
import { isRunning, waitStopped } from '../helpers/processes.js';
import { SAMPLE, collect, isAlive, rejection, waitGone } from './helpers.js';
import { SLOW_TEST_TIMEOUT_MS } from '../helpers/timeouts.js';

// Real processes, decoding or training: each test's deadlock guard is 10 min (test/helpers/timeouts.ts).
vi.setConfig({ testTimeout: SLOW_TEST_TIMEOUT_MS });

const tmp = mkdtempSync(path.join(tmpdir(), 'siam-decode-proc-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function pidPromise(): { onStart: (c: { pid: number }) => void; pid: Promise<number> } {
  let resolve!: (pid: number) => void;
  const pid = new Promise<number>((r) => (resolve = r));
  return { onStart: (c) => resolve(c.pid), pid };
}

describe('ffmpeg child lifetime', () => {
  it('is gone after the source ends', async () => {
    const { onStart, pid } = pidPromise();
    await collect(decode(SAMPLE, { maxSide: 32, onStart }));
    expect(await waitGone(await pid)).toBe(true);
  });

  it('is gone after an early unsubscribe (take)', async () => {
    const { onStart, pid } = pidPromise();
    const frames = await collect(decode(SAMPLE, { loop: true, onStart }).pipe(take(3)));
    expect(frames).toHaveLength(3);
    expect(await waitGone(await pid)).toBe(true);
  });

  it('is stopped by SIGTERM while blocked on a full pipe (no credits), well before the SIGKILL grace', async () => {
    const { onStart, pid } = pidPromise();
    const demand = createFrameDemand({ maxInFlight: 1 });
    let got = 0;
    const sub = decode(SAMPLE, { loop: true, demand, onStart, killGraceMs: 60_000 }).subscribe(() => got++);
    const p = await pid;
    // The first frame may take a while on a loaded machine: wait for it rather than assume 300 ms.
    const until = Date.now() + 30_000;
    while (got === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 300)); // ffmpeg fills the pipe and blocks in write()
    expect(got).toBe(1);
    expect(isAlive(p)).toBe(true);
    sub.unsubscribe();
    expect(await waitGone(p, 5000)).toBe(true);
  });

  it("reports its exit: onStart's `exited` resolves after an unsubscribe, and the pid is gone by then", async () => {
    let started!: (c: FfmpegChild) => void;
    const child = new Promise<FfmpegChild>((r) => (started = r));
    const frames = await collect(decode(SAMPLE, { loop: true, onStart: (c) => started(c) }).pipe(take(2)));
    expect(frames).toHaveLength(2);
    const c = await child;
    expect(c.args.length).toBeGreaterThan(0);
    await c.exited;
    expect(isAlive(c.pid)).toBe(false);
  });

  it('is killed when unsubscribed before it even started', async () => {
    const { onStart, pid } = pidPromise();
    decode(SAMPLE, { loop: true, onStart }).subscribe().unsubscribe();
    expect(await waitGone(await pid)).toBe(true);
  });

  it('is gone after an error', async () => {
    const bad = path.join(tmp, 'corrupt.mp4');
    writeFileSync(bad, Buffer.alloc(4096, 7));
    const { onStart, pid } = pidPromise();
    const err = await rejection(firstValueFrom(decode(bad, { onStart })));
    expect(err.code).toBe('ERR_FFMPEG_EXIT');
    expect(await waitGone(await pid)).toBe(true);
  });

  function runFixture(
    mode: 'exit' | 'wait',
    source?: string,
  ): { child: ReturnType<typeof spawn>; pid: Promise<number> } {
    const args = [
      '--import',
      'tsx',
      'test/decode/fixtures/hold-decoder.ts',
      mode,
      ...(source ? [source] : []),
    ];
    const child = spawn(process.execPath, args, {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const pid = new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /pid (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', () => reject(new Error(`fixture exited before printing a pid: ${out}`)));
    });
    return { child, pid };
  }

  /** A TCP server that accepts and never answers: ffmpeg waits on it and never writes a frame. */
  async function silentServer(): Promise<{ url: string; close: () => void }> {
    const sockets: net.Socket[] = [];
    const server = net.createServer((s) => sockets.push(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as net.AddressInfo;
    return {
      url: `http://127.0.0.1:${port}/never.mp4`,
      close: () => {
        for (const s of sockets) s.destroy();
        server.close();
      },
    };
  }

  // An ffmpeg blocked writing a frame dies of SIGPIPE once its parent is gone anyway; one
  // waiting on a silent network source would not, so these two use such a source.
  it('is killed when the parent process exits', async () => {
    const server = await silentServer();
    try {
      const { child, pid } = runFixture('exit', server.url);
      const ff = await pid;
      await new Promise((r) => child.once('exit', r));
      expect(await waitGone(ff, 3000)).toBe(true);
    } finally {
      server.close();
    }
  });

  it('is killed when the parent gets SIGTERM, and the parent still dies of the signal', async () => {
    const server = await silentServer();
    try {
      const { child, pid } = runFixture('wait', server.url);
      const ff = await pid;
      expect(isAlive(ff)).toBe(true);
      const exited = new Promise<[number | null, string | null]>((r) =>
        child.once('exit', (code, sig) => r([code, sig])),
      );
      child.kill('SIGTERM');
      expect(await exited).toEqual([null, 'SIGTERM']);
      expect(await waitGone(ff, 3000)).toBe(true);
    } finally {
      server.close();
    }
  });

  // No handler runs on SIGKILL: only the kernel's parent-death signal (util/child-process.ts) can
  // end an ffmpeg that waits on the network. Before it, this ffmpeg ran on under PID 1 for ever.
  it('is killed when the parent is killed with SIGKILL', async () => {
    const server = await silentServer();
    try {
      const { child, pid } = runFixture('wait', server.url);
      const ff = await pid;
      expect(await isRunning(ff)).toBe(true);
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      expect(await waitStopped(ff)).toBe(true);
    } finally {
      server.close();
    }
  }, 60_000);

  it('is killed when the parent exits while ffmpeg is blocked on a full pipe', async () => {
    const { child, pid } = runFixture('wait');
    const ff = await pid;
    expect(isAlive(ff)).toBe(true);
    const exited = new Promise<[number | null, string | null]>((r) =>
      child.once('exit', (code, sig) => r([code, sig])),
    );
    child.kill('SIGTERM');
    expect(await exited).toEqual([null, 'SIGTERM']);
    expect(await waitGone(ff)).toBe(true);
  });
});

/**
 * Network sources, against a local HTTP server on port 0. Live ones (no duration in their header,
 * or `live: true`): `latest` by default, reconnect with backoff when the stream ends or fails,
 * indices continue, and ERR_SOURCE_LOST at the end. A file served over http (its header announces
 * a duration) ends at its end with every frame, and is not replayed (issue 27, item 9).
 */
import { spawn } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { lastValueFrom, take, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { decode, resolveFfmpeg, type DecodeOptions, type ReconnectEvent } from '../../src/decode/index.js';
import type { Frame } from '../../src/types.js';
import { SAMPLE, SAMPLE_FRAMES, collect, rejection, waitGone } from './helpers.js';
import { SLOW_TEST_TIMEOUT_MS } from '../helpers/timeouts.js';

// Real processes, decoding or training: each test's deadlock guard is 10 min (test/helpers/timeouts.ts).
vi.setConfig({ testTimeout: SLOW_TEST_TIMEOUT_MS });

let server: http.Server;
let base = '';
const tmp = mkdtempSync(path.join(tmpdir(), 'siam-decode-live-'));
/** The sample as MPEG-TS: served chunked (no length), its header has no duration, as a live feed's. */
const TS = path.join(tmp, 'sample.ts');
let videoRequests = 0;
let requests = 0;
let servedTwice = 0;
let stallRequests = 0;
/** How much of the sample the stalling route sends before it goes quiet. */
const STALL_BYTES = 60_000;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    requests++;
    if (req.url === '/stall.mp4') {
      // The first connection gets part of the video and then silence; later ones only silence.
      res.writeHead(200, { 'content-type': 'video/mp4' });
      if (++stallRequests === 1) res.write(readFileSync(SAMPLE).subarray(0, STALL_BYTES));
      return; // the response is never ended: a server that hangs mid-stream
    }
    if (req.url === '/feed.ts') {
      res.writeHead(200, { 'content-type': 'video/mp2t' });
      createReadStream(TS).pipe(res);
      return;
    }
    if (req.url === '/video.mp4') videoRequests++;
    if (req.url === '/video.mp4' || (req.url === '/twice.mp4' && ++servedTwice <= 2)) {
      res.writeHead(200, { 'content-type': 'video/mp4' });
      createReadStream(SAMPLE).pipe(res);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const ffmpeg = spawn(resolveFfmpeg().path, [
    '-v',
    'error',
    '-y',
    '-i',
    SAMPLE,
    '-c',
    'copy',
    '-f',
    'mpegts',
    TS,
  ]);
  expect(await new Promise((r) => ffmpeg.once('close', r))).toBe(0);
}, 60_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
afterAll(
  () =>
    new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections(); // the stalled responses
    }),
);

/** Runs `decode(url)` until it errors, recording its frames, reconnect events and ffmpeg pids. */
async function runToError(url: string, options: DecodeOptions) {
  const frames: Frame[] = [];
  const events: ReconnectEvent[] = [];
  const pids: number[] = [];
  const err = await rejection(
    new Promise((resolve, reject) =>
      decode(url, {
        logReconnects: false,
        ...options,
        onReconnect: (e) => events.push(e),
        onStart: (c) => pids.push(c.pid),
      }).subscribe({ next: (f) => frames.push(f), error: reject, complete: () => resolve(undefined) }),
    ),
  );
  return { err, frames, events, pids };
}

describe('decode(http://…) as a live source', () => {
  it('reconnects when the stream ends, continues indices and time, then ERR_SOURCE_LOST', async () => {
    requests = 0;
    const { err, frames, events, pids } = await runToError(`${base}/twice.mp4`, {
      live: true, // an mp4 announces its duration: said to be live, it is replayed
      maxSide: 32,
      reconnect: { attempts: 1, initialDelayMs: 10, maxDelayMs: 10 },
    });
    expect(err.code).toBe('ERR_SOURCE_LOST');
    // The server serves /twice.mp4 twice, then 404s. A run that delivered frames resets the
    // count: run 1 (180 frames, ends) → wait → run 2 (180 frames, ends) → wait → run 3 (404) → lost.
    expect(events.map((e) => e.attempt)).toEqual([1, 1]);
    expect(pids).toHaveLength(3);
    expect(frames).toHaveLength(2 * SAMPLE_FRAMES);
    expect(frames.map((f) => f.index)).toEqual(frames.map((_, i) => i));
    expect(frames.every((f, i) => i === 0 || f.timestampMs > frames[i - 1].timestampMs)).toBe(true);
    expect(frames[SAMPLE_FRAMES].data).toEqual(frames[0].data);
    for (const pid of pids) expect(await waitGone(pid)).toBe(true);
  }, 60_000);

  it('gives up after `attempts` failed connections, with the last failure as the cause, and logs on stderr', async () => {
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const events: ReconnectEvent[] = [];
      requests = 0;
      const err = await rejection(
        lastValueFrom(
          decode(`${base}/missing.mp4`, {
            reconnect: { attempts: 2, initialDelayMs: 5, maxDelayMs: 100 },
            onReconnect: (e) => events.push(e),
          }),
        ),
      );
      expect(err.code).toBe('ERR_SOURCE_LOST');
      expect((err.cause as { code?: string }).code).toBe('ERR_FFMPEG_EXIT');
      expect(events.map((e) => [e.attempt, e.delayMs])).toEqual([
        [1, 5],
        [2, 10],
      ]);
      expect(requests).toBe(3); // one GET per connection
      const logged = write.mock.calls.map((c) => String(c[0])).filter((l) => l.includes('reconnecting'));
      expect(logged).toHaveLength(2);
      expect(logged[0]).toMatch(/missing\.mp4 dropped \(.*\); reconnecting in 5 ms \(attempt 1\/2\)/);
    } finally {
      write.mockRestore();
    }
  });

  it('a source that goes quiet is dropped by the watchdog, reconnected, then ERR_SOURCE_LOST, no child left', async () => {
    stallRequests = 0;
    const { err, frames, events, pids } = await runToError(`${base}/stall.mp4`, {
      live: true,
      maxSide: 32,
      stallTimeoutMs: 1000,
      reconnect: { attempts: 2, initialDelayMs: 10, maxDelayMs: 10 },
    });
    expect(err.code).toBe('ERR_SOURCE_LOST');
    expect((err.cause as { code?: string }).code).toBe('ERR_SOURCE_STALLED');
    // Run 1 delivers the frames it got and stalls (attempt 1); run 2 gets nothing and stalls
    // (attempt 2); run 3 the same, and the attempts are spent: lost.
    expect(frames.length).toBeGreaterThan(0);
    expect(frames.length).toBeLessThan(SAMPLE_FRAMES);
    expect(events.map((e) => e.attempt)).toEqual([1, 2]);
    expect(events.every((e) => /no frame for 1000 ms/.test(e.reason))).toBe(true);
    expect(events.every((e) => e.code === 'ERR_SOURCE_STALLED')).toBe(true);
    expect(stallRequests).toBe(3);
    for (const pid of pids) expect(await waitGone(pid)).toBe(true);
  });

  it("defaults to 'latest' (a synchronous consumer still gets every frame)", async () => {
    let dropped = 0;
    const frames = await lastValueFrom(
      decode(`${base}/feed.ts`, {
        maxSide: 32,
        logReconnects: false,
        onDropped: (n) => (dropped = n),
      }).pipe(take(SAMPLE_FRAMES), toArray()),
    );
    expect(frames).toHaveLength(SAMPLE_FRAMES);
    expect(dropped).toBe(0);
  });

  it('a stream whose header has no duration is live: at its end it is reconnected, indices going on', async () => {
    const events: ReconnectEvent[] = [];
    const frames = await lastValueFrom(
      decode(`${base}/feed.ts`, {
        maxSide: 32,
        logReconnects: false,
        reconnect: { initialDelayMs: 10 },
        onReconnect: (e) => events.push(e),
      }).pipe(take(SAMPLE_FRAMES + 10), toArray()),
    );
    expect(frames.map((f) => f.index)).toEqual(frames.map((_, i) => i));
    expect(events[0]?.reason).toMatch(/the live stream ended/);
  }, 60_000);
});

describe('decode(http://…/file.mp4): a file served over http', () => {
  it('ends at its end with every frame, in one request (it was replayed for ever before)', async () => {
    videoRequests = 0;
    let reconnects = 0;
    const frames = await collect(
      decode(`${base}/video.mp4`, { maxSide: 32, logReconnects: false, onReconnect: () => reconnects++ }),
    );
    expect(frames).toHaveLength(SAMPLE_FRAMES);
    expect(frames.map((f) => f.index)).toEqual(frames.map((_, i) => i));
    expect(reconnects).toBe(0);
    expect(videoRequests).toBe(1);
  }, 60_000);

  it('a server that hangs mid-file: ERR_SOURCE_STALLED once, not a replay from the start', async () => {
    stallRequests = 0;
    const { err, frames, events } = await runToError(`${base}/stall.mp4`, {
      maxSide: 32,
      stallTimeoutMs: 2000,
    });
    expect(err.code).toBe('ERR_SOURCE_STALLED');
    expect(frames.length).toBeGreaterThan(0);
    expect(events).toEqual([]);
    expect(stallRequests).toBe(1);
  }, 60_000);

  it('`live` is for network sources only, and a boolean', async () => {
    expect((await rejection(collect(decode(SAMPLE, { live: true })))).code).toBe('ERR_BAD_OPTION');
    expect(() => decode(`${base}/video.mp4`, { live: 'yes' as unknown as boolean })).toThrow(/`live`/);
  });
});

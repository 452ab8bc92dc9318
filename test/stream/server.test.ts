/**
 * The live server over real sockets (127.0.0.1, port 0) with a synthetic source and injected
 * trackers: protocol, validation, security, and that a client which never reads does not slow
 * the others.
 */
import { copyFileSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { Socket } from 'node:net';
import path from 'node:path';
import { bufferCount, map, type OperatorFunction } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ClipLabel, Frame } from '../../src/types.js';
import { defaultDashboardDir } from '../../src/stream/static.js';
import { serve, type LiveServer } from '../../src/stream/index.js';
import { isSiamError } from '../../src/errors.js';
import {
  identityTracker,
  pacedSource,
  RecordingClient,
  replayTracker,
  squareAt,
  stalledClient,
  syntheticSource,
  upgradeStatus,
} from './helpers.js';
import { SLOW_TEST_TIMEOUT_MS } from '../helpers/timeouts.js';

// Real processes, decoding or training: each test's deadlock guard is 10 min (test/helpers/timeouts.ts).
vi.setConfig({ testTimeout: SLOW_TEST_TIMEOUT_MS });

const W = 320;
const H = 180;
const open: { servers: LiveServer[]; clients: RecordingClient[]; sockets: Socket[] } = {
  servers: [],
  clients: [],
  sockets: [],
};

/** Polls `pred` until it holds; the test's timeout bounds the wait (a deadlock guard, not a verdict). */
async function until(pred: () => boolean, what: string): Promise<void> {
  for (let t0 = Date.now(); !pred(); await new Promise((r) => setTimeout(r, 10))) {
    if (Date.now() - t0 > 60_000) throw new Error(`timed out waiting for ${what}`);
  }
}

async function start(extra: Parameters<typeof serve>[0] = {}): Promise<LiveServer> {
  const s = await serve({
    port: 0,
    frames: syntheticSource({ width: W, height: H, fps: 30 }),
    createTracker: () => replayTracker((i) => squareAt(i, W, H)),
    statsIntervalMs: 200,
    previewMaxFps: 30,
    ...extra,
  });
  open.servers.push(s);
  return s;
}

function connect(s: LiveServer, query = ''): RecordingClient {
  const c = new RecordingClient(`ws://127.0.0.1:${s.port}/ws${query}`);
  open.clients.push(c);
  return c;
}

afterEach(async () => {
  for (const socket of open.sockets.splice(0)) socket.destroy();
  await Promise.all(open.clients.splice(0).map((c) => c.close()));
  await Promise.all(open.servers.splice(0).map((s) => s.close()));
});

describe('serve() with a synthetic source', () => {
  it('says hello, then streams track, stats and binary JPEG frames', async () => {
    const s = await start({ box: squareAt(0, W, H) });
    const c = connect(s);
    await c.opened;
    await c.waitFor(
      (x) => x.of('track').length >= 10 && x.of('stats').length >= 2 && x.frames.length >= 3,
      10_000,
      'track+stats+frames',
    );
    const hello = c.messages[0]?.msg;
    expect(hello).toMatchObject({
      type: 'hello',
      protocol: 'siamstream',
      version: 2,
      preview: { transport: 'binary', format: 'jpeg' },
    });
    expect(
      c.of('hello').some((h) => h.source?.width === W && h.source?.height === H && h.source.fps === 30),
    ).toBe(true);
    for (const t of c.of('track')) {
      expect(t.result.box).toEqual(squareAt(t.result.frameIndex, W, H));
      expect(t.decodedAt).toBeGreaterThan(0);
      expect(JSON.parse(JSON.stringify(t.result))).toEqual(t.result);
    }
    const stats = c.of('stats').at(-1);
    expect(stats).toMatchObject({ clients: 1, dropped: { clientFrames: expect.any(Number) } });
    expect(stats?.fpsIn).toBeGreaterThan(5);
    const f = c.frames[0];
    expect(f?.header).toMatchObject({ type: 'frame', width: W, height: H, sourceWidth: W, sourceHeight: H });
    expect(f?.bytes).toBeGreaterThan(100);
  });

  it('starts tracking on `init`, stops on `stop`, and honours `subscribe`', async () => {
    const s = await start({ createTracker: () => identityTracker(), historySize: 300 });
    const c = connect(s);
    await c.opened;
    await c.waitFor((x) => x.frames.length >= 1, 10_000, 'a frame');
    const box = { x: 10, y: 20, width: 30, height: 40 };
    c.send({ type: 'init', box, frameIndex: c.frames[0]?.header.frameIndex, id: 'a' });
    await c.waitFor((x) => x.of('track').length >= 3, 10_000, 'tracks after init');
    expect(c.of('state')[0]).toMatchObject({
      tracking: true,
      initBox: box,
      frameIndex: c.frames[0]?.header.frameIndex,
    });
    expect(c.of('track').every((t) => t.result.box.x === 10)).toBe(true);
    c.send({ type: 'subscribe', types: ['track'] });
    // A bad message's error comes back after the subscribe was applied (one socket, in order).
    c.send('sync');
    await c.waitFor((x) => x.of('error').length > 0, 30_000, 'the subscribe applied');
    const [nFrames, nStats] = [c.frames.length, c.of('stats').length];
    await new Promise((r) => setTimeout(r, 500));
    expect(c.frames.length).toBeLessThanOrEqual(nFrames + 1);
    expect(c.of('stats').length).toBe(nStats);
    c.send({ type: 'stop' });
    await c.waitFor((x) => x.of('state').some((m) => !m.tracking), 5000, 'state stopped');
    const n = c.of('track').length;
    await new Promise((r) => setTimeout(r, 200));
    expect(c.of('track').length).toBeLessThanOrEqual(n + 1);
  });

  it('follows several targets: ids on every track message, in hello and state; one stopped by its id, or all', async () => {
    const b1 = { x: 10, y: 20, width: 30, height: 40 };
    const b2 = { x: 100, y: 50, width: 20, height: 20 };
    const s = await start({ box: [b1, b2], createTracker: () => identityTracker(), maxTargets: 3 });
    const a = connect(s);
    await a.opened;
    await a.waitFor((x) => x.of('track').length >= 6, 10_000, 'tracks of both');
    const b = connect(s); // joins late: hello lists the targets
    await b.opened;
    await b.waitFor((x) => x.of('hello').length >= 1, 5000, 'hello');
    expect(b.of('hello')[0]).toMatchObject({
      tracking: true,
      targets: [
        { id: 1, initBox: b1 },
        { id: 2, initBox: b2 },
      ],
    });
    const boxOf = { 1: b1, 2: b2 } as Record<number, typeof b1>;
    for (const t of a.of('track')) expect(t.result.box).toEqual(boxOf[t.result.id]);
    // A third target from one client; a fourth is refused; nonsense ids are bad messages.
    const b3 = { x: 200, y: 100, width: 30, height: 30 };
    a.send({ type: 'init', target: 3, box: b3, id: 'add3' });
    a.send({ type: 'init', target: 4, box: b3, id: 'add4' });
    a.send({ type: 'init', target: 0, box: b3, id: 'zero' });
    a.send({ type: 'stop', target: '1', id: 'str' });
    await b.waitFor((x) => x.of('state').some((m) => m.target === 3), 5000, 'state of target 3');
    await a.waitFor((x) => x.of('error').length >= 3, 5000, 'three errors');
    expect(a.of('error').map((e) => [e.id, e.code])).toEqual([
      ['zero', 'ERR_BAD_MESSAGE'],
      ['str', 'ERR_BAD_MESSAGE'],
      ['add4', 'ERR_TOO_MANY_TARGETS'],
    ]);
    expect(b.of('error')).toEqual([]); // errors go to their sender only
    await b.waitFor((x) => x.of('track').some((t) => t.result.id === 3), 5000, 'target 3 tracked');
    // The other client stops target 1: everyone is told, and target 1's results end.
    b.send({ type: 'stop', target: 1 });
    await a.waitFor((x) => x.of('state').some((m) => m.target === 1 && m.initBox === null), 5000, 'stop 1');
    expect(
      a
        .of('state')
        .at(-1)
        ?.targets.map((t) => t.id),
    ).toEqual([2, 3]);
    const mark = a.messages.length;
    await a.waitFor(
      (x) => x.messages.slice(mark).filter((m) => m.msg.type === 'track').length >= 6,
      5000,
      'more',
    );
    const later = a.messages.slice(mark).flatMap((m) => (m.msg.type === 'track' ? [m.msg.result.id] : []));
    expect(new Set(later)).toEqual(new Set([2, 3])); // sent in order: nothing of target 1 after its stop
    a.send({ type: 'stop' });
    await b.waitFor(
      (x) => x.of('state').some((m) => !m.tracking && m.targets.length === 0),
      5000,
      'all stopped',
    );
  });

  it('a --box outside the frames ends the session with ERR_BAD_BOX instead of never tracking', async () => {
    const s = await start({
      box: { x: 1000, y: 900, width: 20, height: 20 },
      createTracker: () => identityTracker(),
    });
    const e = await Promise.race([s.ended, new Promise((r) => setTimeout(() => r('still running'), 10_000))]);
    expect(isSiamError(e, 'ERR_BAD_BOX')).toBe(true);
    expect((e as Error).message).toMatch(/not inside the 320x180 frame/);
  });

  it('tells every client when the source drops and is being reconnected', async () => {
    const source = syntheticSource({ width: W, height: H, fps: 30 });
    const s = await start({
      frames: (hooks) => {
        setTimeout(
          () =>
            hooks.onReconnect?.({
              attempt: 1,
              attempts: 5,
              delayMs: 500,
              reason: 'no frame for 5000 ms',
              code: 'ERR_SOURCE_STALLED',
            }),
          300,
        );
        return source(hooks);
      },
    });
    const c = connect(s);
    await c.opened;
    await c.waitFor((x) => x.of('error').length >= 1, 5000, 'the reconnect notice');
    expect(c.of('error')[0]).toMatchObject({
      code: 'ERR_SOURCE_STALLED',
      message: expect.stringMatching(
        /source dropped \(no frame for 5000 ms\); reconnecting in 500 ms \(attempt 1\/5\)/,
      ),
    });
  });

  it("streams the classifier's labels, and segments as they start and end", async () => {
    // Windows of 8 frames at 30 fps: wave for the first 48 frames (1.6 s), then clap.
    const classify: OperatorFunction<Frame, ClipLabel> = (frames) =>
      frames.pipe(
        bufferCount(8),
        map((w) => {
          const wave = (w[0]?.index ?? 0) < 48;
          return {
            startMs: w[0]?.timestampMs ?? 0,
            endMs: w.at(-1)?.timestampMs ?? 0,
            startFrame: w[0]?.index ?? 0,
            endFrame: w.at(-1)?.index ?? 0,
            label: wave ? 'wave' : 'clap',
            scores: wave ? { wave: 0.9, clap: 0.1 } : { wave: 0.3, clap: 0.7 },
            timings: {},
          };
        }),
      );
    const s = await start({ classify });
    const c = connect(s);
    await c.opened;
    await c.waitFor((x) => x.of('label').length >= 2, 10_000, 'two labels');
    const [a, b] = c.of('label');
    expect(a?.label).toMatchObject({ label: 'wave', scores: { wave: 0.9, clap: 0.1 } });
    expect((b?.label.startFrame ?? 0) - (a?.label.startFrame ?? 0)).toBe(8);
    await c.waitFor((x) => x.of('segment').length >= 3, 10_000, 'wave starts, ends; clap starts');
    const [s1, s2, s3] = c.of('segment');
    expect(s1).toMatchObject({ event: 'start', segment: { label: 'wave', score: 0.9 } });
    expect(s2).toMatchObject({ event: 'end', segment: { label: 'wave', score: 0.9 } });
    expect(s3).toMatchObject({ event: 'start', segment: { label: 'clap', score: 0.7 } });
    // The clap segment starts where the wave segment ended, near the switch (frame 48 = 1.6 s).
    expect(s3?.segment.startMs).toBe(s2?.segment.endMs);
    expect(Math.abs((s3?.segment.startMs ?? 0) - (c.of('label')[0]?.label.startMs ?? 0) - 1600)).toBeLessThan(
      300,
    );
  });

  it('answers bad messages with ERR_BAD_MESSAGE and keeps the connection', async () => {
    const s = await start({ box: squareAt(0, W, H) });
    const c = connect(s);
    await c.opened;
    c.send('not json');
    c.send({ type: 'init', box: { x: 0, y: 0, width: -5, height: 10 }, id: 7 });
    c.send({ type: 'launch-missiles' });
    c.send({ type: 'stop', extra: 1 });
    c.ws.send(Buffer.from([1, 2, 3]));
    c.send({ type: 'init', box: { x: 5000, y: 5000, width: 10, height: 10 }, id: 'far' });
    await c.waitFor((x) => x.of('error').length >= 6, 5000, 'six errors');
    const errors = c.of('error');
    expect(errors.slice(0, 5).every((e) => e.code === 'ERR_BAD_MESSAGE')).toBe(true);
    expect(errors.find((e) => e.id === 7)?.message).toMatch(/width/);
    expect(errors.find((e) => e.id === 'far')).toMatchObject({ code: 'ERR_BAD_BOX' });
    // Still connected and served.
    const n = c.of('track').length;
    await c.waitFor((x) => x.of('track').length > n + 3, 5000, 'tracks after errors');
    expect(c.ws.readyState).toBe(c.ws.OPEN);
    // A message over maxPayload closes the connection (ws's 1009), by design.
    const closed = new Promise<number>((r) => c.ws.once('close', (code) => r(code)));
    c.send({ type: 'stop', id: 'x'.repeat(8000) });
    expect(await closed).toBe(1009);
  });

  it('keeps a fast client whole while a second client never reads: the stalled one loses previews and old messages, bounded', async () => {
    const W2 = 640;
    const H2 = 360;
    // The test is the camera: one frame, then wait for its track message at the fast client. Noisy
    // 640x360 previews at quality 95 are large, so the stalled socket backs up within some frames
    // (the kernel buffers a few MB on loopback first); small queue limits make it drop soon after.
    const source = pacedSource({ width: W2, height: H2, noise: true });
    const queue = { maxBufferedBytes: 256 << 10, frameBufferedBytes: 64 << 10, maxQueuedMessages: 16 };
    const s = await start({
      frames: source.frames,
      createTracker: () => replayTracker((i) => squareAt(i, W2, H2)),
      box: squareAt(0, W2, H2),
      previewMaxSide: W2,
      previewQuality: 95,
      previewMaxFps: 120,
      queue,
    });
    const stalled = await stalledClient(s.port);
    open.sockets.push(stalled);
    const fast = connect(s);
    await fast.opened;
    await until(() => s.clients === 2, 'both clients registered');
    const stalledCounters = () => s.clientCounters()[0]!; // the hub keeps clients in arrival order
    const step = async (): Promise<void> => {
      const i = source.next();
      await fast.waitFor((c) => c.of('track').some((t) => t.result.frameIndex === i), 60_000, `track ${i}`);
    };
    // Until the stalled client has lost previews and then messages (its backlog is full) …
    let steps = 0;
    while (stalledCounters().framesDropped === 0 || stalledCounters().messagesDropped === 0) {
      if (++steps > 20_000)
        throw new Error(`the stalled client never backed up: ${JSON.stringify(stalledCounters())}`);
      await step();
    }
    // … and on, until the fast client has had 3 more previews: it still gets them beside the stalled one.
    const previewsBefore = fast.frames.length;
    for (let k = 0; fast.frames.length < previewsBefore + 3; k++) {
      if (k > 20_000) throw new Error('the fast client got no more previews');
      await step();
    }
    const slow = stalledCounters();
    const frames = fast.of('track').map((t) => t.result.frameIndex);
    console.log(
      `[slow-client] ${frames.length} frames; fast client: ${fast.frames.length} previews; stalled: ${JSON.stringify(slow)}`,
    );
    // The fast client got every frame's result, in order, none lost.
    expect(frames).toEqual(frames.map((_, i) => i));
    expect(fast.of('stats').at(-1)?.clients).toBe(2);
    // The stalled client's backlog is bounded: at most the queue's messages wait, and the socket
    // holds at most what it took while under its limits (messages under maxBufferedBytes, one preview).
    expect(slow.queuedMessages).toBeLessThanOrEqual(queue.maxQueuedMessages);
    expect(slow.bufferedAmount).toBeLessThan(queue.maxBufferedBytes + (2 << 20));
  }, 300_000);

  it('terminates a client that stops answering pings', async () => {
    const s = await start({ heartbeatMs: 100 });
    open.sockets.push(await stalledClient(s.port)); // it never reads, so it never sees a ping
    await until(() => s.clients === 1, 'one client');
    await until(() => s.clients === 0, 'the stalled client terminated');
  });
});

describe('serve() security', () => {
  it('refuses a non-local bind without a token, before binding', async () => {
    const err = await serve({
      host: '0.0.0.0',
      port: 0,
      frames: syntheticSource(),
      createTracker: () => identityTracker(),
      env: {},
    }).catch((e: unknown) => e);
    expect(isSiamError(err, 'ERR_INSECURE_BIND')).toBe(true);
    expect((err as Error).message).toMatch(/0\.0\.0\.0/);
    const err6 = await serve({
      host: '::',
      port: 0,
      frames: syntheticSource(),
      createTracker: () => identityTracker(),
      env: {},
    }).catch((e: unknown) => e);
    expect(isSiamError(err6, 'ERR_INSECURE_BIND')).toBe(true);
  });

  it('checks the token on the upgrade and the page, and refuses cross-origin upgrades', async () => {
    const token = 'correct-horse-battery';
    const s = await start({ token });
    const ws = `ws://127.0.0.1:${s.port}/ws`;
    expect(await upgradeStatus(ws)).toBe(401);
    expect(await upgradeStatus(`${ws}?token=wrong-token-value`)).toBe(401);
    expect(await upgradeStatus(`${ws}?token=${token}`)).toBe(101);
    expect(await upgradeStatus(ws, { headers: { authorization: `Bearer ${token}` } })).toBe(101);
    expect(await upgradeStatus(`${ws}?token=${token}`, { origin: 'http://evil.example' })).toBe(403);
    expect(await upgradeStatus(`ws://127.0.0.1:${s.port}/other?token=${token}`)).toBe(404);

    const page = await fetch(`${s.url}`);
    expect(page.status).toBe(401);
    expect(await page.text()).toMatch(/ERR_UNAUTHORIZED/);
    const ok = await fetch(`${s.url}?token=${token}`);
    expect(ok.status).toBe(200);
    const cookie = ok.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly/);
    const asset = await fetch(`${s.url}app.js`, { headers: { cookie: cookie.split(';')[0] as string } });
    expect(asset.status).toBe(200);
    // The browser's WebSocket carries the cookie, not a header.
    expect(await upgradeStatus(ws, { headers: { cookie: cookie.split(';')[0] as string } })).toBe(101);
  });

  it('answers a malformed cookie or URL with 401 for that request only, and keeps serving', async () => {
    const token = 'correct-horse-battery';
    const s = await start({ token });
    const ws = `ws://127.0.0.1:${s.port}/ws`;
    const bad = { cookie: 'siamstream_token=%E0%A4%A' };
    expect((await fetch(s.url, { headers: bad })).status).toBe(401);
    expect(await upgradeStatus(ws, { headers: bad })).toBe(401);
    // The server is still up and still checks tokens.
    expect((await fetch(`${s.url}?token=${token}`)).status).toBe(200);
    expect(await upgradeStatus(`${ws}?token=${token}`)).toBe(101);
  });

  it('refuses a whitespace token and treats only localhost itself as loopback', async () => {
    for (const token of ['        ', 'two words here']) {
      const err = await serve({
        port: 0,
        token,
        frames: syntheticSource(),
        createTracker: () => identityTracker(),
      }).catch((e: unknown) => e);
      expect(isSiamError(err, 'ERR_BAD_OPTION')).toBe(true);
    }
    const { isLoopbackHost } = await import('../../src/stream/auth.js');
    expect(['localhost', '127.0.0.1', '127.1.2.3', '[::1]'].every(isLoopbackHost)).toBe(true);
    expect(['evil.localhost', 'localhost.evil.example', '128.0.0.1'].some(isLoopbackHost)).toBe(false);
  });

  it('a view-only token watches but may not steer (ERR_FORBIDDEN); its cookie is its own', async () => {
    const token = 'correct-horse-battery';
    const viewToken = 'viewers-only-please';
    const s = await start({ token, viewToken, createTracker: () => identityTracker() });
    const viewer = connect(s, `?token=${viewToken}`);
    const steerer = connect(s, `?token=${token}`);
    await Promise.all([viewer.opened, steerer.opened]);
    await viewer.waitFor((x) => x.frames.length >= 1, 10_000, 'a frame for the viewer');
    expect(viewer.of('hello')[0]).toMatchObject({ control: false });
    expect(steerer.of('hello')[0]).toMatchObject({ control: true });
    viewer.send({ type: 'init', box: { x: 10, y: 20, width: 30, height: 40 }, id: 'v1' });
    viewer.send({ type: 'stop', id: 'v2' });
    await viewer.waitFor((x) => x.of('error').length >= 2, 5000, 'two refusals');
    expect(viewer.of('error').map((e) => [e.code, e.id])).toEqual([
      ['ERR_FORBIDDEN', 'v1'],
      ['ERR_FORBIDDEN', 'v2'],
    ]);
    expect(viewer.of('state')).toEqual([]);
    steerer.send({ type: 'init', box: { x: 10, y: 20, width: 30, height: 40 } });
    // The viewer sees what the steerer started.
    await viewer.waitFor((x) => x.of('track').length >= 2, 10_000, 'tracks for the viewer');
    const page = await fetch(`${s.url}?token=${viewToken}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('set-cookie')).toMatch(new RegExp(`^siamstream_token=${viewToken};`));
    expect(await upgradeStatus(`ws://127.0.0.1:${s.port}/ws?token=someone-else`)).toBe(401);
  });

  it('refuses a view-only token without a token, or equal to it', async () => {
    for (const extra of [
      { viewToken: 'viewers-only-please' },
      { token: 'same-token-twice', viewToken: 'same-token-twice' },
    ]) {
      const err = await serve({
        port: 0,
        ...extra,
        frames: syntheticSource(),
        createTracker: () => identityTracker(),
      }).catch((e: unknown) => e);
      expect(isSiamError(err, 'ERR_BAD_OPTION')).toBe(true);
    }
  });

  it('without a token, answers only a loopback Host (DNS rebinding)', async () => {
    const { request } = await import('node:http');
    const pageStatus = (s: LiveServer, host: string): Promise<number> =>
      new Promise((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: s.port, path: '/', headers: { host } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
    const open = await start();
    const ws = `ws://127.0.0.1:${open.port}/ws`;
    expect(await pageStatus(open, `evil.example:${open.port}`)).toBe(403);
    expect(await upgradeStatus(ws, { headers: { host: `evil.example:${open.port}` } })).toBe(403);
    expect(await pageStatus(open, `localhost:${open.port}`)).toBe(200);
    expect(await upgradeStatus(ws, { headers: { host: `localhost:${open.port}` } })).toBe(101);
    // With a token, the token is the check: any Host is fine once it is given.
    const token = 'correct-horse-battery';
    const guarded = await start({ token });
    expect(
      await upgradeStatus(`ws://127.0.0.1:${guarded.port}/ws?token=${token}`, {
        headers: { host: `camera.example:${guarded.port}` },
      }),
    ).toBe(101);
  });

  it('serves only the dashboard folder (no path traversal, no symlink out)', async () => {
    // A copy of the dashboard with a symlink pointing out of it.
    const dir = mkdtempSync(path.join(tmpdir(), 'siam-dash-'));
    for (const f of ['index.html', 'app.js', 'style.css'])
      copyFileSync(path.join(defaultDashboardDir(), f), path.join(dir, f));
    writeFileSync(path.join(path.dirname(dir), `${path.basename(dir)}-secret.js`), 'secret');
    symlinkSync(path.join(path.dirname(dir), `${path.basename(dir)}-secret.js`), path.join(dir, 'leak.js'));
    const s = await start({ dashboardDir: dir });
    const get = async (p: string): Promise<number> => {
      // Raw request: fetch would normalise the dots away before sending.
      const net = await import('node:net');
      return new Promise((resolve, reject) => {
        const sock = net.connect(s.port, '127.0.0.1', () =>
          sock.write(`GET ${p} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`),
        );
        let buf = '';
        sock.on('data', (d) => (buf += d.toString()));
        sock.on('end', () => resolve(Number(buf.split(' ')[1])));
        sock.on('error', reject);
      });
    };
    expect(await get('/')).toBe(200);
    expect(await get('/index.html')).toBe(200);
    expect(await get('/style.css')).toBe(200);
    for (const p of [
      '/../package.json',
      '/../../package.json',
      '/%2e%2e/%2e%2e/package.json',
      '/..%2f..%2fpackage.json',
      '/..%5c..%5cpackage.json',
      '/%00index.html',
      '//etc/passwd',
      '/.hidden',
      '/../server.ts',
      '/%2e%2e%2fserver.ts',
      '/leak.js',
      `/../${path.basename(dir)}-secret.js`,
      '//[', // not a parsable URL: 400, never an exception on the request path
    ]) {
      const status = await get(p);
      expect(status, p).toBeGreaterThanOrEqual(400);
    }
    expect((await fetch(`${s.url}`, { method: 'POST' })).status).toBe(405);
    rmSync(dir, { recursive: true });
    rmSync(path.join(path.dirname(dir), `${path.basename(dir)}-secret.js`));
  });
});

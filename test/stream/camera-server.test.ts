/**
 * The camera server (`serve --redis`) against a real redis-server, with this test playing the
 * camera's worker on the Redis channels: what the worker publishes reaches the clients of that
 * camera as protocol messages, the clients' commands reach the commands channel, and a refused
 * command's error goes back to the one client that sent it.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { listCameras, submitJobs } from '../../src/queue/index.js';
import { liveKeys, type LiveCommand, type LiveEvent } from '../../src/queue/live-channels.js';
import { serveCameras, type CameraServer } from '../../src/stream/camera-server.js';
import { encodeFrameMessage } from '../../src/stream/protocol.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { REPO_ROOT } from '../helpers/shared-data.js';
import { RecordingClient, spawnServe, upgradeStatus } from './helpers.js';
import { SLOW_TEST_TIMEOUT_MS } from '../helpers/timeouts.js';

// Real processes, decoding or training: each test's deadlock guard is 10 min (test/helpers/timeouts.ts).
vi.setConfig({ testTimeout: SLOW_TEST_TIMEOUT_MS });

let redis: TestRedis;
let server: CameraServer;
let pub: Redis;
let sub: Redis;
const commands: LiveCommand[] = [];
const keys = liveKeys('yard');

beforeAll(async () => {
  redis = await startRedis();
  pub = new Redis(redis.url);
  sub = new Redis(redis.url);
  sub.on('message', (_c: string, text: string) => commands.push(JSON.parse(text) as LiveCommand));
  await sub.subscribe(keys.commands);
  server = await serveCameras({
    redis: redis.url,
    port: 0,
    refreshMs: 100,
    token: 'control-token',
    viewToken: 'view-token-1',
  });
});

afterAll(async () => {
  await server?.close();
  pub?.disconnect();
  sub?.disconnect();
  await redis?.stop();
});

const publish = (e: LiveEvent): Promise<number> => pub.publish(keys.events, JSON.stringify(e));

describe('the camera server', () => {
  it('relays a camera worker’s messages and commands through Redis', async () => {
    const ws = `${server.url.replace(/^http/, 'ws')}ws`;
    expect(await upgradeStatus(`${ws}?token=control-token`)).toBe(404); // no camera yet
    // A camera waiting for a worker is listed (nobody runs it in this test).
    await submitJobs(redis.url, 'live', [
      { camera: 'yard', source: `${REPO_ROOT}/samples/tracking/video.mp4` },
    ]);
    const t0 = Date.now();
    while (!server.cameras.includes('yard') && Date.now() - t0 < 30_000)
      await new Promise((r) => setTimeout(r, 20));
    expect(server.cameras).toEqual(['yard']);
    expect(await upgradeStatus(`${ws}?token=control-token&camera=elsewhere`)).toBe(404);

    const a = new RecordingClient(`${ws}?token=control-token`); // no ?camera: the first one
    const viewer = new RecordingClient(`${ws}?token=view-token-1&camera=yard`);
    await Promise.all([a.opened, viewer.opened]);
    await a.waitFor((c) => c.of('hello').length > 0, 30_000, 'hello');
    expect(a.of('hello')[0]).toMatchObject({ camera: 'yard', cameras: ['yard'], control: true });
    await viewer.waitFor((c) => c.of('hello').length > 0, 30_000, 'hello');
    expect(viewer.of('hello')[0]).toMatchObject({ camera: 'yard', control: false });
    // The server has subscribed to the camera's channels (a publish before that would be lost).
    for (const channel of [keys.events, keys.frames]) {
      while (Number(((await pub.pubsub('NUMSUB', channel)) as [string, number])[1]) === 0)
        await new Promise((r) => setTimeout(r, 20));
    }

    // The worker's events: the source's size and preview rate (a new hello), one frame's results (a track message
    // per target), a preview.
    const preview = { transport: 'binary' as const, format: 'jpeg' as const, maxSide: 640, maxFps: 2 };
    await publish({
      type: 'info',
      info: { width: 320, height: 240, fps: 25, live: false },
      worker: 'w1',
      preview,
    });
    const result = (id: number) => ({
      id,
      frameIndex: 7,
      timestampMs: 280,
      box: { x: id, y: 2, width: 3, height: 4 },
      score: 0.9,
      psr: 12,
      lost: false,
      timings: { totalMs: 3 },
    });
    await publish({ type: 'tracks', results: [result(1), result(2)], decodedAt: Date.now(), latencyMs: 3 });
    const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xd9]);
    const header = {
      type: 'frame' as const,
      frameIndex: 7,
      timestampMs: 280,
      decodedAt: Date.now(),
      width: 320,
      height: 240,
      sourceWidth: 320,
      sourceHeight: 240,
    };
    await pub.publish(keys.frames, encodeFrameMessage(header, jpeg));
    await a.waitFor((c) => c.of('track').length === 2 && c.frames.length === 1, 30_000, 'tracks and a frame');
    expect(a.of('track').map((m) => m.result.id)).toEqual([1, 2]);
    expect(a.of('hello').at(-1)?.source).toEqual({ width: 320, height: 240, fps: 25, live: false });
    expect(a.of('hello').at(-1)?.preview).toEqual(preview); // the worker's preview rate, not a default
    expect(a.frames[0]?.header.frameIndex).toBe(7);

    // Commands: an init goes to the worker's channel with a reply route; a view-only client's is refused here.
    a.send({ type: 'init', box: { x: 5, y: 6, width: 20, height: 30 }, id: 'mine' });
    viewer.send({ type: 'init', box: { x: 5, y: 6, width: 20, height: 30 }, id: 'theirs' });
    await viewer.waitFor((c) => c.of('error').length > 0, 30_000, 'refusal');
    expect(viewer.of('error')[0]).toMatchObject({ code: 'ERR_FORBIDDEN', id: 'theirs' });
    const t1 = Date.now();
    while (commands.length === 0 && Date.now() - t1 < 30_000) await new Promise((r) => setTimeout(r, 20));
    expect(commands).toHaveLength(1);
    const init = commands[0] as Extract<LiveCommand, { type: 'init' }>;
    expect(init).toMatchObject({ type: 'init', box: { x: 5, y: 6, width: 20, height: 30 } });
    expect(init.replyTo).toMatch(/^[0-9a-f-]{36}$/);

    // The worker refuses it: the error reaches the sender alone, with the sender's id.
    await publish({ type: 'error', code: 'ERR_TOO_MANY_TARGETS', message: 'full', replyTo: init.replyTo });
    await a.waitFor((c) => c.of('error').length > 0, 30_000, 'the reply');
    expect(a.of('error')[0]).toEqual({
      type: 'error',
      code: 'ERR_TOO_MANY_TARGETS',
      message: 'full',
      id: 'mine',
    });
    // A broadcast state reaches both.
    await publish({
      type: 'state',
      tracking: true,
      target: 3,
      initBox: init.box,
      frameIndex: 9,
      targets: [{ id: 3, initBox: init.box, frameIndex: 9 }],
    });
    await viewer.waitFor((c) => c.of('state').length > 0, 30_000, 'state');
    await new Promise((r) => setTimeout(r, 100));
    expect(viewer.of('error')).toHaveLength(1); // not the other client's reply
    await a.close();
    await viewer.close();
  });

  it('as `siamstream serve --redis`: prints its URL, serves the cameras on the queue, exits 143 on SIGTERM', async () => {
    const p = spawnServe(['--redis', '--port', '0', '--json'], { SIAMSTREAM_REDIS: redis.url });
    const t0 = Date.now();
    while (!p.out().includes('\n') && p.child.exitCode === null && Date.now() - t0 < 20_000)
      await new Promise((r) => setTimeout(r, 50));
    const { url, ws } = JSON.parse(p.out().split('\n')[0] as string) as { url: string; ws: string };
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(p.err()).toMatch(
      /cameras dashboard at http:\/\/127\.0\.0\.1:\d+\/ \(1 camera\(s\) on the queue now\)/,
    );
    expect(p.err()).not.toContain(redis.url); // nothing about the URL (it may hold a password)
    expect(await upgradeStatus(`${ws}?camera=yard`)).toBe(101);
    expect(await upgradeStatus(`${ws}?camera=nowhere`)).toBe(404);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(143);
  });

  it('lists a camera URL without its password', async () => {
    await submitJobs(redis.url, 'live', [{ camera: 'gate', source: 'rtsp://admin:s3cr3t@cam-7/stream' }]);
    const gate = (await listCameras(redis.url)).find((c) => c.camera === 'gate');
    expect(gate).toMatchObject({ state: 'waiting', source: 'rtsp://admin:***@cam-7/stream', worker: null });
  });
});

/**
 * A camera session on the queue, for real: a real redis-server, two real `siamstream worker
 * --queues live` processes, a camera server (`serve --redis`) in this process, a WebSocket client.
 * The camera is a shared sequence played as a looping file at its own rate (camera-like).
 * - The client gets `track` messages through Redis; its `init` and `stop` reach the worker, and a
 *   failed command's error comes back to it alone.
 * - `kill -9` of the worker that runs the camera: the other takes it over, and the client keeps
 *   receiving `track` messages for the same target ids within 10 s, the box still on the target
 *   (IoU with the ground truth > 0.5).
 * - A worker stopped with SIGTERM hands its camera back to the queue at once (no lock to wait for).
 * - `cameras --stop` ends it: its job and state are gone.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listCameras } from '../../src/queue/index.js';
import { liveKeys } from '../../src/queue/live-channels.js';
import { serveCameras, type CameraServer } from '../../src/stream/camera-server.js';
import type { TrackMessage } from '../../src/stream/protocol.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process.js';
import { hasSharedData, noteSharedDataSkip, REPO_ROOT, SHARED_DATA } from '../helpers/shared-data.js';
import { iou, readGroundTruth, RecordingClient, upgradeStatus } from '../stream/helpers.js';

noteSharedDataSkip('live camera sessions on the queue');

const SEQ = path.join(SHARED_DATA, 'tracking/Basketball');
let redis: TestRedis;
let server: CameraServer;
const workers: WorkerProcess[] = [];

/** A `siamstream worker` process on the test's Redis; killed after the tests. */
async function startWorker(): Promise<WorkerProcess> {
  const w = await startWorkerProcess(redis.url, ['--queues', 'live']);
  workers.push(w);
  return w;
}

const cli = (...args: string[]) =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, SIAMSTREAM_REDIS: redis.url },
  });

const until = async (
  pred: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> => {
  const t0 = Date.now();
  while (!(await pred())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

beforeAll(async () => {
  if (!hasSharedData) return;
  redis = await startRedis('s3cret');
  server = await serveCameras({ redis: redis.url, port: 0, refreshMs: 200 });
});

afterAll(async () => {
  for (const w of workers) w.child.kill('SIGKILL');
  await server?.close();
  await redis?.stop();
});

describe.skipIf(!hasSharedData)('a camera session on the queue', () => {
  it('survives its worker: another takes it over from the last boxes within 10 s', async () => {
    const truth = readGroundTruth(path.join(SEQ, 'groundtruth.txt'));
    const b0 = truth[0]!;
    await Promise.all([startWorker(), startWorker()]);
    const submitted = await cli(
      'submit',
      'live',
      path.join(SEQ, 'video.mp4'),
      '--camera',
      'court',
      '--box',
      `${b0.x},${b0.y},${b0.width},${b0.height}`,
      '--loop',
      '--preview-fps',
      '2',
    );
    expect(JSON.parse(submitted.stdout)).toEqual({ id: 'live-court', status: 'added', camera: 'court' });
    await until(() => server.cameras.includes('court'), 10_000, 'the camera in the server list');
    const ws = `${server.url.replace(/^http/, 'ws')}ws`;
    expect(await upgradeStatus(`${ws}?camera=nowhere`)).toBe(404);

    const client = new RecordingClient(`${ws}?camera=court`);
    await client.opened;
    client.send({ type: 'subscribe', types: ['track', 'frame'] });
    await client.waitFor((c) => c.of('hello').length > 0, 5000, 'hello');
    const hello = client.of('hello')[0];
    expect(hello).toMatchObject({ camera: 'court', cameras: ['court'] });
    const tracks = (id: number, after = 0): { at: number; msg: TrackMessage }[] =>
      client.messages.filter(
        (m): m is { at: number; msg: TrackMessage } =>
          m.msg.type === 'track' && m.msg.result.id === id && m.at > after,
      );
    await client.waitFor(() => tracks(1).length >= 30, 60_000, '30 track messages');

    // A second target from the client (a patch of the stands, away from the player: two targets
    // on one object would be told apart as occluding each other) reaches the worker; a bad `stop`
    // answers this client alone.
    const seen = tracks(1).at(-1)!.msg.result.frameIndex;
    client.send({ type: 'init', box: { x: 20, y: 20, width: 60, height: 60 }, frameIndex: seen, target: 2 });
    client.send({ type: 'stop', target: 9, id: 'bad-stop' });
    await client.waitFor(() => tracks(2).length >= 5, 20_000, 'target 2');
    await client.waitFor(() => client.of('error').some((e) => e.id === 'bad-stop'), 5000, 'the reply');
    expect(client.of('error').find((e) => e.id === 'bad-stop')?.code).toBe('ERR_NOT_INITIALISED');
    expect(client.frames.length).toBeGreaterThan(0); // previews came through Redis too

    // kill -9 the worker that runs it.
    await new Promise((r) => setTimeout(r, 500)); // a state written with both targets
    const [cam] = await listCameras(redis.url);
    const owner = workers.find((w) => w.name() === cam?.worker);
    expect(owner, `owner ${cam?.worker}`).toBeDefined();
    owner!.child.kill('SIGKILL');
    const killedAt = performance.timeOrigin + performance.now();
    const after = killedAt + 1000; // messages in flight at the kill arrive within milliseconds
    await client.waitFor(
      () => tracks(1, after).length >= 30 && tracks(2, after).length >= 1,
      40_000,
      'takeover',
    );
    const firstBack = tracks(1, after)[0]!;
    expect(firstBack.at - killedAt).toBeLessThan(10_000);
    const [moved] = await listCameras(redis.url);
    expect(moved?.worker).not.toBe(owner!.name());
    expect(moved?.state).toBe('active');
    // The box is still on the target: IoU with the ground truth of the frame it is for.
    const ious = tracks(1, after)
      .slice(0, 30)
      .map(({ msg }) => iou(msg.result.box, truth[msg.result.frameIndex % truth.length]!));
    ious.sort((a, b) => a - b);
    expect(ious[Math.floor(ious.length / 2)]).toBeGreaterThan(0.5);

    // A worker stopped the polite way (SIGTERM) hands its camera back at once: a third one takes it.
    const third = await startWorker();
    const second = workers.find((w) => w.name() === moved?.worker)!;
    second.child.kill('SIGTERM');
    const termAt = performance.timeOrigin + performance.now();
    await until(async () => (await listCameras(redis.url))[0]?.worker === third.name(), 20_000, 'hand-over');
    await client.waitFor(() => tracks(1, termAt + 500).length >= 5, 20_000, 'tracks from the third worker');
    await until(() => second.child.exitCode !== null, 10_000, 'the second worker to exit');
    expect(second.child.exitCode).toBe(143);
    expect(second.log()).toMatch(/live live-court handed back to the queue/);
    expect(tracks(1, termAt + 500)[0]!.at - termAt).toBeLessThan(5000);

    // Ended for good: the job and the state key are gone.
    const table = await cli('cameras');
    expect(table.stdout).toMatch(
      new RegExp(`^court\tactive\t${third.name()}\t\\d+\t1:[-\\d,]+ 2:[-\\d,]+\t`, 'm'),
    );
    await cli('cameras', '--stop', 'court');
    expect(await listCameras(redis.url)).toEqual([]);
    const r = new Redis(redis.url);
    expect(await r.exists(liveKeys('court').state)).toBe(0);
    r.disconnect();
    await client.close();
  }, 180_000);
});

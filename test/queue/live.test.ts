/**
 * A camera session on the queue, for real: a real redis-server, two real `siamstream worker
 * --queues live` processes, a camera server (`serve --redis`) in this process, a WebSocket client.
 * The camera is a network camera the test runs (paced-camera.ts: a shared sequence as MJPEG over
 * TCP): it shows a still of its current frame until a worker's results arrive, then a new frame
 * each time the tracker has caught up. A slow machine slows the camera with it, so the tracker
 * skips at most a frame whatever the load, and a result for frame n is checked against the
 * ground truth of the frame sent n-th.
 * - The client gets `track` messages through Redis; its `init` and `stop` reach the worker, and a
 *   failed command's error comes back to it alone.
 * - `kill -9` of the worker that runs the camera: the other takes it over, and the client keeps
 *   receiving `track` messages for the same target ids, the box still on the target (IoU with the
 *   ground truth > 0.5).
 * - A worker stopped with SIGTERM hands its camera back to the queue (it says so; a third worker
 *   takes it).
 * - `cameras --stop` ends it: its job and state are gone.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { listCameras } from '../../src/queue/index.js';
import { liveKeys, parseLiveState } from '../../src/queue/live-channels.js';
import { serveCameras, type CameraServer } from '../../src/stream/camera-server.js';
import type { TrackMessage } from '../../src/stream/protocol.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process.js';
import {
  jpegFrames,
  startPacedCamera,
  type CameraConnection,
  type PacedCamera,
} from '../helpers/paced-camera.js';
import { hasSharedData, noteSharedDataSkip, REPO_ROOT, SHARED_DATA } from '../helpers/shared-data.js';
import { iou, readGroundTruth, RecordingClient, upgradeStatus } from '../stream/helpers.js';
import { SLOW_TEST_TIMEOUT_MS } from '../helpers/timeouts.js';

// Real processes, decoding or training: each test's deadlock guard is 10 min (test/helpers/timeouts.ts).
vi.setConfig({ testTimeout: SLOW_TEST_TIMEOUT_MS });

noteSharedDataSkip('live camera sessions on the queue');

const SEQ = path.join(SHARED_DATA, 'tracking/Basketball');
let redis: TestRedis;
let server: CameraServer;
let camera: PacedCamera | undefined;
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
  await camera?.close();
  await server?.close();
  await redis?.stop();
});

describe.skipIf(!hasSharedData)('a camera session on the queue', () => {
  it('survives its worker: another takes it over from the last boxes', async () => {
    const truth = readGroundTruth(path.join(SEQ, 'groundtruth.txt'));
    const b0 = truth[0]!;
    const jpegs = await jpegFrames(path.join(SEQ, 'video.mp4'), truth.length);
    await Promise.all([startWorker(), startWorker()]);
    /** One decoder's connection: its frames and the index of its first decoded frame. */
    interface Feed {
      conn: CameraConnection;
      /** Frame index of the first frame the worker decodes on it (0, or after a takeover the state's + 1). */
      base: number;
      /** The sequence frame it starts on (shown as a still until the worker's first result). */
      start: number;
    }
    const feeds: Feed[] = [];
    /** The dashboard-like client (connected once the camera is listed). */
    const viewer: { client?: RecordingClient } = {};
    /** Results of target `id` from the worker that reads `feed` (received after it connected). */
    const resultsOf = (feed: Feed, id = 1): TrackMessage[] => {
      const next = feeds[feeds.indexOf(feed) + 1];
      return (viewer.client?.messages ?? [])
        .filter(
          (m) =>
            m.msg.type === 'track' &&
            m.msg.result.id === id &&
            m.at > feed.conn.acceptedAt &&
            (!next || m.at < next.conn.acceptedAt),
        )
        .map((m) => m.msg as TrackMessage);
    };
    /** The sequence frame a result of `feed` is for. */
    const frameOf = (feed: Feed, frameIndex: number): number => feed.conn.sent[frameIndex - feed.base]!;
    const r = new Redis(redis.url);
    r.on('error', () => undefined); // Redis stops after the file, maybe before a failed test let go of it
    onTestFinished(() => r.disconnect());
    camera = await startPacedCamera(jpegs, (conn) => {
      void (async () => {
        // Resume where the state is: the frame its boxes are for (a worker that took over reads the
        // same state, and numbers its frames on from the state's).
        const state = parseLiveState(await r.get(liveKeys('court').state));
        const prev = feeds.at(-1);
        const start = state && prev ? frameOf(prev, state.frameIndex) : 0;
        const feed: Feed = { conn, base: state ? state.frameIndex + 1 : 0, start };
        feeds.push(feed);
        // A still until the first result (the client may not be connected yet): padded at first,
        // so that ffmpeg's probe lets it through (paced-camera.ts), then 30 a second.
        for (let k = 0; !conn.closed && resultsOf(feed).length === 0; k++) {
          conn.write(start, k < 8);
          await new Promise((res) => setTimeout(res, 33));
        }
        // Then the next frame only once the tracker has caught up with what was sent: ffmpeg's
        // MJPEG parser holds AHEAD frames back (it knows a frame has ended when the next one
        // starts), so it never has a frame to skip, however slow the machine. A result that does
        // not come within 300 ms lets one more frame through (should ffmpeg hold more back).
        const AHEAD = 2;
        let latest = -1;
        let progressAt = Date.now();
        for (let next = start + 1; !conn.closed; await new Promise((res) => setTimeout(res, 5))) {
          const now = Math.max(-1, ...resultsOf(feed).map((m) => m.result.frameIndex));
          if (now > latest) [latest, progressAt] = [now, Date.now()];
          if (latest >= feed.base + conn.sent.length - 1 - AHEAD || Date.now() - progressAt > 300) {
            conn.write(next++);
            progressAt = Date.now();
          }
        }
      })().catch(() => undefined); // a connection after the test (Redis gone): nothing to drive
    });

    const submitted = await cli(
      'submit',
      'live',
      camera.url,
      '--camera',
      'court',
      '--box',
      `${b0.x},${b0.y},${b0.width},${b0.height}`,
      '--preview-fps',
      '2',
    );
    expect(JSON.parse(submitted.stdout)).toEqual({ id: 'live-court', status: 'added', camera: 'court' });
    await until(() => server.cameras.includes('court'), 60_000, 'the camera in the server list');
    const ws = `${server.url.replace(/^http/, 'ws')}ws`;
    expect(await upgradeStatus(`${ws}?camera=nowhere`)).toBe(404);

    const c = new RecordingClient(`${ws}?camera=court`);
    viewer.client = c;
    await c.opened;
    c.send({ type: 'subscribe', types: ['track', 'frame'] });
    await c.waitFor((x) => x.of('hello').length > 0, 60_000, 'hello');
    const hello = c.of('hello')[0];
    expect(hello).toMatchObject({ camera: 'court', cameras: ['court'] });
    const tracks = (id: number, after = 0): { at: number; msg: TrackMessage }[] =>
      c.messages.filter(
        (m): m is { at: number; msg: TrackMessage } =>
          m.msg.type === 'track' && m.msg.result.id === id && m.at > after,
      );
    await c.waitFor(() => tracks(1).length >= 30, 60_000, '30 track messages');

    // A second target from the client (a patch of the stands, away from the player: two targets
    // on one object would be told apart as occluding each other) reaches the worker; a bad `stop`
    // answers this client alone.
    const seen = tracks(1).at(-1)!.msg.result.frameIndex;
    c.send({ type: 'init', box: { x: 20, y: 20, width: 60, height: 60 }, frameIndex: seen, target: 2 });
    c.send({ type: 'stop', target: 9, id: 'bad-stop' });
    await c.waitFor(() => tracks(2).length >= 5, 20_000, 'target 2');
    await c.waitFor(() => c.of('error').some((e) => e.id === 'bad-stop'), 5000, 'the reply');
    expect(c.of('error').find((e) => e.id === 'bad-stop')?.code).toBe('ERR_NOT_INITIALISED');
    expect(c.frames.length).toBeGreaterThan(0); // previews came through Redis too

    // kill -9 the worker that runs it, once its state holds both targets.
    await until(
      async () => parseLiveState(await r.get(liveKeys('court').state))?.targets.length === 2,
      60_000,
      'a state with both targets',
    );
    const [cam] = await listCameras(redis.url);
    const owner = workers.find((w) => w.name() === cam?.worker);
    expect(owner, `owner ${cam?.worker}`).toBeDefined();
    const feedsBefore = feeds.length;
    owner!.child.kill('SIGKILL');
    await until(() => feeds.length > feedsBefore, 120_000, 'the camera reopened by another worker');
    const resumed = feeds.at(-1)!;
    // Results on frames after the one the state's boxes are for (not the still it resumed on).
    const moving = (): TrackMessage[] =>
      resultsOf(resumed).filter((m) => frameOf(resumed, m.result.frameIndex) > resumed.start);
    await c.waitFor(() => moving().length >= 30 && resultsOf(resumed, 2).length >= 1, 120_000, 'takeover');
    const [moved] = await listCameras(redis.url);
    expect(moved?.worker).not.toBe(owner!.name());
    expect(moved?.state).toBe('active');
    // It resumed from the state's boxes, on the frame they are for.
    expect(resultsOf(resumed)[0]?.result.frameIndex).toBe(resumed.base);
    // The box is still on the target: IoU with the ground truth of the frame it is for.
    const ious = moving()
      .slice(0, 30)
      .map((m) => iou(m.result.box, truth[frameOf(resumed, m.result.frameIndex)]!));
    ious.sort((a, b) => a - b);
    console.log(
      `[live] takeover: resumed on frame ${resumed.start} (index ${resumed.base}); median IoU ` +
        `${ious[Math.floor(ious.length / 2)]?.toFixed(3)} over the next ${ious.length} frames; ` +
        `frames sent per connection: ${feeds.map((f) => f.conn.sent.length).join(', ')}; tracked ` +
        `${new Set(moving().map((m) => m.result.frameIndex)).size} of the first ` +
        `${Math.max(...moving().map((m) => frameOf(resumed, m.result.frameIndex))) - resumed.start} frames after the resume`,
    );
    expect(ious[Math.floor(ious.length / 2)]).toBeGreaterThan(0.5);

    // A worker stopped the polite way (SIGTERM) hands its camera back: a third one takes it.
    const third = await startWorker();
    const second = workers.find((w) => w.name() === moved?.worker)!;
    const feedsBeforeTerm = feeds.length;
    second.child.kill('SIGTERM');
    await until(async () => (await listCameras(redis.url))[0]?.worker === third.name(), 120_000, 'hand-over');
    await until(() => feeds.length > feedsBeforeTerm, 120_000, 'the camera reopened by the third worker');
    await c.waitFor(() => resultsOf(feeds.at(-1)!).length >= 5, 120_000, 'tracks from the third worker');
    await until(() => second.child.exitCode !== null, 60_000, 'the second worker to exit');
    expect(second.child.exitCode).toBe(143);
    expect(second.log()).toMatch(/live live-court handed back to the queue/);

    // Ended for good: the job and the state key are gone.
    const table = await cli('cameras');
    expect(table.stdout).toMatch(
      new RegExp(`^court\tactive\t${third.name()}\t\\d+\t1:[-\\d,]+ 2:[-\\d,]+\t`, 'm'),
    );
    await cli('cameras', '--stop', 'court');
    expect(await listCameras(redis.url)).toEqual([]);
    expect(await r.exists(liveKeys('court').state)).toBe(0);
    await c.close();
  }, 600_000);
});

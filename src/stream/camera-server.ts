/**
 * `serveCameras()` (`siamstream serve --redis URL`): a dashboard server for the cameras on the
 * queue (docs/scale.md, "Live cameras"). It runs no session itself: every camera runs on a queue
 * worker, and any number of these servers show any camera. A connection picks one with
 * `/ws?camera=NAME` (without it, the first by name); its `hello` names it and lists them all.
 * The same endpoint, token rules and protocol as `serve()`.
 */
import type { IncomingMessage } from 'node:http';
import { realpathSync } from 'node:fs';
import type { Queue } from 'bullmq';
import type { Redis as RedisClient } from 'ioredis';
import { cameraNames } from '../queue/cameras.js';
import { CAMERA_NAME } from '../queue/jobs.js';
import { liveKeys, parseLiveState } from '../queue/live-channels.js';
import { connectRedis, type RedisTarget } from '../queue/redis.js';
import { openQueue } from '../queue/submit.js';
import { checkBind, checkViewToken } from './auth.js';
import type { ClientQueueOptions } from './client-queue.js';
import { openEndpoint } from './endpoint.js';
import { MAX_CLIENT_PAYLOAD_BYTES } from './protocol.js';
import { RemoteCamera } from './remote-camera.js';
import { DEFAULT_SERVE_OPTIONS } from './serve-options.js';
import { defaultDashboardDir } from './static.js';

/** Options of {@link serveCameras}. */
export interface CameraServeOptions {
  /** Where the queue is (and how long to wait for it at start). */
  redis: RedisTarget;
  /** As in `serve()`. */
  host?: string;
  port?: number;
  token?: string;
  viewToken?: string;
  heartbeatMs?: number;
  statsIntervalMs?: number;
  maxPayloadBytes?: number;
  queue?: ClientQueueOptions;
  dashboardDir?: string;
  env?: NodeJS.ProcessEnv;
  /** How often the camera list is read from the queue. @default 2000 */
  refreshMs?: number;
}

/** A running camera server. */
export interface CameraServer {
  readonly url: string;
  readonly port: number;
  /** The cameras on the queue, as last read. */
  readonly cameras: readonly string[];
  /** Connected clients, over all cameras. */
  readonly clients: number;
  close(): Promise<void>;
}

/** The camera a WebSocket asks for (`?camera=`), or undefined. */
function requestedCamera(req: IncomingMessage): string | undefined {
  const q = new URL(req.url ?? '/', 'http://x').searchParams.get('camera');
  return q ?? undefined;
}

/** Starts a camera server (see the module comment). */
export async function serveCameras(options: CameraServeOptions): Promise<CameraServer> {
  const host = options.host ?? DEFAULT_SERVE_OPTIONS.host;
  const token = checkBind(host, options.token, options.env ?? process.env);
  checkViewToken(options.viewToken, token);
  const dashboardDir = realpathSync(options.dashboardDir ?? defaultDashboardDir());

  const pub: RedisClient = await connectRedis(options.redis);
  const sub: RedisClient = await connectRedis(options.redis);
  let queue: { queue: Queue; close(): Promise<void> } | undefined;
  let names: string[] = [];
  const refresh = async (): Promise<void> => {
    if (queue) names = await cameraNames(queue.queue);
  };
  try {
    queue = await openQueue(options.redis, 'live');
    await refresh();
  } catch (e) {
    pub.disconnect();
    sub.disconnect();
    await queue?.close();
    throw e;
  }
  const liveQueue = queue;
  const refreshTimer = setInterval(() => void refresh().catch(() => undefined), options.refreshMs ?? 2000);
  refreshTimer.unref();

  const cameras = new Map<string, RemoteCamera>();
  const byChannel = new Map<string, RemoteCamera>();
  // Buffers only: a preview is binary, and turning it into a string would be wasted work.
  sub.on('messageBuffer', (channel: Buffer, msg: Buffer) => {
    const name = channel.toString();
    const cam = byChannel.get(name);
    if (name.endsWith(':frames')) cam?.onFrame(msg);
    else cam?.onEvent(msg.toString('utf8'));
  });

  /** The camera's hub, made (and subscribed) on its first client. */
  const cameraFor = (name: string): RemoteCamera => {
    let cam = cameras.get(name);
    if (cam) return cam;
    cam = new RemoteCamera(name, pub, {
      previewMaxSide: 640,
      previewMaxFps: 5,
      queue: options.queue ?? {},
      helloExtra: () => ({ camera: name, cameras: [...names] }),
    });
    cameras.set(name, cam);
    byChannel.set(cam.channels.events, cam);
    byChannel.set(cam.channels.frames, cam);
    const made = cam;
    void sub.subscribe(cam.channels.events, cam.channels.frames).catch(() => undefined);
    void pub
      .get(liveKeys(name).state)
      .then((text) => made.seed(parseLiveState(text)))
      .catch(() => undefined);
    return cam;
  };
  const pick = (req: IncomingMessage): string | undefined => requestedCamera(req) ?? names[0];

  const endpoint = await openEndpoint({
    host,
    port: options.port ?? DEFAULT_SERVE_OPTIONS.port,
    token,
    viewToken: options.viewToken,
    dashboardDir,
    maxPayloadBytes: options.maxPayloadBytes ?? MAX_CLIENT_PAYLOAD_BYTES,
    refuse: (req) => {
      const name = pick(req);
      if (name === undefined)
        return { status: 404, text: 'no camera on the queue yet (siamstream submit live)' };
      if (!CAMERA_NAME.test(name) || !names.includes(name))
        return { status: 404, text: `no camera named ${JSON.stringify(name).slice(0, 80)} on the queue` };
      return undefined;
    },
    onClient: (ws, role, req) => cameraFor(pick(req) as string).hub.add(ws, role),
  }).catch(async (e: unknown) => {
    clearInterval(refreshTimer);
    pub.disconnect();
    sub.disconnect();
    await liveQueue.close();
    throw e;
  });

  const heartbeat = setInterval(
    () => cameras.forEach((c) => c.hub.heartbeat()),
    options.heartbeatMs ?? 30_000,
  );
  const stats = setInterval(() => cameras.forEach((c) => c.hub.tickStats()), options.statsIntervalMs ?? 1000);
  heartbeat.unref();
  stats.unref();
  let closing: Promise<void> | undefined;
  return {
    url: endpoint.url,
    port: endpoint.port,
    get cameras() {
      return names;
    },
    get clients() {
      let n = 0;
      for (const c of cameras.values()) n += c.hub.size;
      return n;
    },
    close() {
      closing ??= (async () => {
        clearInterval(refreshTimer);
        clearInterval(heartbeat);
        clearInterval(stats);
        for (const c of cameras.values()) c.close();
        await endpoint.close();
        sub.disconnect();
        pub.disconnect();
        await liveQueue.close();
      })();
      return closing;
    },
  };
}

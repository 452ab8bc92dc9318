/**
 * `serve()`: one HTTP server for the dashboard and the WebSocket endpoint `/ws`, fed by one live
 * session (decode → track / classify). See docs/server.md and docs/protocol.md.
 */
import { realpathSync } from 'node:fs';
import { checkBind, checkViewToken } from './auth.js';
import { openEndpoint, type Endpoint } from './endpoint.js';
import { resolveSource } from '../decode/source.js';
import type { MultiTracker } from '../track/multi-tracker.js';
import { defaultClassifier, defaultFrameSource, defaultTrackerFactory } from './defaults.js';
import { ClientHub } from './hub.js';
import { JpegEncoder } from './jpeg-encoder.js';
import { MAX_CLIENT_PAYLOAD_BYTES } from './protocol.js';
import { startSession, type LiveSession } from './session.js';
import { DEFAULT_SERVE_OPTIONS, validateServeOptions, type ServeOptions } from './serve-options.js';
import { defaultDashboardDir } from './static.js';

/** A running server. */
export interface LiveServer {
  /** `http://host:port/` (the dashboard); the WebSocket is at `ws://host:port/ws`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly session: LiveSession;
  /** Connected WebSocket clients. */
  readonly clients: number;
  /** Per-connection counters (sent / dropped frames and messages, socket backlog). */
  clientCounters(): ReturnType<ClientHub['clientCounters']>;
  /** The last global stats (null before the first tick). */
  readonly stats: ClientHub['lastStats'];
  /** Resolves when the source ends (a file without loop) or fails (with the error). */
  readonly ended: Promise<unknown>;
  /** Stops the source (and waits for ffmpeg to exit), closes every connection and the server. */
  close(): Promise<void>;
}

/** How long `close()` waits for the source's ffmpeg children to exit (they get SIGKILL after 2 s). */
const CHILD_EXIT_WAIT_MS = 5000;

/**
 * Starts the live server. Refuses a non-loopback `host` without a token (`ERR_INSECURE_BIND`)
 * before binding anything.
 */
export async function serve(options: ServeOptions): Promise<LiveServer> {
  validateServeOptions(options);
  const o = { ...DEFAULT_SERVE_OPTIONS, ...options };
  const token = checkBind(o.host, options.token, options.env ?? process.env);
  const viewToken = options.viewToken;
  checkViewToken(viewToken, token);
  // Cameras and URLs are live; a missing file or a refused protocol fails here, before the model loads.
  const live = options.live ?? (o.source !== undefined && resolveSource(o.source).live);
  const dashboardDir = realpathSync(options.dashboardDir ?? defaultDashboardDir());

  const encoder = new JpegEncoder(
    { maxSide: o.previewMaxSide, quality: o.previewQuality },
    o.previewWorker,
    o.previewEncoder,
  );
  await encoder.ready.catch(async (e: unknown) => {
    await encoder.close();
    throw e;
  });
  // The model loads before the source opens, so tracking from `box` starts on the first frame.
  let tracker: MultiTracker;
  try {
    tracker = await (options.createTracker ?? defaultTrackerFactory(options.tracker, o.trackerInWorker))();
  } catch (e) {
    await encoder.close();
    throw e;
  }
  const hub = new ClientHub({
    encoder,
    previewMaxSide: o.previewMaxSide,
    previewMaxFps: o.previewMaxFps,
    queue: o.queue ?? {},
  });

  let endpoint: Endpoint;
  try {
    endpoint = await openEndpoint({
      host: o.host,
      port: o.port,
      token,
      viewToken,
      dashboardDir,
      maxPayloadBytes: o.maxPayloadBytes ?? MAX_CLIENT_PAYLOAD_BYTES,
      onClient: (ws, role) => hub.add(ws, role),
    });
  } catch (e) {
    await encoder.close();
    tracker.dispose();
    throw e;
  }

  let resolveEnded!: (e: unknown) => void;
  const ended = new Promise<unknown>((r) => (resolveEnded = r));
  let session: LiveSession;
  const classifierReleases: Promise<void>[] = [];
  try {
    session = startSession(
      {
        frames:
          options.frames ??
          defaultFrameSource(o.source as string, { live, loop: o.loop, maxSide: options.maxSide }),
        createTracker: () => tracker,
        classify:
          options.classify === undefined
            ? defaultClassifier(options.model, options.tracker?.backend, (p) => classifierReleases.push(p))
            : (options.classify ?? undefined),
        initialTargets: options.box === undefined ? undefined : [options.box].flat().map((box) => ({ box })),
        maxTargets: options.maxTargets,
        live,
        historySize: o.historySize,
      },
      {
        onEvent: (e) => {
          if (e.type === 'track') hub.broadcastTracks(e.results, e.decodedAt);
          else hub.broadcast(e, e.type === 'label' || e.type === 'segment' ? 'label' : undefined);
        },
        onFrame: (sf) => hub.onFrame(sf),
        onInfo: () => hub.helloAll(),
        // Everyone sees that the source dropped and is being reopened (then frames resume, or
        // ERR_INTERNAL with ERR_SOURCE_LOST ends it).
        onReconnect: (e) =>
          hub.broadcast({
            type: 'error',
            code: e.code === 'ERR_SOURCE_STALLED' ? 'ERR_SOURCE_STALLED' : 'ERR_FFMPEG_EXIT',
            message: `source dropped (${e.reason.split('\n')[0]}); reconnecting in ${e.delayMs} ms (attempt ${e.attempt}/${e.attempts})`,
          }),
        onEnd: (e) => {
          if (e !== undefined)
            hub.broadcast({
              type: 'error',
              code: 'ERR_INTERNAL',
              message: `source ended: ${String((e as Error)?.message ?? e)}`,
            });
          resolveEnded(e);
        },
      },
    );
  } catch (e) {
    await endpoint.close();
    tracker.dispose();
    await encoder.close();
    throw e;
  }
  hub.attach(session);

  const heartbeat = setInterval(() => hub.heartbeat(), o.heartbeatMs);
  const statsTimer = setInterval(() => hub.tickStats(), o.statsIntervalMs);
  heartbeat.unref();
  statsTimer.unref();

  let closing: Promise<void> | null = null;

  return {
    url: endpoint.url,
    host: o.host,
    port: endpoint.port,
    session,
    get clients() {
      return hub.size;
    },
    get stats() {
      return hub.lastStats;
    },
    clientCounters: () => hub.clientCounters(),
    ended,
    close() {
      closing ??= (async () => {
        clearInterval(heartbeat);
        clearInterval(statsTimer);
        session.stop();
        resolveEnded(undefined);
        hub.closeAll();
        await endpoint.close();
        await encoder.close();
        // decode's teardown sent SIGTERM (SIGKILL after its grace period): wait for the children,
        // and for the tracker and the classifier to be disposed (a process that exits while their
        // threads are in an ONNX Runtime run aborts with SIGABRT).
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          Promise.all([session.childrenExited(), session.trackerReleased(), ...classifierReleases]),
          new Promise((r) => (timer = setTimeout(r, CHILD_EXIT_WAIT_MS).unref())),
        ]);
        clearTimeout(timer);
      })();
      return closing;
    },
  };
}

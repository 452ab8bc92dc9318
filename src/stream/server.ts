/**
 * `serve()`: one HTTP server for the dashboard and the WebSocket endpoint `/ws`, fed by one live
 * session (decode → track / classify). See docs/server.md and docs/protocol.md.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { realpathSync } from 'node:fs';
import { WebSocketServer } from 'ws';
import { SiamError } from '../errors.js';
import {
  checkBind,
  checkViewToken,
  isAllowedHost,
  isSameOrigin,
  requestRole,
  requestToken,
  tokenCookie,
} from './auth.js';
import { resolveSource } from '../decode/source.js';
import type { MultiTracker } from '../track/multi-tracker.js';
import { defaultClassifier, defaultFrameSource, defaultTrackerFactory } from './defaults.js';
import { ClientHub } from './hub.js';
import { JpegEncoder } from './jpeg-encoder.js';
import { MAX_CLIENT_PAYLOAD_BYTES } from './protocol.js';
import { startSession, type LiveSession } from './session.js';
import { DEFAULT_SERVE_OPTIONS, validateServeOptions, type ServeOptions } from './serve-options.js';
import { defaultDashboardDir, requestPath, serveStatic } from './static.js';

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

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
};

function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  const body = `${text}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}\r\n` +
      `Connection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  socket.destroy();
}

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

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    if (!isAllowedHost(req, token)) {
      res.writeHead(403, { 'content-type': 'text/plain' });
      res.end('ERR_UNAUTHORIZED: without a token, the server answers only to a loopback Host\n');
      return;
    }
    if (!requestRole(req, token, viewToken)) {
      res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' });
      res.end('ERR_UNAUTHORIZED: a valid token is required (open the page as /?token=…)\n');
      return;
    }
    // The browser's WebSocket cannot send headers: the page hands the token over as a cookie —
    // the one this request presented (a viewer's cookie carries the view-only token).
    const given = requestToken(req);
    const extra: Record<string, string> =
      token !== undefined && given ? { 'set-cookie': tokenCookie(given) } : {};
    void serveStatic(dashboardDir, req, res, extra);
  };
  const http = createServer(onRequest);
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: o.maxPayloadBytes ?? MAX_CLIENT_PAYLOAD_BYTES,
    perMessageDeflate: false,
  });
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const path = requestPath(req);
    if (path === undefined) return refuseUpgrade(socket, 400, 'bad request target');
    if (path !== '/ws') return refuseUpgrade(socket, 404, 'not found');
    if (!isAllowedHost(req, token))
      return refuseUpgrade(socket, 403, 'ERR_UNAUTHORIZED: without a token, only a loopback Host is served');
    const role = requestRole(req, token, viewToken);
    if (!role) return refuseUpgrade(socket, 401, 'ERR_UNAUTHORIZED: a valid token is required');
    if (!isSameOrigin(req))
      return refuseUpgrade(socket, 403, 'ERR_UNAUTHORIZED: cross-origin WebSocket refused');
    wss.handleUpgrade(req, socket, head, (ws) => hub.add(ws, role));
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException): void => {
      void encoder.close();
      tracker.dispose();
      reject(
        new SiamError('ERR_BAD_OPTION', `cannot listen on ${o.host}:${o.port}: ${e.code ?? e.message}`, {
          cause: e,
          hint: 'pick another --port',
        }),
      );
    };
    http.once('error', onError);
    http.listen(o.port, o.host, () => {
      http.off('error', onError);
      resolve();
    });
  });

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
        initialBoxes: options.box === undefined ? undefined : [options.box].flat(),
        maxTargets: options.maxTargets,
        live,
        historySize: o.historySize,
      },
      {
        onEvent: (e) => {
          // One `track` message per target: a version-1 client following one target reads it as before.
          if (e.type === 'track')
            for (const result of e.results)
              hub.broadcast({ type: 'track', result, decodedAt: e.decodedAt }, 'track');
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
    wss.close();
    http.close();
    tracker.dispose();
    await encoder.close();
    throw e;
  }
  hub.attach(session);

  const heartbeat = setInterval(() => hub.heartbeat(), o.heartbeatMs);
  const statsTimer = setInterval(() => hub.tickStats(), o.statsIntervalMs);
  heartbeat.unref();
  statsTimer.unref();

  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : o.port;
  const hostForUrl = o.host.includes(':') ? `[${o.host}]` : o.host;
  let closing: Promise<void> | null = null;

  return {
    url: `http://${hostForUrl}:${port}/`,
    host: o.host,
    port,
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
        wss.close();
        await new Promise<void>((r) => {
          http.close(() => r());
          http.closeAllConnections();
        });
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

/**
 * The connected clients: hello on connect, message validation, fan-out of session events through
 * each client's {@link ClientQueue}, JPEG previews (encoded once, only when a client is ready for
 * one, at most `previewMaxFps`), per-client `stats`, and the ping/pong heartbeat that terminates
 * dead connections (ws's documented pattern).
 */
import { ClientQueue, type ClientQueueOptions, type QueueSocket } from './client-queue.js';
import type { JpegEncoder } from './jpeg-encoder.js';
import type { StampedFrame } from './pipeline.js';
import {
  previewMessage,
  parseClientMessage,
  PROTOCOL_VERSION,
  type ErrorMessage,
  type HelloMessage,
  type ServerMessage,
  type StatsMessage,
  type StreamType,
} from './protocol.js';
import type { ClientRole } from './auth.js';
import type { LiveSession } from './session.js';
import type { TargetResult } from '../track/multi-tracker.js';
import { percentile } from '../util/percentile.js';

/** What the {@link ClientHub} needs from the server. */
export interface HubOptions {
  /** Encodes previews from decoded frames; none where previews arrive encoded ({@link ClientHub.relayFrame}). */
  encoder?: JpegEncoder;
  previewMaxSide: number;
  previewMaxFps: number;
  queue: ClientQueueOptions;
  /** Extra `hello` fields (camera servers): the camera this hub shows, the cameras there are, and its previews as its worker makes them. */
  helloExtra?: () => Partial<Pick<HelloMessage, 'camera' | 'cameras' | 'preview'>>;
}

/** What a hub shows: a session here (session.ts) or a camera's session on a worker (remote-camera.ts). */
export type HubSession = Pick<LiveSession, 'commands' | 'counters' | 'info' | 'targets' | 'takeWindow'>;

/**
 * The part of a `ws` WebSocket the hub uses. Structural, so that the published `.d.ts` files do
 * not import `ws`'s types (`@types/ws` is only a devDependency: a user's `tsc` would fail).
 */
export interface HubSocket extends QueueSocket {
  on(event: 'pong' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  on(event: 'message', listener: (data: unknown, isBinary: boolean) => void): unknown;
  ping(): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
}

interface Client {
  ws: HubSocket;
  /** What it may do: `view` clients may subscribe but not send `init` / `stop`. */
  role: ClientRole;
  queue: ClientQueue;
  alive: boolean;
  framesSentAtLastStats: number;
}

const round1 = (x: number | null): number | null => (x === null ? null : Math.round(x * 10) / 10);

/** Every connected client of one server (see the module comment). */
export class ClientHub {
  private readonly clients = new Set<Client>();
  private session: HubSession | null = null;
  /** When the next preview is due (a schedule, so frames that arrive a little early still count). */
  private nextPreviewAt = -Infinity;
  private lastStatsAt = performance.now();
  private readonly startedAt = performance.now();
  /** The last global numbers, for logs. */
  lastStats:
    | (Omit<StatsMessage, 'previewFps' | 'dropped'> & { dropped: { decoder: number; tracker: number } })
    | null = null;

  constructor(private readonly opts: HubOptions) {}

  get size(): number {
    return this.clients.size;
  }

  /** Per-connection counters and socket backlog (for tests and logs). */
  clientCounters(): (ClientQueue['counters'] & { bufferedAmount: number; queuedMessages: number })[] {
    return [...this.clients].map((c) => ({
      ...c.queue.counters,
      bufferedAmount: c.ws.bufferedAmount,
      queuedMessages: c.queue.queuedMessages,
    }));
  }

  attach(session: HubSession): void {
    this.session = session;
  }

  /** Registers a new connection and greets it. */
  add(ws: HubSocket, role: ClientRole = 'control'): void {
    const client: Client = {
      ws,
      role,
      queue: new ClientQueue(ws, this.opts.queue),
      alive: true,
      framesSentAtLastStats: 0,
    };
    this.clients.add(client);
    ws.on('pong', () => {
      client.alive = true;
    });
    ws.on('message', (data, isBinary) => this.onMessage(client, data, isBinary));
    ws.on('close', () => {
      client.queue.close();
      this.clients.delete(client);
    });
    ws.on('error', () => ws.terminate());
    this.sendTo(client, this.hello(client));
  }

  /** Sends `msg` to every client subscribed to `stream` (or to all when `stream` is undefined). */
  broadcast(msg: ServerMessage, stream?: StreamType): void {
    const text = JSON.stringify(msg);
    for (const c of this.clients) if (!stream || c.queue.subscribed.has(stream)) c.queue.sendMessage(text);
  }

  /** One frame's results: one `track` message per target (a version-1 client following one target reads it as before). */
  broadcastTracks(results: readonly TargetResult[], decodedAt: number): void {
    for (const result of results) this.broadcast({ type: 'track', result, decodedAt }, 'track');
  }

  /** Re-sends `hello` (the source info changed). */
  helloAll(): void {
    for (const c of this.clients) this.sendTo(c, this.hello(c));
  }

  /** Offers one decoded frame for preview. Encodes only if some client is ready for it. */
  onFrame(sf: StampedFrame): void {
    const now = performance.now();
    // Frames arrive with jitter: one a few ms before its due time is taken (a quarter interval of
    // slack), and the schedule advances by whole intervals, so the long-run rate stays at most
    // previewMaxFps (a 30 fps source at 15 previews/s gave 11.5 with a plain "interval since the
    // last" test: every jittered-early frame waited for the next one).
    const interval = 1000 / this.opts.previewMaxFps;
    if (now < this.nextPreviewAt - interval / 4) return;
    const ready = this.readyForFrame();
    const encoder = this.opts.encoder;
    if (ready.length === 0 || !encoder || encoder.busy) return;
    // After a pause (no client ready) the schedule restarts from now: no catching up in a burst.
    this.nextPreviewAt = Math.max(this.nextPreviewAt, now - interval / 4) + interval;
    const { frame, decodedAt } = sf;
    encoder.encode(frame.data, frame.width, frame.height).then(
      (p) => {
        const msg = previewMessage(frame, decodedAt, p);
        for (const c of ready) if (this.clients.has(c)) c.queue.offerFrame(msg);
      },
      () => undefined, // encoder closed or failed: no preview this time
    );
  }

  /** Offers a preview message encoded elsewhere (a camera's worker) to every client ready for one. */
  relayFrame(msg: Buffer): void {
    for (const c of this.readyForFrame()) c.queue.offerFrame(msg);
  }

  /** The clients subscribed to previews and ready for one; the others subscribed count one skipped. */
  private readyForFrame(): Client[] {
    const ready: Client[] = [];
    for (const c of this.clients) {
      if (!c.queue.subscribed.has('frame')) continue;
      if (c.queue.wantsFrame) ready.push(c);
      else c.queue.skipFrame();
    }
    return ready;
  }

  /** Sends `stats` to each subscribed client; also flushes queues (a safety net for stalled callbacks). */
  tickStats(): void {
    if (!this.session) return;
    const now = performance.now();
    const dt = Math.max(1e-3, (now - this.lastStatsAt) / 1000);
    this.lastStatsAt = now;
    const w = this.session.takeWindow();
    const c = this.session.counters;
    const base = {
      type: 'stats' as const,
      fpsIn: round1(w.framesIn / dt) ?? 0,
      fpsOut: round1(w.tracksOut / dt) ?? 0,
      latencyMs: { p50: round1(percentile(w.latencies, 50)), p95: round1(percentile(w.latencies, 95)) },
      clients: this.clients.size,
      uptimeMs: Math.round(now - this.startedAt),
    };
    this.lastStats = { ...base, dropped: { decoder: c.decoderDropped, tracker: c.trackerSkipped } };
    for (const client of this.clients) {
      client.queue.flush();
      const sent = client.queue.counters.framesSent;
      const msg: StatsMessage = {
        ...base,
        previewFps: round1((sent - client.framesSentAtLastStats) / dt) ?? 0,
        dropped: {
          decoder: c.decoderDropped,
          tracker: c.trackerSkipped,
          clientFrames: client.queue.counters.framesDropped,
          clientMessages: client.queue.counters.messagesDropped,
        },
      };
      client.framesSentAtLastStats = sent;
      if (client.queue.subscribed.has('stats')) client.queue.sendMessage(JSON.stringify(msg));
    }
  }

  /** One heartbeat: terminates clients that did not answer the previous ping, pings the others. */
  heartbeat(): void {
    for (const c of this.clients) {
      if (!c.alive) {
        c.queue.close();
        this.clients.delete(c);
        c.ws.terminate();
        continue;
      }
      c.alive = false;
      c.ws.ping();
    }
  }

  /** Closes every connection (1001 going away), terminating after `graceMs`. */
  closeAll(graceMs = 500): void {
    for (const c of this.clients) {
      c.queue.close();
      c.ws.close(1001, 'server closing');
      setTimeout(() => c.ws.terminate(), graceMs).unref();
    }
    this.clients.clear();
  }

  private hello(c: Client): HelloMessage {
    return {
      type: 'hello',
      protocol: 'siamstream',
      version: PROTOCOL_VERSION,
      source: this.session?.info ?? null,
      preview: {
        transport: 'binary',
        format: 'jpeg',
        maxSide: this.opts.previewMaxSide,
        maxFps: this.opts.previewMaxFps,
      },
      subscribed: [...c.queue.subscribed],
      tracking: (this.session?.targets.length ?? 0) > 0,
      targets: [...(this.session?.targets ?? [])],
      control: c.role === 'control',
      ...this.opts.helloExtra?.(),
    };
  }

  private sendTo(c: Client, msg: ServerMessage): void {
    c.queue.sendMessage(JSON.stringify(msg));
  }

  private onMessage(c: Client, data: unknown, isBinary: boolean): void {
    const parsed = parseClientMessage(data, isBinary);
    if (!parsed.ok) {
      const err: ErrorMessage = { type: 'error', code: 'ERR_BAD_MESSAGE', message: parsed.reason };
      if (parsed.id !== undefined) err.id = parsed.id;
      this.sendTo(c, err);
      return;
    }
    const m = parsed.message;
    const reply = (e: ErrorMessage): void => this.sendTo(c, m.id === undefined ? e : { ...e, id: m.id });
    if ((m.type === 'init' || m.type === 'stop') && c.role !== 'control') {
      reply({
        type: 'error',
        code: 'ERR_FORBIDDEN',
        message: `this connection may watch but not send \`${m.type}\` (it has the view-only token)`,
      });
      return;
    }
    switch (m.type) {
      case 'init':
        this.session?.commands.next({
          type: 'init',
          box: m.box,
          target: m.target,
          frameIndex: m.frameIndex,
          reply,
        });
        break;
      case 'stop':
        this.session?.commands.next({ type: 'stop', target: m.target, reply });
        break;
      case 'subscribe':
        c.queue.subscribed.clear();
        for (const t of m.types) c.queue.subscribed.add(t);
        break;
    }
  }
}

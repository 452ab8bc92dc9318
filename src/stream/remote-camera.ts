/**
 * A camera whose session runs on a queue worker (queue/live-job.ts), as one server's hub sees it:
 * the worker's events and previews arrive through Redis and go to this server's clients exactly as
 * a local session's would (one `track` message per target, `state`, `label`, `stats`, binary
 * frames); the clients' `init` / `stop` go back through Redis to whichever worker runs the camera
 * now, and a failed command's error comes back to the client that sent it.
 */
import { randomUUID } from 'node:crypto';
import { Subject } from 'rxjs';
import type { Redis as RedisClient } from 'ioredis';
import { liveKeys, type LiveCommand, type LiveEvent, type LiveState } from '../queue/live-channels.js';
import { ClientHub, type HubOptions, type HubSession } from './hub.js';
import type { TrackCommand } from './pipeline.js';
import {
  nowMs,
  type ErrorMessage,
  type HelloMessage,
  type SourceInfo,
  type TargetState,
} from './protocol.js';
import { emptyCounters, type SessionCounters } from './counters.js';

/** How long a command's reply route is kept. */
const REPLY_TTL_MS = 30_000;

/** The session of a camera on a worker, as the hub reads it. */
class RemoteSession implements HubSession {
  readonly commands = new Subject<TrackCommand>();
  readonly counters: SessionCounters = emptyCounters();
  info: SourceInfo | null = null;
  targets: readonly TargetState[] = [];
  private window = { framesIn: 0, tracksOut: 0 };

  takeWindow(): { framesIn: number; tracksOut: number; latencies: number[] } {
    const c = this.counters;
    // The worker's frame count arrives once a second; a restarted worker counts from 0 again.
    const framesIn = c.framesIn >= this.window.framesIn ? c.framesIn - this.window.framesIn : c.framesIn;
    const out = { framesIn, tracksOut: c.tracksOut - this.window.tracksOut, latencies: c.latencies };
    this.window = { framesIn: c.framesIn, tracksOut: c.tracksOut };
    c.latencies = [];
    return out;
  }
}

/** One camera's hub and its link to Redis. */
export class RemoteCamera {
  readonly hub: ClientHub;
  private readonly session = new RemoteSession();
  private readonly replies = new Map<string, (e: ErrorMessage) => void>();
  private readonly keys: ReturnType<typeof liveKeys>;
  /** The previews as the camera's worker makes them (from its `info`). */
  private preview: HelloMessage['preview'] | undefined;

  /**
   * @param pub publishes the commands (a connection not in subscriber mode)
   */
  constructor(
    readonly camera: string,
    pub: RedisClient,
    hubOptions: HubOptions,
  ) {
    this.keys = liveKeys(camera);
    this.hub = new ClientHub({
      ...hubOptions,
      helloExtra: () => ({
        ...hubOptions.helloExtra?.(),
        ...(this.preview ? { preview: this.preview } : {}),
      }),
    });
    this.hub.attach(this.session);
    this.session.commands.subscribe((c) => {
      let replyTo: string | undefined;
      if (c.reply) {
        const id = randomUUID();
        const reply = c.reply;
        replyTo = id;
        this.replies.set(id, reply);
        setTimeout(() => this.replies.delete(id), REPLY_TTL_MS).unref();
      }
      const cmd: LiveCommand =
        c.type === 'init'
          ? { type: 'init', box: c.box, target: c.target, frameIndex: c.frameIndex, replyTo }
          : { type: 'stop', target: c.target, replyTo };
      void pub.publish(this.keys.commands, JSON.stringify(cmd)).catch(() =>
        c.reply?.({
          type: 'error',
          code: 'ERR_REDIS_UNAVAILABLE',
          message: 'Redis did not take the command',
        }),
      );
    });
  }

  /**
   * The camera's state key, read when the hub was made: its targets and size until its first
   * events say otherwise (the clients already there get a new `hello`).
   */
  seed(state: LiveState | null): void {
    const s = this.session;
    if (!state || s.info || s.targets.length > 0) return;
    s.info = state.info;
    s.targets = state.targets.map((t) => ({ id: t.id, initBox: t.box, frameIndex: state.frameIndex }));
    this.hub.helloAll();
  }

  /** The channels to subscribe to. */
  get channels(): { events: string; frames: string } {
    return { events: this.keys.events, frames: this.keys.frames };
  }

  /** One message from the `events` channel. */
  onEvent(text: string): void {
    let e: LiveEvent;
    try {
      e = JSON.parse(text) as LiveEvent;
    } catch {
      return;
    }
    const s = this.session;
    switch (e.type) {
      case 'tracks':
        s.counters.tracksOut++;
        s.counters.latencies.push(nowMs() - e.decodedAt);
        this.hub.broadcastTracks(e.results, e.decodedAt);
        return;
      case 'info':
        if (JSON.stringify([e.info, e.preview]) !== JSON.stringify([s.info, this.preview])) {
          s.info = e.info;
          this.preview = e.preview;
          this.hub.helloAll();
        }
        return;
      case 'counters':
        s.counters.framesIn = e.framesIn;
        s.counters.decoderDropped = e.decoderDropped;
        s.counters.trackerSkipped = e.trackerSkipped;
        return;
      case 'ended':
        this.hub.broadcast({
          type: 'error',
          code: 'ERR_INTERNAL',
          message: `camera ${this.camera} ended: ${e.reason}`,
        });
        return;
      case 'state':
        s.targets = e.targets;
        this.hub.broadcast(e);
        return;
      case 'label':
      case 'segment':
        this.hub.broadcast(e, 'label');
        return;
      case 'error': {
        const { replyTo, ...error } = e;
        if (replyTo === undefined) this.hub.broadcast(error);
        else this.replies.get(replyTo)?.(error);
        return;
      }
    }
  }

  /** One binary preview message from the `frames` channel. */
  onFrame(msg: Buffer): void {
    this.hub.relayFrame(msg);
  }

  close(): void {
    this.session.commands.complete();
    this.hub.closeAll();
  }
}

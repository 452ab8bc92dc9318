/**
 * Per-client outgoing queue: the server never waits for a client.
 *
 * Two lanes. JSON messages (`track`, `label`, `stats`, …) are small and always wanted: they go
 * straight to the socket while its `bufferedAmount` is under `maxBufferedBytes`, else wait in a
 * bounded FIFO whose oldest entry is dropped (and counted) when full. Preview frames are large and
 * perishable: at most one is in flight (sent, its write callback not yet called) and at most one
 * waits; a newer frame replaces the waiting one, and a frame is only handed over while the socket
 * holds less than `frameBufferedBytes`. A client that stops reading therefore loses frames first,
 * then old messages, and the pipeline and the other clients never notice (ws's own pattern:
 * backpressure from `bufferedAmount` and send callbacks).
 */
import type { StreamType } from './protocol.js';

/** The part of a `ws` WebSocket the queue uses (so tests can pass a fake). */
export interface QueueSocket {
  readonly bufferedAmount: number;
  readonly readyState: number;
  send(data: string | Buffer, options: { binary: boolean }, cb: (err?: Error) => void): void;
}

/** Limits of one client's {@link ClientQueue}. */
export interface ClientQueueOptions {
  /** JSON messages wait in the queue while the socket buffers more than this. @default 1048576 */
  maxBufferedBytes?: number;
  /** A preview frame is sent only while the socket buffers less than this. @default 262144 */
  frameBufferedBytes?: number;
  /** JSON messages held back at most; the oldest is dropped beyond. @default 512 */
  maxQueuedMessages?: number;
}

/** Defaults of {@link ClientQueueOptions}. */
export const DEFAULT_CLIENT_QUEUE_OPTIONS: Required<ClientQueueOptions> = {
  maxBufferedBytes: 1 << 20,
  frameBufferedBytes: 256 << 10,
  maxQueuedMessages: 512,
};

const OPEN = 1;

/** Counters, cumulative since the connection opened. */
export interface ClientQueueCounters {
  messagesSent: number;
  messagesDropped: number;
  framesSent: number;
  framesDropped: number;
}

/** One client's outgoing queue (see the module comment). */
export class ClientQueue {
  /** Message types this client wants; `hello`, `state` and `error` are always sent. */
  readonly subscribed = new Set<StreamType>(['frame', 'track', 'label', 'stats']);
  readonly counters: ClientQueueCounters = {
    messagesSent: 0,
    messagesDropped: 0,
    framesSent: 0,
    framesDropped: 0,
  };
  private readonly opts: Required<ClientQueueOptions>;
  private readonly messages: string[] = [];
  private pendingFrame: Buffer | null = null;
  private frameInFlight = false;
  private closed = false;
  private readonly onWritten = (err?: Error): void => {
    if (!err) this.flush();
  };
  private readonly onFrameWritten = (err?: Error): void => {
    this.frameInFlight = false;
    if (!err) this.flush();
  };

  constructor(
    private readonly socket: QueueSocket,
    options: ClientQueueOptions = {},
  ) {
    this.opts = { ...DEFAULT_CLIENT_QUEUE_OPTIONS, ...options };
  }

  /** Queues one JSON message (already serialised). Subscription filtering is the caller's. */
  sendMessage(text: string): void {
    if (this.closed) return;
    this.messages.push(text);
    if (this.messages.length > this.opts.maxQueuedMessages) {
      this.messages.shift();
      this.counters.messagesDropped++;
    }
    this.flush();
  }

  /** True when a preview frame offered now would be sent at once (the encoder asks before encoding). */
  get wantsFrame(): boolean {
    return this.subscribed.has('frame') && this.canSendFrame();
  }

  /**
   * Offers one encoded preview message. Sent now if the socket has room, else kept as the single
   * waiting frame (replacing, and counting as dropped, any older one).
   */
  offerFrame(message: Buffer): void {
    if (this.closed || !this.subscribed.has('frame')) return;
    if (this.pendingFrame) this.counters.framesDropped++;
    this.pendingFrame = message;
    this.flush();
  }

  /** Counts a preview frame this client was not ready for (so `stats` shows what it missed). */
  skipFrame(): void {
    if (this.subscribed.has('frame')) this.counters.framesDropped++;
  }

  /** Messages waiting in the queue (not yet handed to the socket). */
  get queuedMessages(): number {
    return this.messages.length;
  }

  /** Writes whatever the socket has room for. Called on every enqueue and every write callback. */
  flush(): void {
    if (this.closed || this.socket.readyState !== OPEN) return;
    while (this.messages.length > 0 && this.socket.bufferedAmount < this.opts.maxBufferedBytes) {
      const text = this.messages.shift() as string;
      this.counters.messagesSent++;
      this.socket.send(text, { binary: false }, this.onWritten);
    }
    if (this.pendingFrame && this.canSendFrame()) {
      const frame = this.pendingFrame;
      this.pendingFrame = null;
      this.frameInFlight = true;
      this.counters.framesSent++;
      this.socket.send(frame, { binary: true }, this.onFrameWritten);
    }
  }

  /** Forgets everything queued; later calls are no-ops. */
  close(): void {
    this.closed = true;
    this.messages.length = 0;
    this.pendingFrame = null;
  }

  private canSendFrame(): boolean {
    return (
      !this.closed &&
      this.socket.readyState === OPEN &&
      !this.frameInFlight &&
      this.socket.bufferedAmount < this.opts.frameBufferedBytes
    );
  }
}

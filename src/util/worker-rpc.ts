/**
 * Request/reply over a worker thread: numbered requests, replies matched by `id`, the worker
 * referenced only while a request is pending (an idle owner never keeps the process alive), and
 * every pending request rejected with the first failure — after `terminate()` that is
 * ERR_DISPOSED, not the exit that follows it. Used by every worker: the tracker's trunk workers,
 * the tracker thread, the classifier thread, the classifier's flow worker and the JPEG previews'.
 */
import type { MessagePort, Worker } from 'node:worker_threads';
import { ERROR_CODES, SiamError, isSiamError, type ErrorCode } from '../errors.js';

/** What every reply carries; a reply of type `error` becomes a rejected SiamError. */
export interface RpcReply {
  id: number;
  type: string;
}

/** How every worker sends an error back (one encoding for all of them). */
export interface RpcErrorReply extends RpcReply {
  type: 'error';
  code?: string;
  message: string;
  hint?: string;
}

/**
 * The reply that carries `e` back to the owner: a SiamError keeps its code and hint; anything else
 * gets `fallbackCode`, or none (the owner then reports ERR_INTERNAL naming the worker).
 */
export function errorReply(id: number, e: unknown, fallbackCode?: ErrorCode): RpcErrorReply {
  return {
    id,
    type: 'error',
    code: isSiamError(e) ? e.code : fallbackCode,
    message: (e as Error)?.message ?? String(e),
    hint: isSiamError(e) ? e.hint : undefined,
  };
}

/** `reply` as the reply of type `type` (ERR_INTERNAL naming `who` if it is another). */
export function expectReply<Rep extends RpcReply, T extends Rep['type']>(
  reply: Rep,
  type: T,
  who: string,
): Extract<Rep, { type: T }> {
  if (reply.type !== type)
    throw new SiamError('ERR_INTERNAL', `${who} answered ${reply.type}, expected ${type}.`);
  return reply as Extract<Rep, { type: T }>;
}

/**
 * The worker side of a thread that hosts one object (a tracker, a classifier): once `ready`
 * resolves, `announce`'s reply goes out unasked under id 0 (what {@link WorkerRpc.ready} waits
 * for), or the failure does; each request is handled once `ready` resolved and answered with
 * `handle`'s reply or an error reply (a failed `ready` answers every request with its error).
 */
export function serveRequests<Req extends { id: number }, Host>(
  port: MessagePort,
  ready: Promise<Host>,
  announce: (host: Host) => RpcReply,
  handle: (host: Host, request: Req) => Promise<RpcReply>,
): void {
  ready.then(
    (host) => port.postMessage(announce(host)),
    (e: unknown) => port.postMessage(errorReply(0, e)),
  );
  port.on('message', (m: Req) => {
    ready
      .then((host) => handle(host, m))
      .then(
        (reply) => port.postMessage(reply),
        (e: unknown) => port.postMessage(errorReply(m.id, e)),
      );
  });
}

type Pending<R> = { resolve: (r: R) => void; reject: (e: Error) => void };

/** A worker and its pending requests. */
export class WorkerRpc<Req extends object, Rep extends RpcReply> {
  private readonly pending = new Map<number, Pending<Rep>>();
  private nextId = 1;
  private failure: Error | undefined;
  private refused: Error | undefined;
  private closing: Promise<void> | undefined;

  /** `name` says whose worker it is in error messages ("Trunk worker", "Flow worker"). */
  constructor(
    private readonly worker: Worker,
    readonly name: string,
  ) {
    worker.unref();
    worker.on('message', (reply: Rep) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      if (reply.type === 'error') p.reject(this.toError(reply as unknown as RpcErrorReply));
      else p.resolve(reply);
    });
    worker.on('error', (e) => this.fail(e));
    worker.on('exit', (code) => this.fail(new SiamError('ERR_INTERNAL', `${name} exited (code ${code}).`)));
  }

  private toError(r: RpcErrorReply): SiamError {
    const code: ErrorCode =
      r.code !== undefined && r.code in ERROR_CODES ? (r.code as ErrorCode) : 'ERR_INTERNAL';
    return new SiamError(code, code === 'ERR_INTERNAL' ? `${this.name}: ${r.message}` : r.message, {
      hint: r.hint,
    });
  }

  /** Rejects every pending request with the first failure. */
  private fail(e: Error): void {
    const failure = (this.failure ??= e);
    for (const p of this.pending.values()) p.reject(failure);
    this.pending.clear();
    this.worker.unref();
  }

  /** The reply to a message the worker sends unasked under `id` (e.g. a start-up `ready` as id 0). */
  expect(id: number): Promise<Rep> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
    });
  }

  /**
   * The worker's unasked `ready` reply (id 0, sent once it has loaded); if it fails instead, the
   * worker is ended (`what` says whose) and the failure thrown.
   */
  async ready(what: string): Promise<Extract<Rep, { type: 'ready' }>> {
    try {
      const reply: Rep = expectReply(await this.expect(0), 'ready' as Rep['type'], this.name);
      return reply as Extract<Rep, { type: 'ready' }>;
    } catch (e) {
      await this.terminate(what);
      throw e;
    }
  }

  /** Posts `message` with a fresh `id` (buffers in `transfer` are moved, not copied). */
  request(message: Req, transfer: ArrayBuffer[] = []): Promise<Rep> {
    const refusal = this.failure ?? this.refused;
    if (refusal) return Promise.reject(refusal);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ ...message, id }, transfer);
    });
  }

  /** {@link request}, expecting a reply of type `type` (ERR_INTERNAL naming the worker if another comes). */
  async call<T extends Rep['type']>(
    message: Req,
    type: T,
    transfer: ArrayBuffer[] = [],
  ): Promise<Extract<Rep, { type: T }>> {
    return expectReply(await this.request(message, transfer), type, this.name);
  }

  /** Refuses new requests with ERR_DISPOSED (`what` says whose); pending ones still get their replies. */
  refuseNew(what: string): void {
    this.refused ??= new SiamError('ERR_DISPOSED', `${what} was disposed.`);
  }

  /**
   * Asks the worker to release what it holds (`goodbye`, answered once it has), then ends it:
   * requests from now on are refused with ERR_DISPOSED (`what` says whose), and a worker never
   * ends under a native session still closing. The same promise on every call.
   */
  close(goodbye: Req, what: string): Promise<void> {
    this.closing ??= this.request(goodbye)
      .catch(() => undefined)
      .then(() => this.terminate(what));
    this.refuseNew(what);
    return this.closing;
  }

  /**
   * Stops the worker; later requests fail with ERR_DISPOSED (`what` says whose), and so do the
   * pending ones, when the worker's `exit` arrives.
   */
  async terminate(what: string): Promise<void> {
    this.failure ??= new SiamError('ERR_DISPOSED', `${what} was disposed.`);
    await this.worker.terminate();
  }
}

/** A request type without its `id` (the RPC numbers requests itself). */
export type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

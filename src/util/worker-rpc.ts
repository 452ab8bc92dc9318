/**
 * Request/reply over a worker thread: numbered requests, replies matched by `id`, the worker
 * referenced only while a request is pending (an idle owner never keeps the process alive), and
 * every pending request rejected with the first failure — after `terminate()` that is
 * ERR_DISPOSED, not the exit that follows it. Used by every worker: the tracker's trunk workers,
 * the tracker thread, the classifier thread, the classifier's flow worker and the JPEG previews'.
 */
import type { Worker } from 'node:worker_threads';
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

type Pending<R> = { resolve: (r: R) => void; reject: (e: Error) => void };

/** A worker and its pending requests. */
export class WorkerRpc<Req extends object, Rep extends RpcReply> {
  private readonly pending = new Map<number, Pending<Rep>>();
  private nextId = 1;
  private failure: Error | undefined;
  private refused: Error | undefined;

  /** `name` says whose worker it is in error messages ("Trunk worker", "Flow worker"). */
  constructor(
    private readonly worker: Worker,
    private readonly name: string,
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

  /** Refuses new requests with ERR_DISPOSED (`what` says whose); pending ones still get their replies. */
  refuseNew(what: string): void {
    this.refused ??= new SiamError('ERR_DISPOSED', `${what} was disposed.`);
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

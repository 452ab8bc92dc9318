/**
 * Errors across a worker-thread boundary. A `SiamError` does not survive structured cloning as
 * itself (the class and its `code` getter are lost), so the worker entries (tracker-worker.ts,
 * classify-worker.ts) send a plain {@link WireError} and the main-thread sides
 * (worker-tracker.ts, worker-classifier.ts) turn it back into a `SiamError` with the same code.
 */
import { ERROR_CODES, SiamError, isSiamError, type ErrorCode } from '../errors.js';

/** An error as a worker posts it. */
export interface WireError {
  message: string;
  code?: string;
  hint?: string;
}

/** Worker side: any thrown value → a cloneable {@link WireError}. */
export function toWireError(e: unknown): WireError {
  return {
    message: String((e as Error)?.message ?? e),
    code: isSiamError(e) ? e.code : undefined,
    hint: isSiamError(e) ? e.hint : undefined,
  };
}

/** Main-thread side: a {@link WireError} → a `SiamError` when its code is one of ours, else an `Error`. */
export function fromWireError(e: WireError): Error {
  return e.code && e.code in ERROR_CODES
    ? new SiamError(e.code as ErrorCode, e.message, { hint: e.hint })
    : new Error(e.message);
}

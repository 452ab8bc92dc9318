/**
 * Reconnection of live sources with exponential backoff: a connection that ends (error, or the
 * stream simply stopping) is retried after `initialDelayMs`, `2×`, `4×` … capped at `maxDelayMs`,
 * at most `attempts` times in a row; a connection that delivers a frame resets the count. When the
 * attempts run out the stream errors with `ERR_SOURCE_LOST` (the last failure as its `cause`).
 * Built on rxjs `retry({ delay, resetOnSuccess })`; the scheduler is a parameter for marble tests.
 */
import { retry, throwError, timer, type MonoTypeOperatorFunction, type SchedulerLike } from 'rxjs';
import { SiamError, isSiamError } from '../errors.js';
import type { ReconnectEvent, ReconnectOptions } from './options.js';
import { DEFAULT_RECONNECT } from './options.js';

/** Errors that another attempt cannot fix. */
const FATAL_CODES = new Set([
  'ERR_UNSUPPORTED_SOURCE',
  'ERR_FFMPEG_NOT_FOUND',
  'ERR_BAD_OPTION',
  'ERR_SOURCE_NOT_FOUND',
  'ERR_NO_VIDEO_STREAM',
]);

/** True when retrying might help (anything but a configuration error). */
export function isRetryable(err: unknown): boolean {
  return !(isSiamError(err) && FATAL_CODES.has(err.code));
}

/** Delay before attempt `attempt` (1-based): `initialDelayMs · 2^(attempt−1)`, capped at `maxDelayMs`. */
export function backoffDelayMs(attempt: number, o: Required<ReconnectOptions>): number {
  return Math.min(o.maxDelayMs, o.initialDelayMs * 2 ** (attempt - 1));
}

/**
 * Resubscribes to the source after it errors, with backoff, and gives up with `ERR_SOURCE_LOST`.
 * @param options attempts and delays (defaults: {@link DEFAULT_RECONNECT})
 * @param onReconnect called before each wait
 * @param scheduler for tests (TestScheduler); default async
 * @param retrying asked at each failure; false passes the error on (a stream found to be finite)
 */
export function reconnectWithBackoff<T>(
  options: ReconnectOptions = {},
  onReconnect?: (event: ReconnectEvent) => void,
  scheduler?: SchedulerLike,
  retrying: () => boolean = () => true,
): MonoTypeOperatorFunction<T> {
  const o: Required<ReconnectOptions> = { ...DEFAULT_RECONNECT, ...options };
  return retry<T>({
    resetOnSuccess: true,
    delay: (err: unknown, retryCount: number) => {
      if (!isRetryable(err) || !retrying()) return throwError(() => err);
      const reason = err instanceof Error ? err.message : String(err);
      if (retryCount > o.attempts) {
        return throwError(
          () =>
            new SiamError(
              'ERR_SOURCE_LOST',
              `source lost after ${o.attempts} reconnect attempt(s): ${reason}`,
              {
                hint: 'check that the camera or stream is up; raise reconnect.attempts to wait longer',
                cause: err,
              },
            ),
        );
      }
      const delayMs = backoffDelayMs(retryCount, o);
      const code = isSiamError(err) ? err.code : undefined;
      onReconnect?.({
        attempt: retryCount,
        attempts: o.attempts,
        delayMs,
        reason,
        ...(code ? { code } : {}),
      });
      return timer(delayMs, scheduler);
    },
  });
}

/**
 * Backpressure for `decode()`. An Observable has no pull: `next()` returns nothing, so a consumer
 * that does async work per frame (the tracker awaits tensor data) cannot tell the producer to wait.
 * A `FrameDemand` is that missing channel, a credit counter in the style of Reactive Streams'
 * `request(n)` (reactive-streams.org, §3.17; RxJava's `Flowable`): `decode()` emits a frame only
 * while fewer than `maxInFlight` frames are unfinished, and pauses ffmpeg's stdout otherwise; the
 * consumer hands a credit back when it is done with a frame, through one of the two operators here
 * or by calling `release()` itself.
 *
 * ```ts
 * const demand = createFrameDemand({ maxInFlight: 2 });
 * decode('video.mp4', { demand }).pipe(demand.mapAsync(async (f) => tracker.update(f)));
 * // or, around any 1-frame-in → 1-result-out operator:
 * decode('video.mp4', { demand }).pipe(track(opts), demand.ackEach());
 * ```
 * Frames that never reach the releasing operator (dropped by a `filter` in between) must be
 * released by hand, or the source stalls once `maxInFlight` credits are lost.
 */
import {
  finalize,
  from,
  mergeMap,
  tap,
  type MonoTypeOperatorFunction,
  type ObservableInput,
  type OperatorFunction,
} from 'rxjs';
import { SiamError } from '../errors.js';

/** Options of {@link createFrameDemand}. */
export interface FrameDemandOptions {
  /**
   * Frames emitted but not yet released. 2 lets ffmpeg decode frame n+1 while the consumer works
   * on frame n; 1 is strict lock-step.
   * @default 2
   */
  maxInFlight?: number;
}

/** The default number of frames in flight. */
export const DEFAULT_MAX_IN_FLIGHT = 2;

/** The side of a demand the producer (`decode()`) sees. */
export interface DemandGate {
  /** Takes one credit if there is one. */
  tryTake(): boolean;
  /** Stops listening (called by the producer's teardown). */
  detach(): void;
}

/** A credit counter shared by one `decode()` subscription and its consumer. */
export interface FrameDemand {
  readonly maxInFlight: number;
  /** Frames emitted and not yet released. */
  readonly inFlight: number;
  /** The largest `inFlight` seen since the last attach (for tests and benchmarks). */
  readonly peakInFlight: number;
  /** Hands back `n` credits (one per frame the consumer is done with). */
  release(n?: number): void;
  /**
   * `mergeMap(project, concurrency)` that releases one credit when each frame's inner work
   * completes (or errors, or is unsubscribed). `concurrency` ≤ `maxInFlight` makes sense.
   * @param concurrency frames worked on at once @default 1 (i.e. `concatMap`)
   */
  mapAsync<T, R>(
    project: (value: T, index: number) => ObservableInput<R>,
    concurrency?: number,
  ): OperatorFunction<T, R>;
  /** Passes values through, releasing one credit per value: for operators that map one frame to one result. */
  ackEach<T>(): MonoTypeOperatorFunction<T>;
  /** Producer side: called by `decode()` on subscribe; `onCredit` runs after every `release()`. */
  attach(onCredit: () => void): DemandGate;
}

class CreditCounter implements FrameDemand {
  inFlight = 0;
  peakInFlight = 0;
  private listener: (() => void) | undefined;

  constructor(readonly maxInFlight: number) {}

  release(n = 1): void {
    this.inFlight = Math.max(0, this.inFlight - n);
    this.listener?.();
  }

  mapAsync<T, R>(
    project: (value: T, index: number) => ObservableInput<R>,
    concurrency = 1,
  ): OperatorFunction<T, R> {
    return mergeMap(
      (value: T, index: number) => from(project(value, index)).pipe(finalize(() => this.release())),
      concurrency,
    );
  }

  ackEach<T>(): MonoTypeOperatorFunction<T> {
    return tap(() => this.release());
  }

  attach(onCredit: () => void): DemandGate {
    if (this.listener) {
      throw new SiamError('ERR_BAD_OPTION', 'this FrameDemand is already attached to a running decode()', {
        hint: 'create one FrameDemand per decode() subscription',
      });
    }
    this.listener = onCredit;
    this.inFlight = 0;
    this.peakInFlight = 0;
    return {
      tryTake: () => {
        if (this.inFlight >= this.maxInFlight) return false;
        this.inFlight += 1;
        if (this.inFlight > this.peakInFlight) this.peakInFlight = this.inFlight;
        return true;
      },
      detach: () => {
        if (this.listener === onCredit) this.listener = undefined;
      },
    };
  }
}

/** Creates the credit counter a consumer doing async work per frame shares with `decode()`. */
export function createFrameDemand(options: FrameDemandOptions = {}): FrameDemand {
  const maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1 || maxInFlight > 1024) {
    throw new SiamError(
      'ERR_BAD_OPTION',
      `Expected \`maxInFlight\` to be an integer in [1, 1024], got ${String(maxInFlight)}`,
    );
  }
  return new CreditCounter(maxInFlight);
}

/** Marble tests (rxjs TestScheduler) for the reconnect backoff operator. */
import { catchError, of, take } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { backoffDelayMs, isRetryable, reconnectWithBackoff } from '../../src/decode/reconnect.js';
import type { ReconnectEvent } from '../../src/decode/options.js';
import { SiamError } from '../../src/errors.js';

function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

/** Errors become their code, so marbles can show them as values. */
const codeOf = (e: unknown): string => (e instanceof SiamError ? e.code : String(e));

describe('reconnectWithBackoff', () => {
  it('waits 2, 4, then the 5 ms cap between attempts, then errors ERR_SOURCE_LOST', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('--#', undefined, new Error('stream ended'));
      const result = source.pipe(
        reconnectWithBackoff({ attempts: 3, initialDelayMs: 2, maxDelayMs: 5 }),
        catchError((e: unknown) => of(codeOf(e))),
      );
      // err at 2 → wait 2 → resubscribe at 4 → err 6 → wait 4 → 10 → err 12 → wait 5 → 17 → err 19: give up.
      expectObservable(result).toBe('-------------------(x|)', { x: 'ERR_SOURCE_LOST' });
      expectSubscriptions(source.subscriptions).toBe([
        '^-!',
        '----^-!',
        '----------^-!',
        '-----------------^-!',
      ]);
    });
  });

  it('reports each attempt with its delay and reason', () => {
    const events: ReconnectEvent[] = [];
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('--#', undefined, new Error('boom'));
      const result = source.pipe(
        reconnectWithBackoff({ attempts: 2, initialDelayMs: 3, maxDelayMs: 100 }, (e) => events.push(e)),
        catchError((e: unknown) => of(codeOf(e))),
      );
      // err 2 → wait 3 → 5 → err 7 → wait 6 → 13 → err 15: give up.
      expectObservable(result).toBe('---------------(x|)', { x: 'ERR_SOURCE_LOST' });
    });
    expect(events).toEqual([
      { attempt: 1, attempts: 2, delayMs: 3, reason: 'boom' },
      { attempt: 2, attempts: 2, delayMs: 6, reason: 'boom' },
    ]);
  });

  it('resets the attempt count once a connection delivers a frame', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('a-#');
      // With attempts: 1 it would give up at the 2nd error without the reset.
      const result = source.pipe(
        reconnectWithBackoff({ attempts: 1, initialDelayMs: 2, maxDelayMs: 2 }),
        take(3),
      );
      expectObservable(result).toBe('a---a---(a|)');
    });
  });

  it('passes completion and values through untouched', () => {
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('a-b|').pipe(reconnectWithBackoff())).toBe('a-b|');
      expectObservable(cold('|').pipe(reconnectWithBackoff())).toBe('|');
    });
  });

  it('does not retry configuration errors', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const err = new SiamError('ERR_UNSUPPORTED_SOURCE', 'nope');
      const source = cold('-#', undefined, err);
      expectObservable(source.pipe(reconnectWithBackoff({ attempts: 5, initialDelayMs: 1 }))).toBe(
        '-#',
        undefined,
        err,
      );
      expectSubscriptions(source.subscriptions).toBe('^!');
    });
  });

  it('gives up at once with attempts: 0', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const result = cold('-#').pipe(
        reconnectWithBackoff({ attempts: 0 }),
        catchError((e: unknown) => of(codeOf(e))),
      );
      expectObservable(result).toBe('-(x|)', { x: 'ERR_SOURCE_LOST' });
    });
  });

  it('stops waiting when unsubscribed during a backoff', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('--#');
      const result = source.pipe(reconnectWithBackoff({ attempts: 5, initialDelayMs: 2, maxDelayMs: 10 }));
      expectObservable(result, '^--!').toBe('---');
      expectSubscriptions(source.subscriptions).toBe(['^-!']);
    });
  });

  it('keeps the last failure as the cause of ERR_SOURCE_LOST', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const last = new Error('connection refused');
      const result = cold('#', undefined, last).pipe(
        reconnectWithBackoff({ attempts: 1, initialDelayMs: 1 }),
        catchError((e: unknown) =>
          of((e as SiamError).cause === last && (e as SiamError).message.includes('connection refused')),
        ),
      );
      expectObservable(result).toBe('-(x|)', { x: true });
    });
  });
});

describe('backoff helpers', () => {
  it('doubles from initialDelayMs and caps at maxDelayMs', () => {
    const o = { attempts: 10, initialDelayMs: 500, maxDelayMs: 8000 };
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelayMs(a, o))).toEqual([500, 1000, 2000, 4000, 8000, 8000]);
  });

  it('treats configuration errors as fatal and anything else as retryable', () => {
    expect(isRetryable(new SiamError('ERR_FFMPEG_EXIT', 'x'))).toBe(true);
    expect(isRetryable(new Error('x'))).toBe(true);
    expect(isRetryable(new SiamError('ERR_FFMPEG_NOT_FOUND', 'x'))).toBe(false);
    expect(isRetryable(new SiamError('ERR_UNSUPPORTED_SOURCE', 'x'))).toBe(false);
  });
});

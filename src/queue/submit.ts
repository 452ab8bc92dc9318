/**
 * The producer side: `submitJobs()` puts jobs on a queue under ids derived from their inputs
 * (jobs.ts; a repeat adds nothing, a failed one is retried), `waitForJobs()` reports each as it
 * finishes, `jobCounts()` says how many jobs each queue holds in each state.
 */
import type { Queue } from 'bullmq';
import { SiamError, isSiamError } from '../errors.js';
import { JOB_OPTIONS, prepareJob, QUEUE_NAMES, QUEUE_PREFIX, type JobData, type QueueName } from './jobs.js';
import {
  CONNECT_TIMEOUT_MS,
  connectRedis,
  MAX_RETRY_DELAY_MS,
  redactRedisUrl,
  type RedisTarget,
} from './redis.js';

/** A submitted job: its id and what submitting it did. */
export interface Submitted {
  id: string;
  /** `added` new; `existing` already queued, running or done (nothing added); `retried` it had failed. */
  status: 'added' | 'existing' | 'retried';
}

/** A finished job, as {@link waitForJobs} reports it. */
export type Finished<R> = { id: string; ok: true; result: R } | { id: string; ok: false; error: SiamError };

export async function openQueue(
  redis: RedisTarget,
  name: QueueName,
): Promise<{ queue: Queue; close(): Promise<void> }> {
  const { Queue: BullQueue } = await import('bullmq');
  const connection = await connectRedis(redis);
  const queue = new BullQueue(name, { connection, prefix: QUEUE_PREFIX, defaultJobOptions: JOB_OPTIONS });
  queue.on('error', () => undefined);
  return {
    queue,
    async close() {
      await queue.close();
      connection.disconnect();
    },
  };
}

/** Puts `items` on `queue` (see the module comment). Input files must exist (their identity is the id). */
export async function submitJobs<Q extends QueueName>(
  redis: RedisTarget,
  queue: Q,
  items: readonly JobData[Q][],
): Promise<Submitted[]> {
  const prepared = await Promise.all(items.map((d) => prepareJob(queue, d)));
  const q = await openQueue(redis, queue);
  try {
    const out: Submitted[] = [];
    for (const { id, data } of prepared) {
      const before = await q.queue.getJob(id);
      if (before && (await before.getState()) === 'failed') {
        await before.retry('failed');
        out.push({ id, status: 'retried' });
        continue;
      }
      if (before) {
        out.push({ id, status: 'existing' });
        continue;
      }
      // A camera that was stopped leaves no job behind: its name can start a new session.
      await q.queue.add(
        queue,
        data,
        queue === 'live' ? { jobId: id, removeOnComplete: true } : { jobId: id },
      );
      out.push({ id, status: 'added' });
    }
    return out;
  } finally {
    await q.close();
  }
}

/** How often a waiter looks at its jobs itself, besides being told by BullMQ's events. */
const POLL_MS = 1000;

/**
 * Waits for every job in `ids` and calls `onFinished` for each as it completes or finally fails
 * (after its last attempt); resolves when all have. BullMQ's events say when a job finishes, but
 * say nothing when Redis goes away or loses the job: so the jobs are also looked at every
 * second, on a connection that fails at once while Redis is away.
 * - A job no longer in Redis (flushed, a restart without persistence) finishes with `ERR_JOB_LOST`.
 * - While Redis does not answer, each look that fails is told to the target's `onRetry`
 *   (`ERR_REDIS_UNAVAILABLE`) and the looks go on with backoff; after the target's `waitMs` of
 *   silence (0 for a bare URL) the waiter gives up with that error (the jobs themselves go on).
 * @throws SiamError `ERR_REDIS_UNAVAILABLE` (see above).
 */
export async function waitForJobs<R>(
  redis: RedisTarget,
  queue: QueueName,
  ids: readonly string[],
  onFinished: (f: Finished<R>) => void,
): Promise<void> {
  const { QueueEvents } = await import('bullmq');
  const target = typeof redis === 'string' ? { url: redis } : redis;
  // Fails fast while Redis is away (no offline queue, a bounded command) and reconnects on its
  // own. Plain commands on BullMQ's keys: a BullMQ Queue on it waits for ever once it dropped.
  const look = await connectRedis(redis, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: CONNECT_TIMEOUT_MS,
  });
  // With the same wait: Redis may go away between the two connections (a loaded run saw it).
  const eventsConnection = await connectRedis(redis);
  const events = new QueueEvents(queue, { connection: eventsConnection, prefix: QUEUE_PREFIX });
  events.on('error', () => undefined);
  const pending = new Set(ids);
  // An event while the jobs are being looked at is kept for after (`nudged`), not lost.
  let nudged = false;
  let wake: () => void = () => undefined;
  const nudge = ({ jobId }: { jobId: string }): void => {
    if (!pending.has(jobId)) return;
    nudged = true;
    wake();
  };
  events.on('completed', nudge);
  events.on('failed', nudge);
  const finish = (f: Finished<R>): void => {
    if (pending.delete(f.id)) onFinished(f);
  };
  /** Looks at one job (BullMQ's keys: its hash, the completed and failed sets): finished, gone, or not yet. */
  const lookAt = async (id: string): Promise<void> => {
    const keys = `${QUEUE_PREFIX}:${queue}`;
    const [exists, completed, failed, [returnvalue, failedReason]] = await Promise.all([
      look.exists(`${keys}:${id}`),
      look.zscore(`${keys}:completed`, id),
      look.zscore(`${keys}:failed`, id),
      look.hmget(`${keys}:${id}`, 'returnvalue', 'failedReason'),
    ]);
    if (!exists) {
      const error = new SiamError('ERR_JOB_LOST', `Job ${id} is no longer in Redis (the ${queue} queue).`, {
        hint: 'Redis was flushed or restarted without persistence (docs/scale.md); submit the job again.',
      });
      finish({ id, ok: false, error });
    } else if (completed !== null) {
      finish({ id, ok: true, result: JSON.parse(returnvalue ?? 'null') as R });
    } else if (failed !== null) {
      finish({ id, ok: false, error: asJobError(id, new Error(failedReason ?? 'no reason recorded')) });
    }
  };
  let outage: { since: number; attempt: number } | undefined;
  try {
    // Not waiting for the events to be ready: a missed event only costs one look's delay.
    while (pending.size > 0) {
      let pauseMs = POLL_MS;
      nudged = false;
      try {
        for (const id of [...pending]) await lookAt(id);
        outage = undefined;
      } catch (cause) {
        outage ??= { since: performance.now(), attempt: 0 };
        outage.attempt++;
        const error = new SiamError(
          'ERR_REDIS_UNAVAILABLE',
          `Redis at ${redactRedisUrl(target.url)} does not answer while ${pending.size} ${queue} job(s) are waited for (${reason(cause)}); the jobs go on.`,
          { cause, hint: 'Start Redis again; raise --redis-wait to wait longer.' },
        );
        pauseMs = Math.min(MAX_RETRY_DELAY_MS, 500 * 2 ** (outage.attempt - 1));
        if (performance.now() - outage.since + pauseMs > (target.waitMs ?? 0)) throw error;
        target.onRetry?.(error, outage.attempt, pauseMs);
      }
      if (pending.size === 0) break;
      if (nudged && !outage) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pauseMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    // Closed while Redis answers; with Redis away BullMQ's close() would wait for it for ever, so
    // the connections are ended and that close is not waited for.
    const closed = look.status === 'ready' ? events.close() : undefined;
    await closed?.catch(() => undefined);
    eventsConnection.disconnect();
    look.disconnect();
    if (!closed) void events.close().catch(() => undefined);
  }
}

/** Why a look failed, in words (ioredis says "Stream isn't writeable …" while it reconnects). */
function reason(cause: unknown): string {
  const message = (cause as Error)?.message ?? String(cause);
  return /isn't writeable/.test(message) ? 'no connection' : message.replace(/\.$/, '');
}

/** A job's failure as ERR_JOB_FAILED, the worker's error (with its code) in the message. */
function asJobError(id: string, e: unknown): SiamError {
  const message = isSiamError(e) ? e.toString() : ((e as Error)?.message ?? String(e));
  return new SiamError('ERR_JOB_FAILED', `Job ${id} failed: ${message}`, {
    hint: 'Fix what the error names and submit again (a failed job is retried).',
  });
}

/** Jobs per state in each queue. */
export async function jobCounts(redis: RedisTarget): Promise<Record<QueueName, Record<string, number>>> {
  const out = {} as Record<QueueName, Record<string, number>>;
  for (const name of QUEUE_NAMES) {
    const q = await openQueue(redis, name);
    try {
      out[name] = await q.queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed');
    } finally {
      await q.close();
    }
  }
  return out;
}

/**
 * The producer side: `submitJobs()` puts jobs on a queue under ids derived from their inputs
 * (jobs.ts; a repeat adds nothing, a failed one is retried), `waitForJobs()` reports each as it
 * finishes, `jobCounts()` says how many jobs each queue holds in each state.
 */
import type { Queue } from 'bullmq';
import { SiamError, isSiamError } from '../errors.js';
import { JOB_OPTIONS, prepareJob, QUEUE_NAMES, QUEUE_PREFIX, type JobData, type QueueName } from './jobs.js';
import { connectRedis, redisUrlOf, type RedisTarget } from './redis.js';

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

/**
 * Waits for every job in `ids` and calls `onFinished` for each as it completes or finally fails
 * (after its last attempt); resolves when all have.
 */
export async function waitForJobs<R>(
  redis: RedisTarget,
  queue: QueueName,
  ids: readonly string[],
  onFinished: (f: Finished<R>) => void,
): Promise<void> {
  const { QueueEvents } = await import('bullmq');
  const q = await openQueue(redis, queue);
  const connection = await connectRedis(redisUrlOf(redis)); // the first one just answered
  const events = new QueueEvents(queue, { connection, prefix: QUEUE_PREFIX });
  events.on('error', () => undefined);
  // One waiter per job listens on each (BullMQ adds a listener per waitUntilFinished).
  events.setMaxListeners(ids.length + 10);
  q.queue.setMaxListeners(ids.length + 10);
  try {
    await events.waitUntilReady();
    await Promise.all(
      ids.map(async (id) => {
        const job = await q.queue.getJob(id);
        if (!job) {
          const error = new SiamError('ERR_JOB_FAILED', `Job ${id} is no longer in the ${queue} queue.`);
          onFinished({ id, ok: false, error });
          return;
        }
        try {
          onFinished({ id, ok: true, result: (await job.waitUntilFinished(events)) as R });
        } catch (e) {
          onFinished({ id, ok: false, error: asJobError(id, e) });
        }
      }),
    );
  } finally {
    await events.close();
    connection.disconnect();
    await q.close();
  }
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

/**
 * `runWorker()`: a long-running process's share of the queues. It takes jobs from the BullMQ
 * queues it is given and runs them with the existing stages: classify jobs in this process (a
 * classifier per model folder, loaded once and reused), track jobs as `siamstream track` children
 * (track-job.ts), camera sessions (`live`) in this process until stopped (live-job.ts). BullMQ
 * brings the rest: a job's lock is renewed while it runs; a worker that dies (kill -9, a lost
 * machine) stops renewing it, and after `lockMs` another worker's stalled-job check puts the job
 * back in the queue, to be run again from the start (at most 3 attempts) — or, for a camera, after
 * `liveLockMs`, resumed from its state as often as its workers die.
 */
import type { ChildProcess } from 'node:child_process';
import os from 'node:os';
import type { Job, JobJson, Worker } from 'bullmq';
import { classifyFile, type FileLabel } from '../classify/classify-file.js';
import type { ClipClassifier, ClipClassifierOptions } from '../classify/index.js';
import { isSiamError, SiamError } from '../errors.js';
import { checkJobData, QUEUE_PREFIX, type QueueName, type TrackJobResult } from './jobs.js';
import { runLiveJob, type LiveOutcome } from './live-job.js';
import { connectRedis, type RedisTarget } from './redis.js';
import { runTrackJob } from './track-job.js';

/** Options of {@link runWorker}. */
export interface WorkerOptions {
  /** `redis://[:password@]host:port[/db]`, and how long to wait for it to answer at start. */
  redis: RedisTarget;
  /** Queues to take jobs from (`live`: camera sessions, each holding a job slot while it runs). @default ['classify', 'track'] */
  queues?: readonly QueueName[];
  /** Jobs run at once, per queue. @default 1 */
  concurrency?: number;
  /** A job's lock; a dead worker's jobs go back to the queue this long after it stopped renewing. @default 30000 */
  lockMs?: number;
  /** The same for camera sessions (`live`), checked every third of it: a dead worker's cameras move within about 1.3× this. @default 3000 */
  liveLockMs?: number;
  /** Names this worker in `processedBy` of the jobs it ran. @default `host:pid` */
  name?: string;
  /** Told of every job's start, end and failure. */
  onEvent?: (e: WorkerEvent) => void;
}

/** What a worker reports. */
export type WorkerEvent =
  | { type: 'active'; queue: QueueName; id: string }
  | { type: 'completed'; queue: QueueName; id: string; ms: number }
  | { type: 'failed'; queue: QueueName; id: string; attempt: number; error: string }
  /** A camera session or a track job went back to the queue because this worker is closing; another takes it. */
  | { type: 'handed-back'; queue: QueueName; id: string }
  /** The connection to Redis dropped (`lost`; BullMQ and ioredis reconnect) or came back. */
  | { type: 'redis'; state: 'lost' | 'back' };

/** A running worker. */
export interface RunningWorker {
  readonly name: string;
  /** Stops taking jobs, lets the running ones finish (track children are ended, their jobs put back), releases everything. */
  close(): Promise<void>;
}

/** Classifiers by model folder and options, each used by one job at a time. */
class ClassifierPool {
  private readonly idle = new Map<string, ClipClassifier[]>();
  private readonly all: ClipClassifier[] = [];

  async run(o: ClipClassifierOptions, use: (c: ClipClassifier) => Promise<FileLabel>): Promise<FileLabel> {
    const key = JSON.stringify([o.model, o.backend, o.engine]);
    let c = this.idle.get(key)?.pop();
    if (!c) {
      const { createClipClassifier } = await import('../classify/index.js');
      c = await createClipClassifier(o);
      this.all.push(c);
    }
    try {
      return await use(c);
    } finally {
      this.idle.set(key, [...(this.idle.get(key) ?? []), c]);
    }
  }

  async dispose(): Promise<void> {
    await Promise.all(this.all.splice(0).map((c) => c.dispose()));
    this.idle.clear();
  }
}

/** Starts a worker on the queues; resolves once it is connected and taking jobs. */
export async function runWorker(options: WorkerOptions): Promise<RunningWorker> {
  const { Worker: BullWorker, WaitingError, UnrecoverableError } = await import('bullmq');
  // Jobs whose data is not JSON (written into Redis by another client). BullMQ parses a job's data
  // before its processor runs and, when that throws, leaves the job active with nothing said: here
  // such a job gets null data and is failed by the processor, without retries (ERR_BAD_JOB).
  const notJson = new WeakSet<Job>();
  class CheckedWorker extends BullWorker {
    protected override createJob(json: JobJson, jobId: string): Job {
      try {
        return super.createJob(json, jobId);
      } catch (e) {
        if (!(e instanceof SyntaxError)) throw e;
        const job = super.createJob({ ...json, data: 'null' }, jobId);
        notJson.add(job);
        return job;
      }
    }
  }
  const connection = await connectRedis(options.redis);
  const report = options.onEvent ?? (() => undefined);
  let lost = false;
  let closing: Promise<void> | undefined;
  connection.on('close', () => {
    if (!lost && !closing) report({ type: 'redis', state: 'lost' });
    lost = true;
  });
  connection.on('ready', () => {
    if (lost) report({ type: 'redis', state: 'back' });
    lost = false;
  });
  const name = options.name ?? `${os.hostname()}:${process.pid}`;
  const lockMs = options.lockMs ?? 30_000;
  const classifiers = new ClassifierPool();
  const children = new Set<ChildProcess>();
  const shutdown = new AbortController();

  type Result = FileLabel | TrackJobResult | LiveOutcome;
  const processors: Record<QueueName, (job: Job, token: string, signal: AbortSignal) => Promise<Result>> = {
    classify: (job) => {
      const d = checkJobData('classify', job.data);
      return classifiers.run({ model: d.model, backend: d.backend, engine: d.engine }, (c) =>
        classifyFile(c, d.file, { window: d.window, stride: d.stride }),
      );
    },
    // A track child ended because this worker is closing is not the job's failure: the job goes
    // back to the queue (moveToWait, then WaitingError) with no attempt spent, for another worker.
    track: async (job, token) => {
      try {
        return await runTrackJob(
          checkJobData('track', job.data),
          String(job.id),
          job.attemptsStarted,
          children,
        );
      } catch (e) {
        if (!shutdown.signal.aborted) throw e;
        await job.moveToWait(token);
        report({ type: 'handed-back', queue: 'track', id: String(job.id) });
        throw new WaitingError();
      }
    },
    // A camera runs until stopped. When this worker closes, it goes back to the queue for another
    // (moveToWait, then WaitingError: not a failure); when its lock is lost, another has it already.
    live: async (job, token, lockLost) => {
      const out = await runLiveJob(checkJobData('live', job.data), {
        connection,
        worker: name,
        lockLost,
        shutdown: shutdown.signal,
      });
      if (out.outcome === 'handed-back') {
        await job.moveToWait(token);
        report({ type: 'handed-back', queue: 'live', id: String(job.id) });
        throw new WaitingError();
      }
      if (out.outcome === 'failed') throw new Error(out.reason);
      if (out.outcome === 'lock-lost')
        throw new Error('its lock was lost: another worker runs this camera now');
      return out;
    },
  };

  const workers: Worker[] = (options.queues ?? ['classify', 'track']).map((queue) => {
    const started = new Map<string, number>();
    const live = queue === 'live';
    const lock = live ? (options.liveLockMs ?? 3000) : lockMs;
    const w = new CheckedWorker(
      queue,
      async (job: Job, token?: string, signal?: AbortSignal) => {
        started.set(String(job.id), performance.now());
        report({ type: 'active', queue, id: String(job.id) });
        if (notJson.has(job)) {
          const e = new SiamError('ERR_BAD_JOB', `The ${queue} job ${job.id}'s data is not JSON.`, {
            hint: 'Jobs are put on the queues by `siamstream submit` (docs/scale.md); remove this one.',
          });
          throw new UnrecoverableError(e.toString());
        }
        try {
          return await processors[queue](job, token ?? '', signal ?? new AbortController().signal);
        } catch (e) {
          if (e instanceof WaitingError) throw e;
          // BullMQ keeps the message only: it carries the code (and hint) to whoever waits.
          throw new Error(isSiamError(e) ? e.toString() : ((e as Error)?.message ?? String(e)));
        }
      },
      {
        connection,
        prefix: QUEUE_PREFIX,
        name,
        concurrency: options.concurrency ?? 1,
        lockDuration: lock,
        stalledInterval: live ? Math.ceil(lock / 3) : lock,
        // A camera is handed on however often its workers die; a batch job is tried three times.
        maxStalledCount: live ? Number.MAX_SAFE_INTEGER : 2,
      },
    );
    /** How long the job ran; forgets its start (a worker runs for months). */
    const took = (id: string): number => {
      const ms = performance.now() - (started.get(id) ?? performance.now());
      started.delete(id);
      return ms;
    };
    w.on('completed', (job) =>
      report({ type: 'completed', queue, id: String(job.id), ms: took(String(job.id)) }),
    );
    w.on('failed', (job, e) => {
      if (!job) return;
      took(String(job.id));
      report({ type: 'failed', queue, id: String(job.id), attempt: job.attemptsMade, error: e.message });
    });
    w.on('error', () => undefined); // connection trouble: ioredis reconnects, BullMQ resumes
    // A lock that could not be renewed is another worker's job by now: stop it here.
    w.on('lockRenewalFailed', (ids) => ids.forEach((id) => w.cancelJob(id, 'lock lost')));
    return w;
  });
  await Promise.all(workers.map((w) => w.waitUntilReady()));

  return {
    name,
    close() {
      closing ??= (async () => {
        shutdown.abort();
        for (const c of children) c.kill('SIGTERM');
        await Promise.all(workers.map((w) => w.close()));
        await classifiers.dispose();
        connection.disconnect();
      })();
      return closing;
    },
  };
}

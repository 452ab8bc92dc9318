/**
 * The cameras on the `live` queue, for `siamstream cameras` and the servers' camera lists: each
 * one's job state, worker and latest state key; and stopping one for good.
 */
import type { Box } from '../types.js';
import { redactUrl } from '../decode/source.js';
import { SiamError } from '../errors.js';
import type { Job, Queue } from 'bullmq';
import type { Redis as RedisClient } from 'ioredis';
import { liveJobSchema, type LiveJob } from './jobs.js';
import { liveKeys, parseLiveState, type LiveCommand } from './live-channels.js';
import { connectRedis, type RedisTarget } from './redis.js';
import { openQueue } from './submit.js';

/** One camera as {@link listCameras} reports it. */
export interface CameraEntry {
  camera: string;
  /** Its job's state: `active` (a worker runs it), `waiting` (for a worker: starting, or handed on), `delayed` (retrying after a failure), `failed`. */
  state: string;
  /** Its source, a password in a URL replaced by `***`. */
  source: string;
  /** The worker running it (`active`). */
  worker: string | null;
  /** The latest boxes and their frame, when it has run. */
  frameIndex: number | null;
  targets: { id: number; box: Box }[];
  /** Epoch ms of that state. */
  updatedAt: number | null;
}

/** The cameras on the queue, by name. */
export async function listCameras(redis: RedisTarget): Promise<CameraEntry[]> {
  const q = await openQueue(redis, 'live');
  const client = await connectRedis(redis);
  try {
    return await readCameras(q.queue, client);
  } finally {
    client.disconnect();
    await q.close();
  }
}

/** The job states a camera on the queue can be in. */
const CAMERA_STATES = ['active', 'waiting', 'prioritized', 'delayed', 'failed'] as const;

/**
 * The cameras' jobs with their states, by name: one query per state, none per job. A job that
 * moves between two queries is kept once.
 */
async function cameraJobs(queue: Queue): Promise<{ state: string; job: Job; data: LiveJob }[]> {
  const out: { state: string; job: Job; data: LiveJob }[] = [];
  const seen = new Set<string>();
  for (const state of CAMERA_STATES) {
    for (const job of await queue.getJobs([state])) {
      const parsed = liveJobSchema.safeParse(job?.data);
      if (!parsed.success || seen.has(parsed.data.camera)) continue; // not one of ours, or seen
      seen.add(parsed.data.camera);
      out.push({ state, job, data: parsed.data });
    }
  }
  return out.sort((a, b) => a.data.camera.localeCompare(b.data.camera));
}

/** The names of the cameras on an open `live` queue (what a camera server offers). */
export async function cameraNames(queue: Queue): Promise<string[]> {
  return (await cameraJobs(queue)).map((c) => c.data.camera);
}

/** {@link listCameras} on an open `live` queue and a client: their state keys in one MGET. */
export async function readCameras(queue: Queue, client: RedisClient): Promise<CameraEntry[]> {
  const jobs = await cameraJobs(queue);
  const states = jobs.length > 0 ? await client.mget(jobs.map((c) => liveKeys(c.data.camera).state)) : [];
  return jobs.map(({ state, job, data: d }, i) => {
    const saved = parseLiveState(states[i] ?? null);
    const current = saved && saved.submittedAt === d.submittedAt ? saved : null;
    return {
      camera: d.camera,
      state,
      source: redactUrl(d.source), // a camera URL may carry a password
      worker: state === 'active' ? (job.processedBy ?? null) : null,
      frameIndex: current?.frameIndex ?? null,
      targets: current?.targets ?? [],
      updatedAt: current?.updatedAt ?? null,
    };
  });
}

/**
 * Ends camera `camera`'s session: a running one is told to end (its worker stops it and its job
 * completes); one waiting for a worker is removed. Resolves once its job is gone (at most
 * `waitMs`). @throws SiamError `ERR_BAD_OPTION` when no such camera is on the queue.
 */
export async function stopCamera(redis: RedisTarget, camera: string, waitMs = 15_000): Promise<void> {
  const q = await openQueue(redis, 'live');
  const pub = await connectRedis(redis);
  try {
    const id = `live-${camera}`;
    const job = await q.queue.getJob(id);
    if (!job)
      throw new SiamError('ERR_BAD_OPTION', `No camera named "${camera}" is on the queue.`, {
        hint: '`siamstream cameras` lists them.',
      });
    const state = await job.getState();
    if (state !== 'active') {
      await job.remove();
      await pub.del(liveKeys(camera).state);
      return;
    }
    const end: LiveCommand = { type: 'end' };
    await pub.publish(liveKeys(camera).commands, JSON.stringify(end));
    const deadline = Date.now() + waitMs;
    while ((await q.queue.getJob(id)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    if (await q.queue.getJob(id))
      throw new SiamError('ERR_JOB_FAILED', `Camera "${camera}" did not stop within ${waitMs / 1000} s.`, {
        hint: 'Its worker may be stuck; stopping that worker hands the camera on, `cameras --stop` again ends it.',
      });
  } finally {
    pub.disconnect();
    await q.close();
  }
}

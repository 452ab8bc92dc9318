/**
 * The jobs siamstream puts on BullMQ queues: their names, data (zod schemas, checked on both
 * sides), ids and retry policy.
 *
 * A job's id is derived from its input (`jobId`), so submitting the same clip twice adds nothing:
 * BullMQ keeps one job per id, and a finished job stays (a week) to answer the repeat. A local
 * file is identified by its absolute path, size and modification time (a changed file is a new
 * job); a URL by itself; a model folder by its path and its `classifier.json`'s modification
 * time (retraining makes new jobs).
 */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { SiamError } from '../errors.js';
import { checkClassifyJob, checkTrackJob } from './check-job.js';

/** The queues: batch jobs (`classify`, `track`) and camera sessions (`live`, live-job.ts). */
export const QUEUE_NAMES = ['classify', 'track', 'live'] as const;
/** A queue. */
export type QueueName = (typeof QUEUE_NAMES)[number];

/** Redis key prefix of every siamstream queue (BullMQ's `prefix`). */
export const QUEUE_PREFIX = 'siamstream';

const positiveInt = z.number().int().min(1);

/** A classify job: one clip, one model folder → the same JSON as `siamstream classify`. */
export const classifyJobSchema = z
  .object({
    file: z.string().min(1),
    model: z.string().min(1),
    window: positiveInt.optional(),
    stride: positiveInt.optional(),
    backend: z.string().optional(),
    engine: z.enum(['auto', 'onnx', 'tfjs']).optional(),
  })
  .strict();
/** The data of a classify job. */
export type ClassifyJob = z.infer<typeof classifyJobSchema>;

/** A track job: a source and its boxes → a results file (`out`), as `siamstream track --out` writes it. */
export const trackJobSchema = z
  .object({
    source: z.string().min(1),
    /** `x,y,w,h` boxes on the first frame (targets 1, 2, …), as `--box` takes them. */
    boxes: z
      .array(z.string().regex(/^\s*[-\d.eE+]+(\s*,\s*[-\d.eE+]+){3}\s*$/))
      .min(1)
      .max(64),
    /** Results file (absolute), on storage every worker sees; written whole or not at all. */
    out: z.string().min(1),
    format: z.enum(['csv', 'jsonl', 'txt', 'mot']).optional(),
    preset: z.string().optional(),
    backend: z.string().optional(),
    engine: z.enum(['auto', 'onnx', 'tfjs']).optional(),
  })
  .strict();
/** The data of a track job. */
export type TrackJob = z.infer<typeof trackJobSchema>;

/** A camera's name: its job's id and its Redis channels' names. */
export const CAMERA_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * A live job: one camera session, run by one worker until stopped, handed to another worker when
 * that one dies (live-job.ts). Its id is `live-<camera>`: one session per camera name.
 */
export const liveJobSchema = z
  .object({
    camera: z.string().regex(CAMERA_NAME, 'letters, digits, "_", "." and "-", at most 64'),
    /** A camera, a stream URL, or a file every worker can read (played at its own rate). */
    source: z.string().min(1),
    /** Targets on the first frame, `x,y,w,h` (ids 1, 2, …); more can be added from a dashboard. */
    boxes: z
      .array(z.string().regex(/^\s*[-\d.eE+]+(\s*,\s*[-\d.eE+]+){3}\s*$/))
      .max(64)
      .optional(),
    /** Loop a file source (a camera-like stream for demos and tests). */
    loop: z.boolean().optional(),
    maxSide: z.number().int().min(16).max(16384).optional(),
    /** Previews published per second while some dashboard watches (0: none). @default 5 */
    previewFps: z.number().min(0).max(30).optional(),
    preset: z.string().optional(),
    backend: z.string().optional(),
    engine: z.enum(['auto', 'onnx', 'tfjs']).optional(),
    /** When it was submitted (epoch ms): the state a worker resumes from must be this session's. */
    submittedAt: z.number().optional(),
  })
  .strict();
/** The data of a live job. */
export type LiveJob = z.infer<typeof liveJobSchema>;

/** What a track job returns. */
export interface TrackJobResult {
  source: string;
  out: string;
  targets: number;
}

/** Job data by queue. */
export interface JobData {
  classify: ClassifyJob;
  track: TrackJob;
  live: LiveJob;
}

/** Retries and retention of every job. */
export const JOB_OPTIONS = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 1000 },
  // Finished jobs are kept a week: a resubmitted input finds its result instead of running again.
  removeOnComplete: { age: 7 * 24 * 3600 },
  removeOnFail: { age: 7 * 24 * 3600 },
} as const;

/** Validates a job's data. @throws SiamError `ERR_BAD_OPTION` naming the field. */
export function checkJobData<Q extends QueueName>(queue: Q, data: unknown): JobData[Q] {
  const schema = { classify: classifyJobSchema, track: trackJobSchema, live: liveJobSchema }[queue];
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data as JobData[Q];
  const why = parsed.error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(data)'}: ${i.message}`)
    .join('; ');
  throw new SiamError('ERR_BAD_OPTION', `A ${queue} job's data is invalid: ${why}.`);
}

const isUrl = (s: string): boolean => /^[a-z][a-z0-9+.-]*:\/\//i.test(s);

/** A local file's identity (absolute path, size, mtime), or a URL as is. */
async function identify(input: string): Promise<string> {
  if (isUrl(input)) return input;
  const abs = path.resolve(input);
  try {
    const s = await stat(abs);
    return `${abs}|${s.size}|${s.mtimeMs}`;
  } catch (cause) {
    throw new SiamError('ERR_SOURCE_NOT_FOUND', `${input} does not exist or cannot be read.`, {
      cause,
      hint: 'Paths must name files every worker can read at the same path (a shared folder).',
    });
  }
}

/**
 * The job's data with its paths made absolute and checked as the CLI checks them (check-job.ts:
 * a mistake is refused here, before anything is queued), and its id: a hash of the queue, the data and the
 * inputs' identities (see the module comment).
 */
export async function prepareJob<Q extends QueueName>(
  queue: Q,
  data: JobData[Q],
): Promise<{ id: string; data: JobData[Q] }> {
  const abs = (p: string): string => (isUrl(p) ? p : path.resolve(p));
  if (queue === 'live') {
    const d = checkJobData('live', data);
    // A file is checked now (its path must be one every worker can read); a camera is a device.
    const device = isUrl(d.source) || d.source.startsWith('/dev/');
    const source = device ? d.source : abs(d.source);
    if (!device) await identify(source);
    return {
      id: `live-${d.camera}`,
      data: { ...d, source, submittedAt: d.submittedAt ?? Date.now() } as JobData[Q],
    };
  }
  const d = checkJobData(queue, data) as ClassifyJob & TrackJob;
  let inputs: string[];
  let prepared: JobData[Q];
  if (queue === 'classify') {
    prepared = { ...d, file: abs(d.file), model: abs(d.model) } as unknown as JobData[Q];
    checkClassifyJob(prepared as ClassifyJob);
    inputs = [await identify(d.file), await identify(path.join(d.model, 'classifier.json'))];
  } else {
    prepared = { ...d, source: abs(d.source), out: path.resolve(d.out) } as unknown as JobData[Q];
    checkTrackJob(prepared as TrackJob);
    inputs = [await identify(d.source)];
  }
  const fields = Object.entries(prepared)
    .filter(([, v]) => v !== undefined) // an option left out and one given as undefined are the same job
    .sort(([a], [b]) => a.localeCompare(b));
  const canonical = JSON.stringify([queue, fields, inputs]);
  const id = `${queue}-${createHash('sha256').update(canonical).digest('hex').slice(0, 32)}`;
  return { id, data: prepared };
}

/** Jobs on Redis (BullMQ) across machines: workers, submitting and waiting, counts. docs/scale.md. */
export { runWorker, type WorkerOptions, type WorkerEvent, type RunningWorker } from './worker.js';
export { submitJobs, waitForJobs, jobCounts, type Submitted, type Finished } from './submit.js';
export {
  QUEUE_NAMES,
  prepareJob,
  type QueueName,
  type ClassifyJob,
  type TrackJob,
  type TrackJobResult,
  type LiveJob,
} from './jobs.js';
export { redactRedisUrl } from './redis.js';
export { listCameras, stopCamera, type CameraEntry } from './cameras.js';

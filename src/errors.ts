/**
 * One error class with stable codes (STYLE.md §8). Every code is listed with its meaning in
 * docs/errors.md; tests assert class, code and message.
 */

export const ERROR_CODES = {
  ERR_SOURCE_NOT_FOUND: 'The input file or device does not exist.',
  ERR_UNSUPPORTED_SOURCE: 'The source is of a kind or protocol we refuse (e.g. file:, concat:).',
  ERR_FFMPEG_NOT_FOUND: 'No ffmpeg binary could be found (FFMPEG_PATH, PATH, @ffmpeg-installer/ffmpeg).',
  ERR_FFMPEG_EXIT: 'ffmpeg exited with an error (exit code, signal and stderr tail attached).',
  ERR_PROBE_FAILED: 'The source could not be probed (unreadable or not a video).',
  ERR_NO_VIDEO_STREAM: 'The input has no video stream (an audio-only file, a data stream).',
  ERR_SOURCE_LOST: 'A live source dropped and every reconnect attempt failed.',
  ERR_SOURCE_STALLED: 'A live source sent no frame for stallTimeoutMs (it is reconnected).',
  ERR_TRUNCATED_INPUT:
    'A file gave clearly fewer frames than its container announces, or ended before its container said (with --strict).',
  ERR_USAGE: 'The command line names an unknown command or flag, or misses an argument.',
  ERR_BAD_OPTION: 'An option has a wrong type or is out of range.',
  ERR_BAD_BOX: 'A box is outside the frame, or of zero, negative or NaN size.',
  ERR_BAD_FRAME: 'A frame has inconsistent width, height and data length.',
  ERR_NOT_INITIALISED: 'update() was called before init().',
  ERR_DISPOSED: 'The object was used after dispose().',
  ERR_UNKNOWN_BACKEND: 'The TensorFlow.js backend name is not one we know.',
  ERR_BACKEND_UNAVAILABLE: 'The TensorFlow.js backend is known but not installed or failed to start.',
  ERR_MODEL_MISSING: 'A model file (model.json or its weights) could not be found.',
  ERR_MODEL_INVALID: 'A model folder is malformed or from an incompatible version.',
  ERR_ENGINE_UNAVAILABLE:
    'The onnx engine was asked for but onnxruntime-node is not installed or failed to load.',
  ERR_CACHE_UNWRITABLE:
    'The ONNX model cache folder cannot be written (a warning: the model runs without the cache).',
  ERR_UNSUPPORTED_OP: 'The ONNX exporter met a graph op it does not convert (the op is named).',
  ERR_DATASET_EMPTY: 'A training folder has no usable clips.',
  ERR_DATASET_ONE_CLASS: 'A training folder has fewer than two classes.',
  ERR_CLIP_UNREADABLE: 'A clip could not be decoded (reported and skipped during training).',
  ERR_BAD_MESSAGE: 'A WebSocket client message failed validation.',
  ERR_UNAUTHORIZED: 'A missing or wrong token.',
  ERR_FORBIDDEN: 'A view-only connection sent a command that steers the tracker.',
  ERR_TOO_MANY_TARGETS: 'A live session was asked to follow more targets than its maxTargets.',
  ERR_INSECURE_BIND: 'A non-local bind address was requested without a token.',
  ERR_REDIS_UNAVAILABLE: 'Redis (for the job queues) did not answer at the URL given.',
  ERR_REDIS_AUTH: 'Redis refused the password (or user) in the URL, or wants one and none was given.',
  ERR_JOB_FAILED: 'A queued job failed on every attempt (the last error is in the message).',
  ERR_JOB_LOST:
    'A job waited for (`submit --wait`) is no longer in Redis (flushed, or restarted without persistence).',
  ERR_BAD_JOB:
    "A queued job's data in Redis is not JSON (written by another client); it fails without retries.",
  ERR_EVAL_DATA: 'An evaluation folder or ground-truth file is malformed.',
  ERR_INTERNAL:
    'The live server failed a command or its source failed, or a worker thread died unexpectedly.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The project's error: a stable `code`, a message, and a `hint` saying what to do about it. */
export class SiamError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  readonly details?: Record<string, unknown>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { hint?: string; cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SiamError';
    this.code = code;
    this.hint = options.hint;
    this.details = options.details;
  }

  /** A one-line text for the terminal: `ERR_X: message (hint: …)`. */
  override toString(): string {
    return `${this.code}: ${this.message}${this.hint ? ` (hint: ${this.hint})` : ''}`;
  }
}

/** True when `e` is a SiamError (optionally of one code). */
export function isSiamError(e: unknown, code?: ErrorCode): e is SiamError {
  return e instanceof SiamError && (code === undefined || e.code === code);
}

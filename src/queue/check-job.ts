/**
 * What `submit` refuses before a job is queued: everything `siamstream track` / `classify` would
 * refuse before doing any work, checked with the CLI's own functions, so that a mistake is said at
 * once (a coded error, nothing queued) instead of by a worker three attempts later.
 */
import { checkOutputs } from '../cli/output-path.js';
import { formatFromPath } from '../cli/outputs.js';
import { parseBoxArg } from '../cli/track-box.js';
import { resolveSource } from '../decode/source.js';
import { SiamError } from '../errors.js';
import { resolveTrackerOptions } from '../track/params.js';

/** The fields of a track job checked here (jobs.ts's TrackJob; not imported: jobs.ts imports this). */
interface TrackFields {
  source: string;
  boxes: readonly string[];
  out: string;
  format?: string;
  preset?: string;
  backend?: string;
  engine?: 'auto' | 'onnx' | 'tfjs';
}

/** `source` as the CLI resolves it; stdin cannot be queued. @returns whether it is a local file. */
function checkInput(source: string, flag: string): boolean {
  const { kind } = resolveSource(source); // ERR_UNSUPPORTED_SOURCE, ERR_SOURCE_NOT_FOUND (a folder too)
  if (kind === 'stdin') {
    throw new SiamError('ERR_BAD_OPTION', `${flag} "-" (stdin) cannot be queued: a worker has no stdin.`, {
      hint: 'Give a file every worker can read, or a URL.',
    });
  }
  return kind === 'file';
}

/**
 * A track job's data (paths absolute) as `track` would take it: the source, each box, the format,
 * the preset and engine, and `out` (not onto the source, not under /proc, in a writable folder).
 * @throws SiamError with the CLI's code (`ERR_BAD_OPTION`, `ERR_BAD_BOX`, `ERR_SOURCE_NOT_FOUND` …).
 */
export function checkTrackJob(job: TrackFields): void {
  const file = checkInput(job.source, 'the source');
  checkOutputs([{ flag: '--out', file: job.out }], file ? [job.source] : []); // first, as in runTrack
  for (const box of job.boxes) parseBoxArg(box);
  const format = formatFromPath(job.out, job.format);
  // The same rule as runTrack's (src/cli/track.ts): one OTB row per frame holds one target.
  if (format === 'txt' && job.boxes.length > 1) {
    throw new SiamError(
      'ERR_BAD_OPTION',
      `OTB .txt results hold one target; ${job.boxes.length} were given.`,
      {
        hint: 'Write .csv, .jsonl or .mot.txt (each row carries the target id), or track one target.',
      },
    );
  }
  resolveTrackerOptions({ preset: job.preset, engine: job.engine, backend: job.backend });
}

/** A classify job's clip as `classify` would take it. @throws SiamError as {@link checkTrackJob}. */
export function checkClassifyJob(job: { file: string }): void {
  checkInput(job.file, 'the clip');
}

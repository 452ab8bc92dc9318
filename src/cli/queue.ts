/**
 * The queue commands (docs/scale.md), on Redis through BullMQ (src/queue):
 * - `siamstream worker --redis URL [--queues classify,track,live] [--concurrency 1] [--lock-ms 30000]`
 *   runs jobs until SIGINT / SIGTERM / SIGHUP (the running ones finish first; a running track job goes
 *   back to the queue without an attempt spent), one line per job on stderr;
 * - `siamstream submit classify <files…> --model DIR` / `submit track <source> --box … --out FILE`
 *   enqueue (one JSON line per job on stdout: id and status); with `--wait`, a progress bar on a
 *   TTY and, on stdout, each result as it completes — the JSON `classify` prints per file, or the
 *   track job's `{ source, out, targets }`; a failed job on stderr and exit status 2 at the end (a job
 *   Redis lost: ERR_JOB_LOST; Redis away longer than --redis-wait: ERR_REDIS_UNAVAILABLE);
 * - `siamstream jobs` prints the jobs per state of each queue (a table; JSON with `--json`).
 * `--redis` defaults to $SIAMSTREAM_REDIS (which keeps a password out of `ps`); it is never
 * printed with its password. While Redis does not answer, a worker retries with backoff until it
 * does, `submit` and `jobs` for `--redis-wait` seconds (30), each try said on stderr with
 * ERR_REDIS_UNAVAILABLE; a running worker says when its connection drops and comes back.
 */
import type { Command } from 'commander';
import { SiamError } from '../errors.js';
import type { Finished, QueueName } from '../queue/index.js';
import type { RedisTarget } from '../queue/redis.js';
import { checkEngineFlags } from './engine-flags.js';
import { positiveIntFlag } from './flags.js';
import { formatFromPath } from './outputs.js';
import {
  redisHelp,
  redisOption,
  redisTarget,
  redisUrl,
  waitHelp,
  waitOption,
  waitSeconds,
} from './redis-flags.js';
import { presetHelp } from './preset-help.js';
import { createProgress } from './progress.js';
import { parseBoxArg } from './track-box.js';
import { exitCodeFor, onStopSignals } from './stop-signals.js';

function queueList(v: string | undefined): QueueName[] | undefined {
  if (v === undefined) return undefined;
  const names = v.split(',').map((s) => s.trim());
  for (const n of names) {
    if (n !== 'classify' && n !== 'track' && n !== 'live') {
      throw new SiamError('ERR_BAD_OPTION', `Unknown queue "${n}" in --queues.`, {
        hint: 'Queues: classify, track, live (camera sessions).',
      });
    }
  }
  return names as QueueName[];
}

/** Waits for the submitted jobs, printing results on stdout and failures on stderr. */
async function waitAndPrint(
  redis: RedisTarget,
  queue: QueueName,
  ids: string[],
  labels: Map<string, string>,
): Promise<void> {
  const { waitForJobs } = await import('../queue/index.js');
  const progress = createProgress({ label: `${queue} jobs`, total: ids.length, unit: 'jobs' });
  let failed = 0;
  try {
    await waitForJobs(redis, queue, ids, (f: Finished<unknown>) => {
      progress.tick();
      if (f.ok) process.stdout.write(`${JSON.stringify(f.result)}\n`);
      else {
        failed++;
        process.stderr.write(`siamstream: ${labels.get(f.id) ?? f.id}: ${f.error.toString()}\n`);
      }
    });
  } finally {
    progress.stop();
  }
  if (failed > 0) process.exitCode = 2;
}

/** Adds `worker`, `submit` and `jobs`. */
export function registerQueue(program: Command): void {
  program
    .command('worker')
    .description(
      'run queued classify, track and (with --queues live) camera jobs from Redis (BullMQ) until stopped; start as many as you like',
    )
    .option(redisOption, redisHelp)
    .option(
      '--queues <names>',
      'queues to take jobs from, comma-separated: classify, track, live (camera sessions)',
      'classify,track',
    )
    .option('--concurrency <n>', 'jobs run at once, per queue', '1')
    .option(
      '--lock-ms <ms>',
      "a job's lock: a dead worker's jobs are run again this long after it died",
      '30000',
    )
    .action(async (o: { redis?: string; queues?: string; concurrency?: string; lockMs?: string }) => {
      const redis = redisUrl(o.redis);
      const { runWorker, redactRedisUrl } = await import('../queue/index.js');
      const queues = queueList(o.queues);
      const worker = await runWorker({
        redis: redisTarget(redis, Infinity),
        queues,
        concurrency: positiveIntFlag('--concurrency', o.concurrency),
        lockMs: positiveIntFlag('--lock-ms', o.lockMs),
        onEvent: (e) => {
          if (e.type === 'redis') {
            process.stderr.write(
              e.state === 'lost'
                ? 'siamstream: ERR_REDIS_UNAVAILABLE: the connection to Redis dropped; reconnecting (running jobs go on).\n'
                : 'siamstream: Redis is back; taking jobs again.\n',
            );
            return;
          }
          const what =
            e.type === 'completed'
              ? `done in ${(e.ms / 1000).toFixed(1)} s`
              : e.type === 'failed'
                ? `failed (attempt ${e.attempt}): ${e.error}`
                : e.type === 'handed-back'
                  ? 'handed back to the queue'
                  : 'started';
          process.stderr.write(`siamstream: ${e.queue} ${e.id} ${what}\n`);
        },
      });
      process.stderr.write(
        `siamstream: worker ${worker.name} on ${queues?.join(',') ?? 'classify,track'} at ${redactRedisUrl(redis)}\n`,
      );
      let offSignals = (): void => undefined;
      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        offSignals = onStopSignals(resolve);
      });
      process.stderr.write(`siamstream: ${signal}: finishing the running jobs\n`);
      await worker.close();
      offSignals();
      process.exitCode = exitCodeFor(signal);
    });

  const submit = program.command('submit').description('put classify or track jobs on the Redis queues');
  submit
    .command('classify')
    .description('queue clips to label with a model folder (paths every worker can read)')
    .argument('<video...>', 'video files or URLs')
    .requiredOption('--model <dir>', 'model folder written by `siamstream train --out`')
    .option(redisOption, redisHelp)
    .option('--window <frames>', 'frames per window (default: the model clip length)')
    .option('--stride <frames>', 'frames between window starts (default: window / 2)')
    .option('--wait', 'wait for the results and print them as they complete')
    .option(waitOption, waitHelp, '30')
    .action(
      async (
        files: string[],
        o: {
          model: string;
          redis?: string;
          window?: string;
          stride?: string;
          wait?: boolean;
          redisWait?: string;
        },
      ) => {
        const redis = redisTarget(redisUrl(o.redis), waitSeconds(o.redisWait));
        const window = positiveIntFlag('--window', o.window);
        const stride = positiveIntFlag('--stride', o.stride);
        const { submitJobs } = await import('../queue/index.js');
        const data = files.map((file) => ({ file, model: o.model, window, stride }));
        const submitted = await submitJobs(redis, 'classify', data);
        await report(redis, 'classify', submitted, files, Boolean(o.wait));
      },
    );
  submit
    .command('track')
    .description('queue a video to track, its results written to --out (a path every worker can write)')
    .argument('<source>', 'video file or URL')
    .requiredOption(
      '--box <x,y,w,h>',
      'a target on the first frame; repeat for more (ids 1, 2, …)',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .requiredOption(
      '--out <file>',
      'results file: .csv, .jsonl, .txt or .mot.txt, as `siamstream track --out`',
    )
    .option('--format <name>', 'results format regardless of the file name: csv, jsonl, txt, mot')
    .option('--preset <name>', presetHelp())
    .option(redisOption, redisHelp)
    .option(
      '--wait',
      'wait for the job and print its result (through a Redis outage for --redis-wait s; ERR_JOB_LOST if Redis loses it)',
    )
    .option(waitOption, waitHelp, '30')
    .action(
      async (
        source: string,
        o: {
          box: string[];
          out: string;
          format?: string;
          preset?: string;
          redis?: string;
          wait?: boolean;
          redisWait?: string;
        },
      ) => {
        // What a worker would refuse, refused here, before the job is queued.
        checkEngineFlags({ preset: o.preset });
        formatFromPath(o.out, o.format);
        o.box.forEach(parseBoxArg);
        const redis = redisTarget(redisUrl(o.redis), waitSeconds(o.redisWait));
        const { submitJobs } = await import('../queue/index.js');
        const submitted = await submitJobs(redis, 'track', [
          {
            source,
            boxes: o.box,
            out: o.out,
            format: o.format as 'csv' | 'jsonl' | 'txt' | 'mot' | undefined,
            preset: o.preset,
          },
        ]);
        await report(redis, 'track', submitted, [source], Boolean(o.wait));
      },
    );

  program
    .command('jobs')
    .description('count the queued, running, finished and failed jobs of each queue')
    .option(redisOption, redisHelp)
    .option('--json', 'print JSON instead of a table')
    .option(waitOption, waitHelp, '30')
    .action(async (o: { redis?: string; json?: boolean; redisWait?: string }) => {
      const { jobCounts } = await import('../queue/index.js');
      const counts = await jobCounts(redisTarget(redisUrl(o.redis), waitSeconds(o.redisWait)));
      if (o.json) {
        process.stdout.write(`${JSON.stringify(counts)}\n`);
        return;
      }
      const states = ['waiting', 'active', 'delayed', 'completed', 'failed'];
      process.stdout.write(`${['queue', ...states].map((s) => s.padStart(10)).join('')}\n`);
      for (const [queue, c] of Object.entries(counts)) {
        process.stdout.write(
          `${[queue, ...states.map((s) => String(c[s] ?? 0))].map((s) => s.padStart(10)).join('')}\n`,
        );
      }
    });
}

/** One line per submitted job on stdout (or, with `wait`, the results), a summary on stderr. */
async function report(
  redis: RedisTarget,
  queue: QueueName,
  submitted: { id: string; status: string }[],
  inputs: string[],
  wait: boolean,
): Promise<void> {
  const by = (s: string): number => submitted.filter((j) => j.status === s).length;
  process.stderr.write(
    `siamstream: ${submitted.length} ${queue} job(s): ${by('added')} added, ${by('existing')} already there, ${by('retried')} retried\n`,
  );
  if (!wait) {
    submitted.forEach((j, i) => process.stdout.write(`${JSON.stringify({ ...j, input: inputs[i] })}\n`));
    return;
  }
  const labels = new Map(submitted.map((j, i) => [j.id, inputs[i]]));
  await waitAndPrint(
    redis,
    queue,
    submitted.map((j) => j.id),
    labels,
  );
}

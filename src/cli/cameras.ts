/**
 * Camera sessions on the queue (docs/scale.md, "Live cameras"):
 * - `siamstream submit live <source> --camera NAME [--box x,y,w,h …] [--loop]` puts a camera on
 *   the `live` queue, to run on a worker started with `--queues live` (one JSON line: its id and
 *   status; a camera already there is left as it is);
 * - `siamstream cameras` lists them (state, worker, latest boxes; JSON with `--json`), and
 *   `siamstream cameras --stop NAME` ends one.
 * Any number of `siamstream serve --redis` show them.
 */
import type { Command } from 'commander';
import { checkEngineFlags } from './engine-flags.js';
import { positiveIntFlag, numberFlag } from './flags.js';
import { parseBoxArg } from './track-box.js';
import {
  redisHelp,
  redisOption,
  redisTarget,
  redisUrl,
  waitHelp,
  waitOption,
  waitSeconds,
} from './redis-flags.js';

interface SubmitLiveOptions {
  camera: string;
  box?: string[];
  loop?: boolean;
  maxSide?: string;
  previewFps?: string;
  preset?: string;
  redis?: string;
  redisWait?: string;
}

/** Adds `submit live` (to the `submit` command `registerQueue` made) and `cameras`. */
export function registerCameras(program: Command): void {
  const submit = program.commands.find((c) => c.name() === 'submit');
  if (!submit) throw new Error('registerQueue must come first');
  submit
    .command('live')
    .description('put a camera session on the queue: a worker with --queues live runs it until stopped')
    .argument('<source>', 'camera (/dev/videoN), stream URL, or a file every worker can read')
    .requiredOption(
      '--camera <name>',
      'its name (letters, digits, _ . -): dashboards pick it with ?camera=NAME',
    )
    .option(
      '--box <x,y,w,h>',
      'a target on the first frame; repeat for more (ids 1, 2, …); dashboards can add more',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option('--loop', 'loop a file source (played at its own rate, like a camera)')
    .option('--max-side <px>', 'scale decoded frames so the long side is at most this')
    .option('--preview-fps <n>', 'previews published per second while a dashboard watches (0: none)', '5')
    .option('--preset <name>', 'tracker preset (default: fast, as `serve`)')
    .option(redisOption, redisHelp)
    .option(waitOption, waitHelp, '30')
    .action(async (source: string, o: SubmitLiveOptions) => {
      checkEngineFlags({ preset: o.preset }); // before the job is queued, not on the worker
      (o.box ?? []).forEach(parseBoxArg);
      const redis = redisTarget(redisUrl(o.redis), waitSeconds(o.redisWait));
      const { submitJobs } = await import('../queue/index.js');
      const [job] = await submitJobs(redis, 'live', [
        {
          camera: o.camera,
          source,
          boxes: o.box,
          loop: o.loop,
          maxSide: positiveIntFlag('--max-side', o.maxSide),
          previewFps: numberFlag('--preview-fps', o.previewFps),
          preset: o.preset,
        },
      ]);
      process.stdout.write(`${JSON.stringify({ ...job, camera: o.camera })}\n`);
      process.stderr.write(
        job?.status === 'existing'
          ? `siamstream: camera ${o.camera} is already on the queue; left as it is (cameras --stop ${o.camera} first to change it)\n`
          : `siamstream: camera ${o.camera} queued; a worker with --queues live runs it\n`,
      );
    });

  program
    .command('cameras')
    .description('list the camera sessions on the queue, or end one (--stop)')
    .option('--stop <name>', 'end this camera: its worker stops it, its job and state are removed')
    .option('--json', 'print JSON instead of a table')
    .option(redisOption, redisHelp)
    .option(waitOption, waitHelp, '30')
    .action(async (o: { stop?: string; json?: boolean; redis?: string; redisWait?: string }) => {
      const redis = redisTarget(redisUrl(o.redis), waitSeconds(o.redisWait));
      const { listCameras, stopCamera } = await import('../queue/index.js');
      if (o.stop) {
        await stopCamera(redis, o.stop);
        process.stderr.write(`siamstream: camera ${o.stop} stopped\n`);
        return;
      }
      const cameras = await listCameras(redis);
      if (o.json) {
        process.stdout.write(`${JSON.stringify(cameras)}\n`);
        return;
      }
      process.stdout.write(`${['camera', 'state', 'worker', 'frame', 'targets', 'source'].join('\t')}\n`);
      for (const c of cameras) {
        const targets = c.targets.map(
          (t) => `${t.id}:${[t.box.x, t.box.y, t.box.width, t.box.height].map(Math.round).join(',')}`,
        );
        process.stdout.write(
          `${[c.camera, c.state, c.worker ?? '-', c.frameIndex ?? '-', targets.join(' ') || '-', c.source].join('\t')}\n`,
        );
      }
    });
}

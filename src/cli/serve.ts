/**
 * `siamstream serve --source <file|camera|url> [--box x,y,w,h …] [--model DIR] [--host 127.0.0.1]
 * [--port 8080] [--token T] [--loop] …`: the live dashboard and its WebSocket endpoint (`/ws`).
 * Logs go to stderr; with `--json`, one JSON line with the URLs goes to stdout once listening.
 * Runs until SIGINT / SIGTERM / SIGHUP (a file without `--loop` keeps serving its last state after it ends);
 * a source that fails (a camera lost for good) stops it with that error.
 */
import type { Command } from 'commander';
import { serve } from '../stream/index.js';
import type { TrackerOptions } from '../track/index.js';
import { checkEngineFlags } from './engine-flags.js';
import { numberFlag } from './flags.js';
import { presetHelp } from './preset-help.js';
import { checkBoxInFrame, parseBoxArg } from './track-box.js';
import { probeVideo } from '../decode/index.js';
import { isLiveSource } from '../decode/source.js';
import { SiamError } from '../errors.js';
import { redisTarget, redisUrl, waitHelp, waitOption, waitSeconds } from './redis-flags.js';
import { exitCodeFor, onStopSignals } from './stop-signals.js';

interface ServeCliOptions {
  source?: string;
  redis?: string | true;
  redisWait?: string;
  box?: string[];
  model?: string;
  host: string;
  port: string;
  token?: string;
  viewToken?: string;
  loop?: boolean;
  maxSide?: string;
  previewSide?: string;
  previewFps?: string;
  maxTargets?: string;
  backend?: string;
  engine?: string;
  preset?: string;
  json?: boolean;
}

/** Adds the `serve` command. */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve the live tracking dashboard and its WebSocket endpoint (ws://host:port/ws)')
    .option('--source <source>', 'video file, /dev/videoN, or rtsp/http(s)/udp URL')
    .option(
      '--redis [url]',
      'instead of --source: show the cameras on this Redis queue (default: $SIAMSTREAM_REDIS); see `submit live`',
    )
    .option(waitOption, waitHelp, '30')
    .option(
      '--box <x,y,w,h>',
      'start tracking this box (pixels, top-left origin) on the first frame; repeat for more (ids 1, 2, …)',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option('--model <dir>', 'clip-classifier model folder (adds clip labels)')
    .option('--host <address>', 'address to bind; anything but loopback needs --token', '127.0.0.1')
    .option('--port <n>', 'port (0 picks a free one)', '8080')
    .option('--token <token>', 'token required by the page and the WebSocket (default: $SIAMSTREAM_TOKEN)')
    .option(
      '--view-token <token>',
      'a second token that may watch but not steer (default: $SIAMSTREAM_VIEW_TOKEN); needs --token',
    )
    .option('--loop', 'loop a file source')
    .option('--max-side <px>', 'scale decoded frames so the long side is at most this')
    .option('--preview-side <px>', 'long side of the JPEG preview', '640')
    .option('--preview-fps <n>', 'preview frames per second at most', '15')
    .option('--max-targets <n>', 'targets followed at most (each costs a search per frame)', '16')
    .option('--backend <name>', 'TensorFlow.js backend: auto, node-gpu, node, wasm, cpu')
    .option(
      '--engine <name>',
      'inference engine of the trunk: auto (onnx where onnxruntime-node loads, else tfjs), onnx, tfjs',
    )
    .option('--preset <name>', presetHelp('fast (the live default: lower latency)'))
    .option('--json', 'print {"url","ws"} as one JSON line on stdout once listening')
    .action(async (opts: ServeCliOptions) => {
      checkEngineFlags(opts);
      if (opts.redis !== undefined) return serveQueueCameras(opts);
      if (!opts.source)
        throw new SiamError('ERR_BAD_OPTION', 'Expected --source (a file, camera or URL) or --redis.', {
          hint: 'siamstream serve --source video.mp4, or --redis redis://host:6379 for the cameras on a queue.',
        });
      const source = opts.source;
      const boxes = (opts.box ?? []).map(parseBoxArg);
      const maxSide = numberFlag('--max-side', opts.maxSide);
      // A --box outside a file's frames fails here, with its code, rather than in a server with
      // no client to tell (live sources are checked on their first frame, in the server).
      if (boxes.length > 0 && !isLiveSource(source) && source !== '-') {
        const info = await probeVideo(source);
        const fit = maxSide ? Math.min(1, maxSide / Math.max(info.width, info.height)) : 1;
        for (const box of boxes)
          checkBoxInFrame(box, Math.round(info.width * fit), Math.round(info.height * fit));
      }
      const server = await serve({
        source,
        box: boxes.length > 0 ? boxes : undefined,
        model: opts.model,
        host: opts.host,
        port: numberFlag('--port', opts.port),
        token: opts.token,
        viewToken: opts.viewToken ?? (process.env.SIAMSTREAM_VIEW_TOKEN || undefined),
        loop: Boolean(opts.loop),
        maxSide,
        previewMaxSide: numberFlag('--preview-side', opts.previewSide),
        previewMaxFps: numberFlag('--preview-fps', opts.previewFps),
        maxTargets: numberFlag('--max-targets', opts.maxTargets),
        tracker: {
          backend: opts.backend,
          engine: opts.engine as TrackerOptions['engine'],
          preset: opts.preset,
        },
      });
      const ws = `${server.url.replace(/^http/, 'ws')}ws`;
      const tokenNote = opts.token || process.env.SIAMSTREAM_TOKEN ? ' (open it with ?token=…)' : '';
      process.stderr.write(`siamstream: dashboard at ${server.url}${tokenNote}; WebSocket at ${ws}\n`);
      if (opts.json) process.stdout.write(`${JSON.stringify({ url: server.url, ws })}\n`);

      const log = setInterval(() => {
        const s = server.stats;
        if (!s) return;
        process.stderr.write(
          `siamstream: ${s.fpsIn} fps in, ${s.fpsOut} fps out, latency p50 ${s.latencyMs.p50 ?? '–'} / p95 ${s.latencyMs.p95 ?? '–'} ms, ` +
            `dropped ${s.dropped.decoder} (decoder) ${s.dropped.tracker} (tracker), ${s.clients} client(s)\n`,
        );
      }, 10_000);
      log.unref();
      // A file that ends keeps being served (its last state); a source that fails ends the command.
      let stopping = false;
      const failed = server.ended.then((e) => {
        if (e === undefined && !stopping)
          process.stderr.write('siamstream: source ended; still serving (Ctrl-C to stop)\n');
        return e;
      });
      let offSignals = (): void => undefined;
      let stoppedBy: NodeJS.Signals | undefined;
      const error = await new Promise<unknown>((resolve) => {
        offSignals = onStopSignals((signal) => {
          stoppedBy = signal;
          resolve(undefined);
        });
        void failed.then((e) => e !== undefined && resolve(e));
      });
      offSignals();
      stopping = true;
      clearInterval(log);
      await server.close();
      if (error !== undefined) throw error;
      // As `track` and `classify`: 128 + the signal's number (docs/errors.md, "Exit status").
      if (stoppedBy) process.exitCode = exitCodeFor(stoppedBy);
    });
}

/** `serve --redis`: a dashboard for the cameras on the queue, until SIGINT / SIGTERM / SIGHUP. */
async function serveQueueCameras(opts: ServeCliOptions): Promise<void> {
  const { serveCameras } = await import('../stream/camera-server.js');
  const server = await serveCameras({
    redis: redisTarget(redisUrl(opts.redis === true ? undefined : opts.redis), waitSeconds(opts.redisWait)),
    host: opts.host,
    port: numberFlag('--port', opts.port),
    token: opts.token,
    viewToken: opts.viewToken ?? (process.env.SIAMSTREAM_VIEW_TOKEN || undefined),
  });
  const ws = `${server.url.replace(/^http/, 'ws')}ws`;
  process.stderr.write(
    `siamstream: cameras dashboard at ${server.url} (${server.cameras.length} camera(s) on the queue now); WebSocket at ${ws}?camera=NAME\n`,
  );
  if (opts.json) process.stdout.write(`${JSON.stringify({ url: server.url, ws })}\n`);
  let offSignals = (): void => undefined;
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    offSignals = onStopSignals(resolve);
  });
  await server.close();
  offSignals();
  process.exitCode = exitCodeFor(signal);
}

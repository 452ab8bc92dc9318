/**
 * End-to-end latency of the live server: frame decoded (the server's `decodedAt` stamp, taken when
 * decode hands it over) → `track` message received by a local ws client; also → preview frame
 * received. Source: samples/tracking/video.mp4 scaled to 640x360, played in real time (`-re`),
 * looping, in `latest` mode, as a live camera would be. Also times both preview encoders (sharp,
 * jpeg-js) at preview size.
 *
 *   node --import tsx/esm bench/latency.ts [--seconds 15] [--tracker real|identity] [--backend wasm] [--workers 0] [--threads 1] [--engine auto] [--preset fast|default] [--in-process-client]
 *                                [--preview-side px] [--preview-fps n] [--preview-encoder auto|sharp|jpeg-js] [--targets n] [--json out.json]
 *
 * `--targets n` starts n targets: the sample's box and copies of it moved across the frame (one
 * trunk call a frame for all of them); the latency is then that of a frame's last target.
 */
import { spawn } from 'node:child_process';
import { measureLatencies } from './latency-client.js';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { lastValueFrom, take, tap, toArray } from 'rxjs';
import { decode } from '../src/decode/index.js';
import { encodeJpegPreview } from '../src/stream/jpeg.js';
import type { PreviewEncoderName } from '../src/stream/jpeg-encoder.js';
import { loadNativeJpeg } from '../src/stream/jpeg-native.js';
import { serve } from '../src/stream/index.js';
import type { MultiTracker } from '../src/track/index.js';
import { fakeMultiTracker } from '../test/helpers/fake-tracker.js';
import type { Frame } from '../src/types.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const VIDEO = path.resolve(here, '../samples/tracking/video.mp4');
const args = process.argv.slice(2);
const arg = (name: string): string | undefined =>
  args.includes(name) ? args[args.indexOf(name) + 1] : undefined;
const seconds = Number(arg('--seconds') ?? 15);
const trackerKind = arg('--tracker') ?? 'real';
const backend = arg('--backend') ?? 'wasm';
const workers = Number(arg('--workers') ?? 0);
const threads = arg('--threads') ? Number(arg('--threads')) : undefined; // ONNX Runtime's intra-op threads
const engine = arg('--engine') as 'auto' | 'tfjs' | 'onnx' | undefined;
const preset = arg('--preset'); // undefined: the server's live default (fast)
const previewSide = arg('--preview-side'); // undefined: the server's default
const previewFps = arg('--preview-fps');
const previewEncoder = (arg('--preview-encoder') ?? 'auto') as PreviewEncoderName;
const W = 640;
const H = 360;
const WARMUP_MS = 3000;

if (!existsSync(VIDEO)) {
  console.error(`[skip] ${VIDEO} is absent (npm run samples): nothing to measure.`);
  process.exit(0);
}

const now = (): number => performance.timeOrigin + performance.now();
const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] as number) : NaN;
};

// 1. Both preview encoders at preview size, on real frames of the sample: jpeg-js on the main
// thread (as its worker runs it), sharp as the server calls it.
const frames: Frame[] = await lastValueFrom(decode(VIDEO, { width: W, height: H }).pipe(take(20), toArray()));
const jpegMs: number[] = [];
const sharpMs: number[] = [];
let jpegBytes = 0;
let sharpBytes = 0;
const sharpEncode = await loadNativeJpeg();
for (let r = 0; r < 3; r++) {
  for (const f of frames) {
    let t0 = performance.now();
    jpegBytes = encodeJpegPreview(f.data, f.width, f.height, { maxSide: 640, quality: 70 }).jpeg.length;
    if (r > 0) jpegMs.push(performance.now() - t0);
    if (!sharpEncode) continue;
    t0 = performance.now();
    sharpBytes = (await sharpEncode(f.data, f.width, f.height, { maxSide: 640, quality: 70 })).jpeg.length;
    if (r > 0) sharpMs.push(performance.now() - t0);
  }
}

// 2. The server, a live-mode source, one client.
// The tests' fake: every target stays on its init box, at no cost (the server's own overhead alone).
const identity = (): MultiTracker => fakeMultiTracker();
const sourceLag: number[] = [];
let first: { wall: number; pts: number } | undefined;
const initBox = { x: 18 * 2, y: 102 * 1.5, width: 44 * 2, height: 36 * 1.5 }; // the sample's first box, scaled
const targetCount = Number(arg('--targets') ?? 1);
// Copies of the box moved by whole box sizes, wrapped inside the frame.
const boxes = Array.from({ length: targetCount }, (_, k) => ({
  ...initBox,
  x: (initBox.x + k * 2 * initBox.width) % (W - initBox.width),
  y:
    (initBox.y + Math.floor((k * 2 * initBox.width) / (W - initBox.width)) * 2 * initBox.height) %
    (H - initBox.height),
}));
const server = await serve({
  port: 0,
  live: true,
  box: boxes,
  frames: (hooks) =>
    decode(VIDEO, {
      width: W,
      height: H,
      realtime: true,
      loop: true,
      backpressure: 'latest',
      onInfo: hooks.onInfo,
      onDropped: hooks.onDropped,
      onStart: hooks.onStart,
    }).pipe(
      // How far behind real time a frame reaches the server: wall time since the first frame minus
      // its pts. With -re, a pipeline that keeps up holds this near 0; one that does not sees it grow
      // (frames wait in ffmpeg's pipe, before the server can stamp them).
      tap((f) => {
        const t = now();
        first ??= { wall: t, pts: f.timestampMs };
        const lag = t - first.wall - (f.timestampMs - first.pts);
        if (t - first.wall > WARMUP_MS) sourceLag.push(lag);
      }),
    ),
  ...(trackerKind === 'identity'
    ? { createTracker: identity }
    : { tracker: { backend, workers, preset, threads, engine } }),
  ...(previewSide ? { previewMaxSide: Number(previewSide) } : {}),
  ...(previewFps ? { previewMaxFps: Number(previewFps) } : {}),
  previewEncoder,
});
// The client runs in its own process, as a dashboard does; `--in-process-client` keeps it here.
const inProcessClient = args.includes('--in-process-client');
const url = `ws://127.0.0.1:${server.port}/ws`;
let trackLat: number[];
let frameLat: number[];
// Frames the tracker skipped (busy) during warm-up and during the measured window, apart.
let skippedAtWarmup = 0;
setTimeout(() => (skippedAtWarmup = server.session.counters.trackerSkipped), WARMUP_MS).unref();
if (inProcessClient) {
  ({ track: trackLat, frame: frameLat } = await measureLatencies(url, WARMUP_MS, seconds));
} else {
  const client = spawn(
    process.execPath,
    ['--import', 'tsx/esm', path.join(here, 'latency-client.ts'), url, String(WARMUP_MS), String(seconds)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  client.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  await new Promise((r) => client.on('exit', r));
  ({ track: trackLat, frame: frameLat } = JSON.parse(out) as { track: number[]; frame: number[] });
}
const stats = server.stats;
const skipped = {
  warmup: skippedAtWarmup,
  measured: server.session.counters.trackerSkipped - skippedAtWarmup,
};
await server.close();

const rows = [
  {
    what: `decoded → track received (${trackerKind}${targetCount > 1 ? `, ${targetCount} targets` : ''}${workers ? `, ${workers} worker` : ''}${threads ? `, ${threads} ORT threads` : ''}${inProcessClient ? ', client in-process' : ''})`,
    n: trackLat.length,
    p50: pct(trackLat, 50),
    p95: pct(trackLat, 95),
    rate: trackLat.length / seconds,
  },
  {
    what: 'decoded → preview frame received',
    n: frameLat.length,
    p50: pct(frameLat, 50),
    p95: pct(frameLat, 95),
    rate: frameLat.length / seconds,
  },
  {
    what: 'source lag (wall time − pts since first frame)',
    n: sourceLag.length,
    p50: pct(sourceLag, 50),
    p95: pct(sourceLag, 95),
    rate: sourceLag.length / seconds,
  },
  {
    what: `jpeg-js encode ${W}x${H} q70 (${(jpegBytes / 1024).toFixed(0)} kB)`,
    n: jpegMs.length,
    p50: pct(jpegMs, 50),
    p95: pct(jpegMs, 95),
    rate: 1000 / pct(jpegMs, 50),
  },
  ...(sharpEncode
    ? [
        {
          what: `sharp encode ${W}x${H} q70 (${(sharpBytes / 1024).toFixed(0)} kB)`,
          n: sharpMs.length,
          p50: pct(sharpMs, 50),
          p95: pct(sharpMs, 95),
          rate: 1000 / pct(sharpMs, 50),
        },
      ]
    : []),
];
console.log(
  `latency bench: ${W}x${H} live-mode source (sample, -re, latest), ${seconds} s after ${WARMUP_MS / 1000} s warm-up, previews by ${previewEncoder === 'auto' ? (sharpEncode ? 'sharp' : 'jpeg-js') : previewEncoder}`,
);
console.log(
  `${'measure'.padEnd(46)} ${'n'.padStart(5)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'per s'.padStart(7)}`,
);
for (const r of rows) {
  console.log(
    `${r.what.padEnd(46)} ${String(r.n).padStart(5)} ${r.p50.toFixed(1).padStart(8)} ${r.p95.toFixed(1).padStart(8)} ${r.rate.toFixed(1).padStart(7)}`,
  );
}
console.log(`server stats at the end: ${JSON.stringify(stats)}`);
console.log(
  `frames the tracker skipped: ${skipped.measured} in the measured ${seconds} s (${skipped.warmup} in warm-up)`,
);
const out = arg('--json');
if (out)
  writeFileSync(
    out,
    `${JSON.stringify({ width: W, height: H, seconds, tracker: trackerKind, backend, engine, workers, threads, preset, inProcessClient, previewEncoder, rows, stats, skipped }, null, 2)}\n`,
  );

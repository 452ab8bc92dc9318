/**
 * Soak: the live server tracking a looped source for a long time with a dashboard-like client
 * attached (every stream subscribed, previews included), to catch slow leaks. Every 1,000 `track`
 * messages it prints RSS, JS heap and the tensor count, then the slope of each per 10,000 frames
 * (least squares over the samples after the first, which include warm-up). The tracker runs
 * in-process here (the server's default is a worker thread) so that its tensors, heap and RSS are
 * this process's and can be read.
 *
 *   node --import tsx/esm bench/soak.ts [--frames 20000] [--preset fast|default] [--json out.json]
 *
 * The source is samples/tracking/video.mp4 decoded as fast as the tracker takes it (`latest`, no
 * `-re`), so 20,000 frames take minutes, not the 11 of real time.
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { tf } from '../src/backend/backend.js';
import { decode } from '../src/decode/index.js';
import { serve } from '../src/stream/index.js';
import { createMultiTracker } from '../src/track/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const VIDEO = path.resolve(here, '../samples/tracking/video.mp4');
const { values: args } = parseArgs({
  options: {
    frames: { type: 'string', default: '20000' },
    preset: { type: 'string' },
    json: { type: 'string' },
  },
});
const total = Number(args.frames);
const EVERY = 1000;

interface Sample {
  frames: number;
  seconds: number;
  rssMb: number;
  heapMb: number;
  tensors: number;
}

/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den > 0 ? num / den : Number.NaN;
}

if (!existsSync(VIDEO)) {
  console.error(`[skip] ${VIDEO} is absent (npm run samples): nothing to soak.`);
  process.exit(0);
}

const tracker = await createMultiTracker({ preset: args.preset ?? 'fast', backend: 'wasm' });
const server = await serve({
  port: 0,
  live: true,
  box: { x: 18, y: 102, width: 44, height: 36 }, // the sample's first box
  frames: (hooks) =>
    decode(VIDEO, {
      loop: true,
      backpressure: 'latest',
      onInfo: hooks.onInfo,
      onDropped: hooks.onDropped,
      onStart: hooks.onStart,
    }),
  createTracker: () => tracker,
});
const samples: Sample[] = [];
const t0 = performance.now();
const client = new WebSocket(`${server.url.replace(/^http/, 'ws')}ws`);
await new Promise<void>((resolve, reject) => {
  let tracks = 0;
  client.on('error', reject);
  client.on('message', (data, isBinary) => {
    if (isBinary) return; // previews: received and dropped, as a dashboard draws and forgets them
    const m = JSON.parse(String(data)) as { type: string };
    if (m.type !== 'track' || ++tracks % EVERY !== 0) return;
    const mem = process.memoryUsage();
    const s: Sample = {
      frames: tracks,
      seconds: (performance.now() - t0) / 1000,
      rssMb: mem.rss / 2 ** 20,
      heapMb: mem.heapUsed / 2 ** 20,
      tensors: tf.memory().numTensors,
    };
    samples.push(s);
    process.stdout.write(
      `${String(s.frames).padStart(6)} frames  ${s.seconds.toFixed(0).padStart(5)} s  rss ${s.rssMb.toFixed(1)} MB  heap ${s.heapMb.toFixed(1)} MB  tensors ${s.tensors}\n`,
    );
    if (tracks >= total) resolve();
  });
});
client.close();
await server.close();

const later = samples.slice(1);
const xs = later.map((s) => s.frames / 10_000);
const per10k = {
  rssMb: slope(
    xs,
    later.map((s) => s.rssMb),
  ),
  heapMb: slope(
    xs,
    later.map((s) => s.heapMb),
  ),
  tensors: slope(
    xs,
    later.map((s) => s.tensors),
  ),
};
process.stdout.write(
  `\nslope per 10,000 frames: rss ${per10k.rssMb.toFixed(2)} MB, heap ${per10k.heapMb.toFixed(2)} MB, tensors ${per10k.tensors.toFixed(2)}\n`,
);
if (args.json) writeFileSync(args.json, `${JSON.stringify({ samples, per10k }, null, 1)}\n`);

/**
 * Cost of the Siamese trunk and of the crops, per frame:
 * - trunk (MobileNetV3 cut at stride 8 / both) at the presets' input sizes, batches of 1 and 3:
 *   tfjs-wasm in-process and split over 1 or 2 worker threads, and ONNX Runtime (the onnx
 *   engine) in-process with 1 and 2 intra-op threads — the engines side by side in one run;
 * - crops at 1280×720: uploading the whole frame for `tf.image.cropAndResize` versus cropping the
 *   three scales in JS and uploading only them.
 *
 *   node --import tsx/esm bench/backbone.ts [--reps 20] [--json out.json]
 */
import { writeFileSync } from 'node:fs';
import { initBackend, tf } from '../src/backend/backend.js';
import { cropPatchesJs, cropPatchesTf, meanColour } from '../src/track/crop.js';
import { createInProcessEmbedder, createWorkerEmbedder, type Embedder } from '../src/track/embedder.js';
import type { FeatureLayer } from '../src/track/params.js';
import type { Frame } from '../src/types.js';

const repsArg = process.argv.indexOf('--reps');
const REPS = repsArg > 0 ? Number(process.argv[repsArg + 1]) : 20;

async function time(fn: () => Promise<unknown> | unknown, reps = REPS): Promise<number> {
  for (let i = 0; i < 3; i++) await fn();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) await fn();
  return (performance.now() - t0) / reps;
}

const rows: Array<Record<string, string | number>> = [];
await initBackend('wasm');

// Trunk: in-process vs workers.
for (const layer of ['stride8', 'both'] as FeatureLayer[]) {
  const wasm = { engine: 'tfjs', backend: 'wasm', threads: 1, layer } as const;
  const onnx = { engine: 'onnx', backend: 'wasm', layer } as const;
  const embedders: Array<[string, Embedder]> = [
    ['wasm in-process', await createInProcessEmbedder(wasm)],
    ['wasm 1 worker', await createWorkerEmbedder(wasm, 1)],
    ['wasm 2 workers', await createWorkerEmbedder(wasm, 2)],
    ['onnx 1 thread', await createInProcessEmbedder({ ...onnx, threads: 1 })],
    ['onnx 2 threads', await createInProcessEmbedder({ ...onnx, threads: 2 })],
  ];
  for (const size of [128, 192]) {
    for (const count of [1, 3]) {
      const pixels = Float32Array.from({ length: count * size * size * 3 }, () => Math.random() * 255);
      for (const [where, e] of embedders) {
        const ms = await time(() => e.embed(pixels, count, size));
        rows.push({ what: `trunk ${layer}`, where, size, count, ms: Number(ms.toFixed(2)) });
      }
    }
  }
  for (const [, e] of embedders) await e.dispose();
}

// Crops at 1280x720: three 192² scales.
const W = 1280;
const H = 720;
const frame: Frame = {
  index: 0,
  timestampMs: 0,
  width: W,
  height: H,
  data: Uint8Array.from({ length: W * H * 3 }, (_, i) => (i * 7) & 255),
};
const regions = [0.96, 1, 1.04].map((f) => ({ cx: 640, cy: 400, side: 400 * f }));
const mean = meanColour(frame);
const out = new Float32Array(3 * 192 * 192 * 3);
const jsMs = await time(async () => {
  cropPatchesJs(frame, regions, 192, mean, out);
  const t = tf.tensor4d(out, [3, 192, 192, 3]);
  await t.data();
  t.dispose();
});
rows.push({ what: 'crop 3×192² + upload', where: 'js', size: 192, count: 3, ms: Number(jsMs.toFixed(2)) });
const tfMs = await time(async () => {
  const t = cropPatchesTf(frame, regions, 192, mean);
  await t.data();
  t.dispose();
});
rows.push({
  what: 'upload frame + cropAndResize',
  where: 'backend',
  size: 192,
  count: 3,
  ms: Number(tfMs.toFixed(2)),
});

console.log('what                            where            size  count      ms');
for (const r of rows) {
  console.log(
    `${String(r.what).padEnd(31)} ${String(r.where).padEnd(15)} ${String(r.size).padStart(5)} ${String(r.count).padStart(6)} ${String(r.ms).padStart(7)}`,
  );
}
const json = process.argv.indexOf('--json');
if (json > 0 && process.argv[json + 1]) writeFileSync(process.argv[json + 1], JSON.stringify(rows, null, 1));

/**
 * Speed of `classify` end to end on a 10 s 640x480 clip (decode included): a gesture clip from
 * ../shared/data looped to 10 s with ffmpeg (or, without the shared data, a generated sample
 * scaled up). Prints × real time in-process (model loaded) and for the whole CLI process, and
 * where the time goes (trunk, flow, heads, the rest = waiting on decode).
 *
 * In process, both ways of running the motion stream: in a worker thread (`flowInWorker`, the
 * default on wasm; "flow wait" is then the time the main thread waited for the worker after the
 * trunk) and in process (flow wait = flow). The CLI runs with the default.
 *
 *   node --import tsx/esm bench/classify.ts [--model MODEL_DIR] [--runs 3] [--json out.json]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../src/backend/backend.js';
import { createClipClassifier } from '../src/classify/classifier.js';
import { DEFAULT_STREAM_CONFIG } from '../src/classify/config.js';
import { initHeadWeights } from '../src/classify/head.js';
import { disposeClipModel, saveClipModel } from '../src/classify/model.js';
import { buildModelConfig } from '../src/classify/train.js';
import { classifyFile } from '../src/classify/classify-file.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const args = process.argv.slice(2);
const arg = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const runs = Number(arg('--runs') ?? 3);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'siam-bench-classify-'));

try {
  const gesture = path.resolve(root, '../shared/data/actions/gestures/wave_one_hand/PS7A2P1T1.avi');
  const source = existsSync(gesture) ? gesture : path.join(root, 'samples/actions/move_left/move_left-1.mp4');
  const clip = path.join(tmp, 'ten-seconds.mp4');
  execFileSync('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-stream_loop',
    '-1',
    '-i',
    source,
    '-t',
    '10',
    '-vf',
    'scale=640:480',
    '-r',
    '30',
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-an',
    clip,
  ]);

  await initBackend('wasm');
  let modelDir = arg('--model');
  if (!modelDir) {
    // Speed does not depend on the weights: an untrained model of the default shape.
    const config = buildModelConfig(['a', 'b', 'c'], DEFAULT_STREAM_CONFIG, ['appearance', 'motion']);
    const model = {
      config,
      weights: {
        ...initHeadWeights('appearance', config.heads.appearance, 3, 1),
        ...initHeadWeights('motion', config.heads.motion, 3, 2),
      },
    };
    modelDir = path.join(tmp, 'model');
    await saveClipModel(model, modelDir);
    disposeClipModel(model);
  }
  const modes: Array<{
    name: string;
    flowInWorker: boolean;
    loadMs: number;
    results: Array<Record<string, number>>;
  }> = [];
  for (const flowInWorker of [true, false]) {
    const t0 = performance.now();
    const classifier = await createClipClassifier({ model: modelDir, flowInWorker });
    const loadMs = performance.now() - t0;
    const results: Array<Record<string, number>> = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      const r = await classifyFile(classifier, clip);
      const totalMs = performance.now() - t;
      const sum = (k: `${string}Ms`) => r.windows.reduce((a, w) => a + (w.timings[k] ?? 0), 0);
      results.push({
        totalMs,
        windows: r.windows.length,
        trunkMs: sum('trunkMs'),
        flowMs: sum('flowMs'),
        flowWaitMs: sum('flowWaitMs'),
        headMs: sum('headMs'),
        xRealTime: 10000 / totalMs,
      });
    }
    classifier.dispose();
    modes.push({
      name: flowInWorker ? 'flow in a worker' : 'flow in process',
      flowInWorker,
      loadMs,
      results,
    });
  }
  // The installed command runs the compiled dist/ (built by npm ci); from a checkout without a
  // build, the TypeScript source through tsx (slower to start).
  const installed = existsSync(path.join(root, 'dist/cli/main.js'));
  const cliArgs = installed ? ['bin/siamstream.js'] : ['--import', 'tsx/esm', 'src/cli/main.ts'];
  const t1 = performance.now();
  const cliRun = spawnSync(process.execPath, [...cliArgs, 'classify', clip, '--model', modelDir], {
    cwd: root,
    encoding: 'utf8',
  });
  const cliMs = performance.now() - t1;
  if (cliRun.status !== 0) throw new Error(`CLI failed: ${cliRun.stderr}`);

  console.log(
    `\nclassify, 10 s 640x480 clip (${path.basename(source)} looped), fps ${DEFAULT_STREAM_CONFIG.fps}, window ${DEFAULT_STREAM_CONFIG.clipLength}\n`,
  );
  console.log(
    '| mode | run | total ms | × real time | trunk ms | flow ms | flow wait ms | heads ms | decode wait + rest ms | windows |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const m of modes) {
    m.results.forEach((r, i) => {
      const rest = r.totalMs - r.trunkMs - r.flowWaitMs - r.headMs;
      console.log(
        `| ${m.name} | ${i + 1} | ${r.totalMs.toFixed(0)} | **${r.xRealTime.toFixed(1)}×** | ${r.trunkMs.toFixed(0)} | ${r.flowMs.toFixed(0)} | ${r.flowWaitMs.toFixed(0)} | ${r.headMs.toFixed(0)} | ${rest.toFixed(0)} | ${r.windows} |`,
      );
    });
  }
  console.log(`\nmodel load: ${modes.map((m) => `${m.name} ${m.loadMs.toFixed(0)} ms`).join(', ')}`);
  const how = installed ? 'node bin/siamstream.js (dist)' : 'node --import tsx/esm src/cli/main.ts';
  console.log(
    `\nwhole CLI process, ${how} (node start, wasm init, model load, decode, classify): ${cliMs.toFixed(0)} ms = ${(10000 / cliMs).toFixed(1)}× real time`,
  );
  const out = arg('--json');
  if (out) writeFileSync(out, JSON.stringify({ modes, cliMs, cli: installed ? 'dist' : 'tsx' }, null, 2));
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

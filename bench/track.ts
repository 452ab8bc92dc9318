/**
 * Tracker benchmark: our tracker against OpenCV's CSRT on the same sequences, in the same run.
 *
 *   node --import tsx/esm bench/track.ts [--json out.json] [--seqs a,b] [--data DIR] [--peers CSRT] [--backend …] [--engine …] [--preset …] [--threads n] [--peer-threads n|all]
 *
 * Runs the OTB evaluation of src/eval on DIR (default ../shared/data/tracking) and
 * `/usr/bin/python3 ../shared/tools/opencv_peers.py --trackers CSRT` on the same sequences,
 * alternating sequence by sequence (never side by side: they would share the two cores), and
 * prints a table of AUC / P@20 / tracker fps per sequence for both, the fps ratio ours / peer (absolute fps move
 * with the machine's load; the ratio in one run is the figure to quote), and the end-to-end
 * (decode + track) fps on the 1280x720 sequences against the 30 fps target; then the mean AUC
 * of each fold (FOLDS below: parameters are chosen on one fold and reported on the other), of
 * the original 8 and the 9 newer sequences, AUC by attribute and the lost flag against the
 * absent (`nan`) frames (src/eval's summary tables).
 *
 * Tracker-only fps is measured as opencv_peers.py measures it: the frames decoded first, then the
 * time inside `init()` + `update()` alone (a second pass of ours over the sequence held in memory,
 * timed only: its boxes are not scored). The evaluation's own pass, beside ffmpeg decoding on the
 * other core, gives the AUC, the end-to-end fps and the "beside decode" column.
 *
 * Threads: ours runs ONNX Runtime with `--threads` intra-op threads (default 1) and the peer runs
 * with as many OpenCV threads (`cv2.setNumThreads`, set by a two-line bootstrap around the
 * unchanged script), so that the ratio compares trackers on equal cores. OpenCV's own default
 * is every core (CSRT runs ~1.3–1.5× faster on two than on one here); `--peer-threads all`
 * keeps it, `--peer-threads n` sets another count.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { count, lastValueFrom, take, toArray } from 'rxjs';
import { decode } from '../src/decode/index.js';
import {
  listSequences,
  runEval,
  summaryJson,
  type EvalSummary,
  type SequenceEntry,
} from '../src/eval/index.js';
import { readGroundTruth } from '../src/eval/groundtruth.js';
import { isValidGt } from '../src/eval/metrics.js';
import { summarise, type SequenceSummary } from '../src/eval/summary.js';
import { formatSummaryTable } from '../src/eval/summary-table.js';
import { createTracker, type Tracker, type TrackerOptions } from '../src/track/index.js';

/**
 * The two folds of ../shared/data/tracking used to choose parameters (docs/tracker.md): each
 * holds about half of the original 8 and half of the newer 9, with tiny, absent, fast and
 * shape-changing targets on both sides.
 */
const FOLDS: Record<string, readonly string[]> = {
  A: ['Basketball', 'Crossing', 'Surfer', 'boat1', 'Gull2', 'S1001', 'bolt1', 'group3_2', 'wakeboard4'],
  B: ['Couple', 'Football1', 'bag', 'person11', 'KiteSurf', 'S1301', 'car14', 'truck2'],
};
/** The sequences of the first shared set (the rest were added for the hard cases). */
const ORIGINAL_8 = ['Basketball', 'Couple', 'Crossing', 'Football1', 'Surfer', 'bag', 'boat1', 'person11'];

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const E2E_TARGET_FPS = 30;

const { values: args } = parseArgs({
  options: {
    json: { type: 'string' },
    seqs: { type: 'string' },
    data: { type: 'string', default: path.resolve(repo, '../shared/data/tracking') },
    peers: { type: 'string', default: 'CSRT' },
    'peers-script': { type: 'string', default: path.resolve(repo, '../shared/tools/opencv_peers.py') },
    python: { type: 'string', default: '/usr/bin/python3' },
    backend: { type: 'string' },
    engine: { type: 'string' },
    preset: { type: 'string' },
    // ONNX Runtime's intra-op threads (default 1), and the peer's OpenCV threads unless --peer-threads.
    threads: { type: 'string' },
    'peer-threads': { type: 'string' },
  },
});

interface PeerScore {
  auc: number;
  p20: number;
  fps: number;
  frames: number;
  fail_frames: number;
}
type PeerResults = Record<string, Record<string, PeerScore>>;

/**
 * Runs opencv_peers.py with `threads` OpenCV threads (0: OpenCV's default, every core) through a
 * bootstrap that sets them and then runs the script as its own `__main__`; its log goes to our
 * stderr; reads its JSON.
 */
function runPeers(outDir: string, seqs: string[], threads: number): Promise<PeerResults> {
  const out = path.join(outDir, 'opencv_results.json');
  const bootstrap = [
    'import runpy, sys, cv2',
    'n = int(sys.argv.pop(1))',
    'if n > 0: cv2.setNumThreads(n)',
    'sys.argv = sys.argv[1:]',
    "runpy.run_path(sys.argv[0], run_name='__main__')",
  ].join('\n');
  const argv = [
    '-c',
    bootstrap,
    String(threads),
    args['peers-script']!,
    '--data',
    args.data!,
    '--trackers',
    args.peers!,
    '--seqs',
    seqs.join(','),
    '--out',
    out,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(args.python!, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
    // Its per-run Markdown table is left out: the combined table comes at the end.
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (!line.startsWith('|')) process.stderr.write(`  [peers] ${line}\n`);
    });
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0) reject(new Error(`opencv_peers.py exited with code ${code}`));
      else resolve(JSON.parse(readFileSync(out, 'utf8')) as PeerResults);
    });
  });
}

const fix = (v: number | undefined, d: number): string =>
  v !== undefined && Number.isFinite(v) ? v.toFixed(d) : 'n/a';
const avg = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;

/** Frames per second of decoding alone (ffmpeg → RGB frames, nothing done with them). */
async function decodeFps(video: string): Promise<number> {
  const t0 = performance.now();
  const frames = await lastValueFrom(decode(video).pipe(count()));
  return frames / ((performance.now() - t0) / 1000);
}

/**
 * Tracker-only fps with the frames already in memory, as opencv_peers.py times its trackers:
 * `init` on the first frame with the first ground-truth box, `update` on the rest of the frames
 * the ground truth covers, decode excluded and not running meanwhile.
 */
async function inMemoryFps(tracker: Tracker, seq: SequenceEntry): Promise<number> {
  const gt = await readGroundTruth(seq.groundTruth);
  const frames = await lastValueFrom(decode(seq.video).pipe(take(gt.length), toArray()));
  const first = gt[0];
  // The evaluation's pass has run on this sequence: its first box is usable (run-eval.ts checks it).
  if (!isValidGt(first)) throw new Error(`${seq.groundTruth}: the first line is not a box`);
  const t0 = performance.now();
  await tracker.init(frames[0], first);
  for (let i = 1; i < frames.length; i++) await tracker.update(frames[i]);
  return frames.length / ((performance.now() - t0) / 1000);
}

/** `--peer-threads`: a count, `all` (0: OpenCV's default), or unset (the same as ours). */
function parsePeerThreads(value: string | undefined, ours: number): number {
  if (value === undefined) return ours;
  if (value === 'all') return 0;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`--peer-threads: expected a positive integer or "all", got ${value}`);
  return n;
}

function overallFps(scores: { frames: number; fps: number }[]): number {
  return scores.reduce((n, s) => n + s.frames, 0) / scores.reduce((t, s) => t + s.frames / s.fps, 0);
}

async function main(): Promise<void> {
  if (!existsSync(args.data!)) throw new Error(`no data folder ${args.data} (the shared evaluation data)`);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'siam-bench-track-'));
  try {
    // Ours and the peer alternate sequence by sequence, so that both see about the same load
    // on the shared machine; one tracker serves every sequence (created once, as in `eval`).
    const entries = listSequences(args.data!, args.seqs?.split(',').filter(Boolean));
    const seqs = entries.map((s) => s.name);
    const peerName = args.peers!.split(',')[0];
    const tracker = await createTracker({
      backend: args.backend,
      engine: args.engine as TrackerOptions['engine'],
      preset: args.preset,
      threads: args.threads === undefined ? undefined : Number(args.threads),
    });
    const oursThreads = tracker.options.threads;
    const peerThreads = parsePeerThreads(args['peer-threads'], oursThreads);
    const peerThreadsLabel =
      peerThreads === 0 ? `OpenCV's default (${os.cpus().length})` : String(peerThreads);
    console.error(
      `bench/track: engine ${tracker.options.engine}, ${oursThreads} thread(s); peer threads ${peerThreadsLabel}`,
    );
    // runEval disposes its tracker: this one outlives each run, so its dispose is a no-op there.
    const shared: Tracker = {
      init: (frame, box) => tracker.init(frame, box),
      update: (frame) => tracker.update(frame),
      reset: () => tracker.reset(),
      dispose: async () => undefined,
      numTensors: () => tracker.numTensors(),
      options: tracker.options,
    };
    const oursSeqs: Record<string, SequenceSummary> = {};
    const memFps: Record<string, number> = {};
    const peers: PeerResults = {};
    try {
      for (const entry of entries) {
        const { name } = entry;
        const one = await runEval({
          dataDir: args.data!,
          outDir: path.join(tmp, 'ours'),
          sequences: [name],
          trackerFactory: async () => shared,
        });
        const s = (oursSeqs[name] = one.sequences[name]);
        const m = (memFps[name] = await inMemoryFps(shared, entry));
        process.stderr.write(
          `  [ours]  ${name.padEnd(12)} AUC=${fix(s.auc, 3)} P@20=${fix(s.p20, 3)} fps=${fix(m, 1)} beside-decode=${fix(s.fps, 1)} e2e=${fix(s.e2eFps, 1)}\n`,
        );
        const p = await runPeers(tmp, [name], peerThreads);
        for (const [t, r] of Object.entries(p)) Object.assign((peers[t] ??= {}), r);
      }
    } finally {
      tracker.dispose();
    }
    const ours: EvalSummary = summarise(oursSeqs, {
      backend: args.backend,
      engine: tracker.options.engine,
      preset: args.preset,
    });
    const peer = peers[peerName];

    const rows = [
      `| sequence | size | frames | ours AUC / P@20 | ${peerName} AUC / P@20 | ours fps | ${peerName} fps | fps ratio | ours fps beside decode | ours e2e fps |`,
      '|---|---|---:|---|---|---:|---:|---:|---:|---:|',
    ];
    const perSeq: Record<string, unknown> = {};
    for (const name of seqs) {
      const o = ours.sequences[name];
      const p = peer[name];
      const ratio = memFps[name] / p.fps;
      perSeq[name] = {
        ours: { auc: o.auc, p20: o.p20, fps: memFps[name], fpsBesideDecode: o.fps, e2eFps: o.e2eFps },
        peer: p,
        fpsRatio: ratio,
      };
      rows.push(
        `| ${name} | ${o.width}x${o.height} | ${o.frames} | ${fix(o.auc, 3)} / ${fix(o.p20, 3)} | ${fix(p.auc, 3)} / ${fix(p.p20, 3)} | ${fix(memFps[name], 1)} | ${fix(p.fps, 1)} | ${fix(ratio, 2)} | ${fix(o.fps, 1)} | ${fix(o.e2eFps, 1)} |`,
      );
    }
    const peerMean = { auc: avg(seqs.map((s) => peer[s].auc)), p20: avg(seqs.map((s) => peer[s].p20)) };
    const peerFps = overallFps(seqs.map((s) => peer[s]));
    const oursFps = overallFps(seqs.map((s) => ({ frames: ours.sequences[s].frames, fps: memFps[s] })));
    rows.push(
      `| **mean** | | ${ours.frames} | **${fix(ours.mean.auc, 3)} / ${fix(ours.mean.p20, 3)}** | **${fix(peerMean.auc, 3)} / ${fix(peerMean.p20, 3)}** | ${fix(oursFps, 1)} | ${fix(peerFps, 1)} | ${fix(oursFps / peerFps, 2)} | ${fix(ours.fps, 1)} | ${fix(ours.e2eFps, 1)} |`,
    );
    const hd = seqs.filter((s) => ours.sequences[s].width === 1280 && ours.sequences[s].height === 720);
    const e2e: { sequence: string; e2eFps: number; decodeOnlyFps: number; meetsTarget: boolean }[] = [];
    for (const s of hd) {
      const e2eFps = ours.sequences[s].e2eFps;
      const decodeOnlyFps = await decodeFps(path.join(args.data!, s, 'video.mp4'));
      e2e.push({ sequence: s, e2eFps, decodeOnlyFps, meetsTarget: e2eFps >= E2E_TARGET_FPS });
    }
    const e2eRows = [
      '| 1280x720 sequence | e2e fps (decode + track) | decode-only fps | target |',
      '|---|---:|---:|---|',
    ];
    for (const r of e2e) {
      const verdict = `${r.meetsTarget ? 'ok' : 'below'} (≥ ${E2E_TARGET_FPS})`;
      e2eRows.push(`| ${r.sequence} | ${fix(r.e2eFps, 1)} | ${fix(r.decodeOnlyFps, 1)} | ${verdict} |`);
    }

    const groups: Record<string, string[]> = {
      'fold A': seqs.filter((s) => FOLDS.A.includes(s)),
      'fold B': seqs.filter((s) => FOLDS.B.includes(s)),
      'original 8': seqs.filter((s) => ORIGINAL_8.includes(s)),
      'newer 9': seqs.filter((s) => !ORIGINAL_8.includes(s)),
      all: seqs,
    };
    const groupRows = [
      `| group | sequences | ours AUC / P@20 | ${peerName} AUC / P@20 | ours AUC < 0.25 |`,
      '|---|---:|---|---|---:|',
    ];
    const groupJson: Record<string, unknown> = {};
    for (const [name, members] of Object.entries(groups)) {
      if (!members.length) continue;
      const o = {
        auc: avg(members.map((s) => ours.sequences[s].auc)),
        p20: avg(members.map((s) => ours.sequences[s].p20)),
      };
      const p = { auc: avg(members.map((s) => peer[s].auc)), p20: avg(members.map((s) => peer[s].p20)) };
      const low = members.filter((s) => ours.sequences[s].auc < 0.25).length;
      groupJson[name] = { sequences: members, ours: o, peer: p, below025: low };
      groupRows.push(
        `| ${name} | ${members.length} | ${fix(o.auc, 3)} / ${fix(o.p20, 3)} | ${fix(p.auc, 3)} / ${fix(p.p20, 3)} | ${low} |`,
      );
    }
    // The attribute and lost-vs-absent tables of src/eval (the per-sequence table is above).
    const evalTables = formatSummaryTable(ours).split('\n\n').slice(1).join('\n\n');

    const load = os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
    process.stdout.write(`\n${rows.join('\n')}\n\n${hd.length ? `${e2eRows.join('\n')}\n\n` : ''}`);
    process.stdout.write(`${groupRows.join('\n')}\n\n${evalTables}\n`);
    process.stdout.write(
      `(${os.cpus().length} cores, load ${load}; threads: ours ${oursThreads}, ${peerName} ${peerThreadsLabel}; ` +
        `fps ratio = ours / ${peerName}, sequences alternating in this run)\n`,
    );

    if (args.json) {
      const report = {
        createdAt: new Date().toISOString(),
        machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, loadavg: os.loadavg() },
        peer: peerName,
        threads: { ours: oursThreads, peer: peerThreads === 0 ? 'default' : peerThreads },
        sequences: perSeq,
        mean: { ours: ours.mean, peer: peerMean },
        fps: {
          ours: oursFps,
          peer: peerFps,
          ratio: oursFps / peerFps,
          oursBesideDecode: ours.fps,
          oursE2e: ours.e2eFps,
        },
        e2e1280x720: { targetFps: E2E_TARGET_FPS, sequences: e2e },
        groups: groupJson,
        ours: JSON.parse(summaryJson(ours)) as unknown,
        peers,
      };
      writeFileSync(args.json, `${JSON.stringify(report, null, 1)}\n`);
      process.stderr.write(`wrote ${path.resolve(args.json)}\n`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench/track: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exitCode = 1;
});

/**
 * `siamstream eval --data DIR [--out DIR] [--seqs a,b] [--backend …] [--preset …] [--json]`:
 * OTB one-pass evaluation over every sequence folder of DIR (see src/eval/run-eval.ts and
 * docs/eval.md). Writes `<out>/<seq>.txt`, `<out>/summary.json` and `<out>/success.svg`; prints
 * the tables (per sequence with its tags, per attribute tag, lost vs absent frames) on stdout, or
 * with `--json` the summary JSON on stdout and the tables on stderr.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { formatSummaryTable, runEval, summaryJson } from '../eval/index.js';
import { checkEngineFlags } from './engine-flags.js';
import { checkOutputs } from './output-path.js';
import { presetHelp } from './preset-help.js';
import { createProgress } from './progress.js';

interface EvalCliOptions {
  data: string;
  out: string;
  seqs?: string;
  backend?: string;
  engine?: string;
  preset?: string;
  json?: boolean;
}

/** Adds the `eval` command. */
export function registerEval(program: Command): void {
  program
    .command('eval')
    .description(
      'OTB one-pass evaluation (success AUC, P@20, fps; AUC by attribute; lost vs absent frames) over a folder of sequences',
    )
    .requiredOption(
      '--data <dir>',
      'folder of sequence folders, each with video.mp4, groundtruth.txt (x,y,w,h, 0-based) and optionally meta.json',
    )
    .option('--out <dir>', 'where <seq>.txt, summary.json and success.svg go', 'out/eval')
    .option('--seqs <names>', 'comma-separated sequence names (default: every sequence folder)')
    .option('--backend <name>', 'TensorFlow.js backend: auto, node-gpu, node, wasm, cpu')
    .option(
      '--engine <name>',
      'inference engine of the trunk: auto (onnx where onnxruntime-node loads, else tfjs), onnx, tfjs',
    )
    .option('--preset <name>', presetHelp())
    .option('--json', 'print the summary JSON on stdout (the tables go to stderr)')
    .action(async (opts: EvalCliOptions) => {
      const sequences = opts.seqs
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      checkEngineFlags(opts);
      checkOutputs([{ flag: '--out', file: path.join(opts.out, 'summary.json') }], []);
      const progress = createProgress({ label: 'eval', unit: 'frames' });
      let started = false;
      let summary;
      try {
        summary = await runEval({
          dataDir: opts.data,
          outDir: opts.out,
          sequences,
          backend: opts.backend,
          engine: opts.engine,
          preset: opts.preset,
          onProgress: (p) => {
            if (!started) progress.setTotal(p.total);
            started = true;
            progress.tick();
          },
        });
      } finally {
        progress.stop();
      }
      const table = formatSummaryTable(summary);
      const outDir = path.resolve(opts.out);
      if (opts.json) {
        process.stderr.write(table);
        process.stdout.write(summaryJson(summary));
      } else {
        process.stdout.write(table);
      }
      process.stderr.write(
        `siamstream eval: ${Object.keys(summary.sequences).length} sequences; predictions, summary.json and success.svg in ${outDir}\n`,
      );
    });
}

/**
 * `siamstream doctor` (and `--version`): says which ffmpeg and which TensorFlow.js backend
 * would be used, and where they come from.
 */
import { createRequire } from 'node:module';
import { CommanderError, type Command } from 'commander';
import { initBackend } from '../backend/backend.js';
import { loadOnnxRuntime, onnxProviders, resolveEngine } from '../backend/engine.js';
import { ffmpegCapabilities, resolveFfmpeg } from '../decode/index.js';
import { isSiamError } from '../errors.js';

const require = createRequire(import.meta.url);
const pkg = require('../../package.json') as { version: string };

/** The package's version (package.json). */
export const VERSION: string = pkg.version;

/** Which ffmpeg decode() would run: path, where it was found, its version line, and ffprobe. */
export interface FfmpegReport {
  path?: string;
  source?: 'FFMPEG_PATH' | 'system' | 'packaged';
  version?: string;
  ffprobePath?: string;
  /** Set when no usable ffmpeg was found (the `ERR_…: message` text). */
  error?: string;
}

/** Which ffmpeg would be used, or why none can be; never throws. */
export function ffmpegReport(): FfmpegReport {
  try {
    const loc = resolveFfmpeg();
    return {
      path: loc.path,
      source: loc.source,
      version: ffmpegCapabilities(loc.path).versionLine,
      ffprobePath: loc.ffprobePath,
    };
  } catch (e) {
    return { error: isSiamError(e) ? e.toString() : String(e) };
  }
}

function ffmpegLine(f: FfmpegReport): string {
  return f.error
    ? `ffmpeg: not found (${f.error})\n`
    : `ffmpeg: ${f.path} (${f.source}; ${f.version}; ffprobe: ${f.ffprobePath ?? 'none'})\n`;
}

/** Adds `doctor` (alias `version`) and the `--version` option. */
export function registerDoctor(program: Command): void {
  program.version(VERSION, '-V, --version-only', 'print the version number alone');
  // `--version`: the version and which ffmpeg (synchronous, so no backend: `doctor` adds that).
  program.option(
    '--version',
    'print the version and the ffmpeg binary that would be used (doctor: + backend)',
  );
  program.on('option:version', () => {
    const ffmpeg = ffmpegReport();
    process.stdout.write(`siamstream ${VERSION} (node ${process.version})\n${ffmpegLine(ffmpeg)}`);
    throw new CommanderError(0, 'siamstream.version', ''); // stop parsing; main() exits with 0
  });
  program
    .command('doctor')
    .alias('version')
    .description('print the version, the ffmpeg binary and the TensorFlow.js backend that would be used')
    .option('--backend <name>', 'backend to try: auto, node-gpu, node, wasm, cpu')
    .option('--engine <name>', 'inference engine to try: auto, onnx, tfjs')
    .option('--json', 'print JSON')
    .action(async (opts: { backend?: string; engine?: string; json?: boolean }) => {
      const backend = await initBackend(opts.backend);
      const engine = await engineReport(opts.engine);
      const ffmpeg = ffmpegReport();
      const report = { version: VERSION, node: process.version, ffmpeg, backend, engine };
      if (opts.json) process.stdout.write(`${JSON.stringify(report)}\n`);
      else {
        process.stdout.write(`siamstream ${VERSION} (node ${process.version})\n`);
        process.stdout.write(ffmpegLine(ffmpeg));
        process.stdout.write(
          `backend: ${backend.name} (${backend.packageName}; tfjs "${backend.tfBackend}")\n`,
        );
        process.stdout.write(
          engine.name === 'onnx'
            ? `engine: onnx (onnxruntime-node ${engine.onnxruntime}; providers ${engine.providers.join(', ')})\n`
            : `engine: tfjs (the backend above)\n`,
        );
      }
    });
}

/** Which engine runs the trunk, and ONNX Runtime's version and providers when it is onnx. */
async function engineReport(
  requested?: string,
): Promise<{ name: 'tfjs' | 'onnx'; onnxruntime?: string; providers: string[] }> {
  const name = await resolveEngine(requested);
  if (name === 'tfjs') return { name, providers: [] };
  const ort = await loadOnnxRuntime();
  return { name, onnxruntime: ort.env.versions.node ?? ort.env.versions.common, providers: onnxProviders() };
}

#!/usr/bin/env node
/**
 * The `siamstream` command line. One file per command under src/cli/; each exports a
 * `register…(program)` that adds its command. Machine-readable output goes to stdout only;
 * progress, logs and errors go to stderr.
 */
import { Command, CommanderError } from 'commander';
import { isSiamError, SiamError } from '../errors.js';
import { registerDoctor } from './doctor.js';
import { registerEval } from './eval.js';
import { registerServe } from './serve.js';
import { registerTrack } from './track.js';
import { registerTrain } from './train.js';
import { registerClassify } from './classify.js';
import { registerQueue } from './queue.js';
import { registerCameras } from './cameras.js';

/** The commander program with every command registered (it throws instead of exiting). */
export function buildProgram(): Command {
  const program = new Command('siamstream')
    .description('Real-time video object tracking and clip classification on TensorFlow.js + ffmpeg.')
    .showHelpAfterError()
    // Commander's own error line is replaced by our coded one (reportError); its help still shows.
    .configureOutput({ outputError: () => {} })
    .exitOverride();
  registerDoctor(program);
  registerTrack(program);
  registerEval(program);
  registerServe(program);
  registerTrain(program);
  registerClassify(program);
  registerQueue(program);
  registerCameras(program);
  return program;
}

/** Prints a SiamError as `ERR_CODE: message (hint: …)` on stderr and sets the exit code. */
export function reportError(e: unknown): void {
  if (e instanceof CommanderError) {
    if (e.exitCode === 0) {
      process.exitCode = 0; // --help, --version
      return;
    }
    // One line: commander puts its "(Did you mean …?)" on a line of its own.
    const message = e.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ');
    const usage = new SiamError('ERR_USAGE', message, {
      hint: 'siamstream --help, or siamstream <command> --help',
    });
    process.stderr.write(`siamstream: ${usage.toString()}\n`);
    process.exitCode = 2;
    return;
  }
  if (isSiamError(e)) {
    process.stderr.write(`siamstream: ${e.toString()}\n`);
    if (process.env.SIAMSTREAM_DEBUG && e.stack) process.stderr.write(`${e.stack}\n`);
    const tail = e.details?.stderrTail;
    if (process.env.SIAMSTREAM_DEBUG && typeof tail === 'string')
      process.stderr.write(`ffmpeg stderr:\n${tail}\n`);
    process.exitCode = 2;
    return;
  }
  process.stderr.write(`siamstream: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exitCode = 1;
}

/** Runs the CLI on `argv`; errors are reported on stderr and set the exit code. */
export async function main(argv: string[] = process.argv): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (e) {
    reportError(e);
  }
}

const isEntry = import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('/main.ts');
if (isEntry) void main();

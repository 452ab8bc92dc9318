#!/usr/bin/env node
/**
 * The `siamstream` command line. One file per command under src/cli/; each exports a
 * `register…(program)` that adds its command. Machine-readable output goes to stdout only;
 * progress, logs and errors go to stderr.
 *
 * A command's module (and what it imports: TensorFlow.js, RxJS, ws, …) is imported only when that
 * command runs: `siamstream classify …` loads the classify command alone; `--help`, `help` or an
 * unknown name load them all, to list them.
 */
import { Command, CommanderError } from 'commander';
import { isSiamError, SiamError } from '../errors.js';

type Register = (program: Command) => void;

/** The modules that register the commands, in the order `--help` lists them, and their top-level command names. */
const MODULES: Array<{ names: string[]; load: () => Promise<Register> }> = [
  { names: ['doctor'], load: async () => (await import('./doctor.js')).registerDoctor },
  { names: ['track'], load: async () => (await import('./track.js')).registerTrack },
  { names: ['eval'], load: async () => (await import('./eval.js')).registerEval },
  { names: ['serve'], load: async () => (await import('./serve.js')).registerServe },
  { names: ['train'], load: async () => (await import('./train.js')).registerTrain },
  { names: ['classify'], load: async () => (await import('./classify.js')).registerClassify },
  {
    // `submit live` and `cameras` (cameras.ts) extend the queue's `submit`: one unit.
    names: ['worker', 'submit', 'jobs', 'cameras'],
    load: async () => {
      const [{ registerQueue }, { registerCameras }] = await Promise.all([
        import('./queue.js'),
        import('./cameras.js'),
      ]);
      return (program) => {
        registerQueue(program);
        registerCameras(program);
      };
    },
  },
];

/**
 * The commander program (it throws instead of exiting) with the command `only` registered, or
 * every command when `only` is not one of their names.
 */
export async function buildProgram(only?: string): Promise<Command> {
  const program = new Command('siamstream')
    .description('Real-time video object tracking and clip classification on TensorFlow.js + ffmpeg.')
    .showHelpAfterError()
    // Commander's own error line is replaced by our coded one (reportError); its help still shows.
    .configureOutput({ outputError: () => {} })
    .exitOverride();
  const one = MODULES.find((m) => only !== undefined && m.names.includes(only));
  for (const m of one ? [one] : MODULES) (await m.load())(program);
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
    await (await buildProgram(argv[2])).parseAsync(argv);
  } catch (e) {
    reportError(e);
  }
}

const isEntry = import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('/main.ts');
if (isEntry) void main();

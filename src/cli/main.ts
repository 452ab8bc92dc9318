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
    .description(
      'Real-time video object tracking and clip classification in Node.js: ffmpeg, then ONNX Runtime or TensorFlow.js.',
    )
    // Commander's own error line is replaced by our coded one (reportError), which names the
    // command's --help instead of printing all of it above the one line that matters.
    .configureOutput({ outputError: () => {} })
    .exitOverride();
  const one = MODULES.find((m) => only !== undefined && m.names.includes(only));
  for (const m of one ? [one] : MODULES) (await m.load())(program);
  return program;
}

/**
 * The hint of a usage error: `--box 10 10 20 20` (spaces, not commas) reads as extra arguments,
 * so that case names the comma form; otherwise the command's own `--help`.
 */
export function usageHint(e: CommanderError, argv: readonly string[] = []): string {
  const args = argv.slice(2);
  const command = MODULES.some((m) => m.names.includes(args[0])) ? `siamstream ${args[0]}` : 'siamstream';
  if (e.code === 'commander.excessArguments') {
    const number = /^-?\d+(\.\d+)?,?$/;
    const spaced = args.findIndex(
      (a, i) => /^--box(es)?$/.test(a) && number.test(args[i + 1] ?? '') && number.test(args[i + 2] ?? ''),
    );
    if (spaced >= 0) {
      const fields = args.slice(spaced + 1, spaced + 5).filter((a) => number.test(a));
      const example = fields.map((a) => a.replace(/,$/, '')).join(',');
      return `a box is one argument, x,y,w,h with commas and no spaces: --box ${example}`;
    }
  }
  return `see ${command} --help`;
}

/** Prints a SiamError as `ERR_CODE: message (hint: …)` on stderr and sets the exit code. */
export function reportError(e: unknown, argv?: readonly string[]): void {
  if (e instanceof CommanderError) {
    if (e.exitCode === 0) {
      process.exitCode = 0; // --help, --version
      return;
    }
    // One line (commander puts its "(Did you mean …?)" on a line of its own). No command given:
    // commander printed the list of commands, and its message is a placeholder.
    const message =
      e.code === 'commander.help'
        ? 'no command given'
        : e.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ');
    const usage = new SiamError('ERR_USAGE', message, { hint: usageHint(e, argv) });
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
    reportError(e, argv);
  }
}

const isEntry = import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('/main.ts');
if (isEntry) void main();

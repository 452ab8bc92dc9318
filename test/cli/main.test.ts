/** Usage errors and exit statuses of the `siamstream` command line (docs/errors.md, "Exit status"). */
import { describe, expect, it, vi } from 'vitest';
import { runCli } from './cli-helpers.js';
import { SLOW_TEST_TIMEOUT_MS } from '../helpers/timeouts.js';

// Real processes, decoding or training: each test's deadlock guard is 10 min (test/helpers/timeouts.ts).
vi.setConfig({ testTimeout: SLOW_TEST_TIMEOUT_MS });

describe('siamstream usage errors', () => {
  it('an unknown flag or command exits 2 with ERR_USAGE and a hint; --help exits 0', async () => {
    const flag = await runCli(['track', 'x.mp4', '--bogus']);
    expect(flag.code).toBe(2);
    // Commander's suggestion (a close flag, here --boxes) stays on the same line.
    expect(flag.stderr).toMatch(
      /siamstream: ERR_USAGE: unknown option '--bogus'( \(Did you mean [^)]*\?\))? \(hint: /,
    );
    expect(flag.stdout).toBe('');
    // The error and where to look, not the command's whole help above it.
    expect(flag.stderr).toMatch(/\(hint: see siamstream track --help\)/);
    expect(flag.stderr).not.toMatch(/Usage:/);
    expect(flag.stderr.trim().split('\n')).toHaveLength(1);
    const command = await runCli(['tarck']);
    expect(command.code).toBe(2);
    expect(command.stderr).toMatch(/ERR_USAGE: unknown command 'tarck'/);
    const missing = await runCli(['track']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/ERR_USAGE: missing required argument/);
    const none = await runCli([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/siamstream: ERR_USAGE: no command given \(hint: see siamstream --help\)/);
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: siamstream/);
  });
});

describe('siamstream usage hints', () => {
  it('a box given with spaces (too many arguments) is answered with its comma form', async () => {
    const spaced = await runCli(['track', 'x.mp4', '--box', '10', '10', '20', '20']);
    expect(spaced.code).toBe(2);
    expect(spaced.stderr).toMatch(/ERR_USAGE: too many arguments/);
    expect(spaced.stderr).toMatch(
      /hint: a box is one argument, x,y,w,h with commas and no spaces: --box 10,10,20,20\)/,
    );
    expect(spaced.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('other extra arguments, and commands not known, point at the right --help', async () => {
    const { usageHint } = await import('../../src/cli/main.js');
    const { CommanderError } = await import('commander');
    const excess = new CommanderError(1, 'commander.excessArguments', 'too many arguments');
    expect(usageHint(excess, ['node', 'siamstream', 'track', 'a.mp4', 'b.mp4'])).toBe(
      'see siamstream track --help',
    );
    expect(usageHint(excess, ['node', 'siamstream', 'serve', '--box', '1,', '2,', '3,', '4'])).toMatch(
      /--box 1,2,3,4$/,
    );
    const unknown = new CommanderError(1, 'commander.unknownCommand', "unknown command 'tarck'");
    expect(usageHint(unknown, ['node', 'siamstream', 'tarck'])).toBe('see siamstream --help');
  });
});

describe('siamstream help', () => {
  const helpOf = async (name: string): Promise<string> => {
    const { buildProgram } = await import('../../src/cli/main.js');
    return (await buildProgram(name)).commands.find((c) => c.name() === name)!.helpInformation();
  };

  it('track --help lists every --preset value and says that --out makes missing folders', async () => {
    const { PRESETS } = await import('../../src/track/presets.js');
    const help = (await helpOf('track')).replace(/\s+/g, ' ');
    for (const name of Object.keys(PRESETS))
      expect(help).toMatch(new RegExp(`--preset <name> .*\\b${name} \\(`));
    expect(help).toMatch(/--out <file> .*missing folders are created/);
  });

  it('eval, serve and submit track list the presets too', async () => {
    const flat = (text: string) => text.replace(/\s+/g, ' ');
    for (const name of ['eval', 'serve']) expect(flat(await helpOf(name))).toMatch(/fast \(stride-8/);
    const { buildProgram } = await import('../../src/cli/main.js');
    const submit = (await buildProgram('submit')).commands.find((c) => c.name() === 'submit')!;
    const track = submit.commands.find((c) => c.name() === 'track')!;
    expect(flat(track.helpInformation())).toMatch(/shape \(stride-8/);
  });

  it('the program names ONNX Runtime as well as TensorFlow.js', async () => {
    const { buildProgram } = await import('../../src/cli/main.js');
    expect((await buildProgram()).helpInformation().replace(/\s+/g, ' ')).toMatch(
      /ONNX Runtime or TensorFlow\.js/,
    );
  });
});

describe('siamstream start-up', () => {
  const names = (p: { commands: ReadonlyArray<{ name(): string }> }) => p.commands.map((c) => c.name());
  const all = [
    'doctor',
    'track',
    'eval',
    'serve',
    'train',
    'classify',
    'worker',
    'submit',
    'jobs',
    'cameras',
  ];

  it('registers only the command that runs, and every command to list them', async () => {
    const { buildProgram } = await import('../../src/cli/main.js');
    expect(names(await buildProgram('classify'))).toEqual(['classify']);
    // The queue's commands and the cameras' (`submit live` extends `submit`) are one unit.
    for (const name of ['submit', 'cameras'])
      expect(names(await buildProgram(name))).toEqual(['worker', 'submit', 'jobs', 'cameras']);
    for (const other of [undefined, '--help', 'help', 'tarck'])
      expect(names(await buildProgram(other))).toEqual(all);
  });

  it("a command's help and a run of it see the same options as with every command registered", async () => {
    const { buildProgram } = await import('../../src/cli/main.js');
    const alone = (await buildProgram('classify')).commands[0];
    const listed = (await buildProgram()).commands.find((c) => c.name() === 'classify')!;
    expect(alone.helpInformation()).toBe(listed.helpInformation());
  });
});

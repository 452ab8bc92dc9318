/** Usage errors and exit statuses of the `siamstream` command line (docs/errors.md, "Exit status"). */
import { describe, expect, it } from 'vitest';
import { runCli } from './cli-helpers.js';

describe('siamstream usage errors', () => {
  it('an unknown flag or command exits 2 with ERR_USAGE and a hint; --help exits 0', async () => {
    const flag = await runCli(['track', 'x.mp4', '--bogus']);
    expect(flag.code).toBe(2);
    // Commander's suggestion (a close flag, here --boxes) stays on the same line.
    expect(flag.stderr).toMatch(
      /siamstream: ERR_USAGE: unknown option '--bogus'( \(Did you mean [^)]*\?\))? \(hint: /,
    );
    expect(flag.stdout).toBe('');
    const command = await runCli(['tarck']);
    expect(command.code).toBe(2);
    expect(command.stderr).toMatch(/ERR_USAGE: unknown command 'tarck'/);
    const missing = await runCli(['track']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/ERR_USAGE: missing required argument/);
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: siamstream/);
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

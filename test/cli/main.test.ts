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

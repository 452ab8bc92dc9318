/**
 * The one way children are started (src/util/child-process.ts): on Linux with util-linux's setpriv,
 * under a parent-death signal; a program that cannot be found is started plainly, so spawn's own
 * ENOENT still names it. The kill -9 behaviour itself is tested on real processes
 * (test/decode/process.test.ts, test/cli/process-lifetime.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { hasParentDeathSignal, parentDeathCommand, spawnChild } from '../../src/util/child-process.js';

describe('parentDeathCommand', () => {
  it.runIf(process.platform === 'linux')('wraps a program found on PATH in setpriv --pdeathsig KILL', () => {
    expect(hasParentDeathSignal()).toBe(true); // Debian's util-linux: CI must have it
    const [file, args] = parentDeathCommand('ffmpeg', ['-version']);
    expect(file).toMatch(/\/setpriv$/);
    expect(args.slice(0, 3)).toEqual(['--pdeathsig', 'KILL', '--']);
    expect(args[3]).toMatch(/\/ffmpeg$/);
    expect(args.slice(4)).toEqual(['-version']);
  });

  it('leaves a program that cannot be found as it is, and spawn reports ENOENT', async () => {
    expect(parentDeathCommand('no-such-program-here', ['a'])).toEqual(['no-such-program-here', ['a']]);
    const child = spawnChild('no-such-program-here', [], { stdio: 'ignore' });
    const err = await new Promise<NodeJS.ErrnoException>((r) => child.once('error', r));
    expect(err.code).toBe('ENOENT');
  });
});

/** `siamstream doctor` and `--version` say which ffmpeg decode() would use (path, source, version line). */
import { execFileSync } from 'node:child_process';
import { describe, expect, it, vi } from 'vitest';
import { resolveFfmpeg } from '../../src/decode/index.js';
import { REPO_ROOT } from '../helpers/shared-data.js';
import { SLOW_TEST_TIMEOUT_MS } from '../helpers/timeouts.js';

// Real processes, decoding or training: each test's deadlock guard is 10 min (test/helpers/timeouts.ts).
vi.setConfig({ testTimeout: SLOW_TEST_TIMEOUT_MS });

function cli(args: string[], env: NodeJS.ProcessEnv = process.env): string {
  return execFileSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: REPO_ROOT,
    env,
    encoding: 'utf8',
  });
}

describe('siamstream doctor / --version: ffmpeg', () => {
  const ff = resolveFfmpeg();

  it('--version prints the version and the ffmpeg path, source and version line', () => {
    const out = cli(['--version']);
    expect(out).toMatch(/^siamstream \d+\.\d+\.\d+/);
    expect(out).toContain(`ffmpeg: ${ff.path} (${ff.source}; ffmpeg version`);
  });

  it('doctor --json has an ffmpeg object, and follows FFMPEG_PATH', async () => {
    const report = JSON.parse(cli(['doctor', '--json', '--backend', 'cpu'])) as {
      ffmpeg: Record<string, string>;
    };
    expect(report.ffmpeg).toMatchObject({ path: ff.path, source: ff.source });
    expect(report.ffmpeg.version).toMatch(/^ffmpeg version /);

    const { createRequire } = await import('node:module');
    const packaged = (createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path: string }).path;
    const viaEnv = JSON.parse(
      cli(['doctor', '--json', '--backend', 'cpu'], { ...process.env, FFMPEG_PATH: packaged }),
    ) as {
      ffmpeg: Record<string, string>;
    };
    expect(viaEnv.ffmpeg).toMatchObject({ path: packaged, source: 'FFMPEG_PATH' });
    expect(viaEnv.ffmpeg.version).toMatch(/2018/);
  });

  it('says "not found" with the code instead of failing when FFMPEG_PATH is wrong', () => {
    const out = cli(['--version'], { ...process.env, FFMPEG_PATH: '/nonexistent/ffmpeg' });
    expect(out).toContain('ffmpeg: not found (ERR_FFMPEG_NOT_FOUND:');
  });
});

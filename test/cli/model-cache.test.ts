/**
 * `siamstream track` on the onnx engine with a damaged model cache or one it cannot write
 * (issue 27, items 5 and 7): the run still tracks every frame, says what happened in one line, and
 * a damaged file is repaired. Before the fix a damaged file failed every run (exit 1, a protobuf
 * stack) and `SIAMSTREAM_CACHE_DIR=/proc/x` never ended.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SAMPLE_GT, SAMPLE_VIDEO, requireSample, runCli } from './cli-helpers.js';
import { SLOW_TEST_TIMEOUT_MS } from '../helpers/timeouts.js';

// Real processes, decoding or training: each test's deadlock guard is 10 min (test/helpers/timeouts.ts).
vi.setConfig({ testTimeout: SLOW_TEST_TIMEOUT_MS });

const tmp = mkdtempSync(path.join(tmpdir(), 'siam-cli-cache-'));
const saved = process.env.SIAMSTREAM_CACHE_DIR;
afterAll(() => {
  if (saved === undefined) delete process.env.SIAMSTREAM_CACHE_DIR;
  else process.env.SIAMSTREAM_CACHE_DIR = saved;
  rmSync(tmp, { recursive: true, force: true });
});

/** Tracks the sample into `name`.csv with the cache in `cacheDir`: exit code, stderr, data rows. */
async function track(
  cacheDir: string,
  name: string,
): Promise<{ code: number | null; stderr: string; rows: number }> {
  process.env.SIAMSTREAM_CACHE_DIR = cacheDir; // spawnCli passes process.env on
  const csv = path.join(tmp, `${name}.csv`);
  const r = await runCli(['track', SAMPLE_VIDEO, '--box-from', SAMPLE_GT, '--engine', 'onnx', '--out', csv]);
  const rows = r.code === 0 ? readFileSync(csv, 'utf8').trimEnd().split('\n').length - 1 : 0;
  return { code: r.code, stderr: r.stderr, rows };
}

describe('siamstream track with a damaged or unwritable model cache', () => {
  beforeAll(() => requireSample());
  const frames = readFileSync(SAMPLE_GT, 'utf8').trimEnd().split('\n').length;

  it('a truncated cache file is rebuilt and repaired; a cache under /proc is skipped with a warning', async () => {
    const cache = path.join(tmp, 'cache');
    const first = await track(cache, 'first');
    expect(first.code, first.stderr).toBe(0);
    const dir = path.join(cache, 'onnx');
    const [file] = readdirSync(dir);
    const good = readFileSync(path.join(dir, file));
    truncateSync(path.join(dir, file), 1000);

    const [damaged, proc] = await Promise.all([
      track(cache, 'damaged'),
      track('/proc/siamstream-no-such-dir', 'proc'),
    ]);
    expect(damaged.code, damaged.stderr).toBe(0);
    expect(damaged.rows).toBe(frames);
    expect(damaged.stderr).toContain(`the cached model ${path.join(dir, file)} is damaged`);
    expect(readdirSync(dir)).toEqual([file]);
    expect(readFileSync(path.join(dir, file)).equals(good)).toBe(true);

    expect(proc.code, proc.stderr).toBe(0);
    expect(proc.rows).toBe(frames);
    expect(proc.stderr.match(/ERR_CACHE_UNWRITABLE/g)).toHaveLength(1);
  });
});

/**
 * samples/tracking is what samples/make-tracking-sample.ts makes: same ground truth, same frames
 * (up to encoder differences), and a fair tracking test (size, motion, one ~15-frame occlusion).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { decode } from '../../src/decode/index.js';
import { REPO_ROOT } from '../helpers/shared-data.js';
import { SAMPLE, SAMPLE_FRAMES, collect } from './helpers.js';
import { SLOW_TEST_TIMEOUT_MS } from '../helpers/timeouts.js';

// Real processes, decoding or training: each test's deadlock guard is 10 min (test/helpers/timeouts.ts).
vi.setConfig({ testTimeout: SLOW_TEST_TIMEOUT_MS });

const dir = path.join(REPO_ROOT, 'samples/tracking');
const tmp = mkdtempSync(path.join(tmpdir(), 'siam-sample-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function readGt(file: string): (number[] | null)[] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => (l.startsWith('nan') ? null : l.split(',').map(Number)));
}

describe('samples/tracking', () => {
  const gt = readGt(path.join(dir, 'groundtruth.txt'));

  it('is small enough to commit', () => {
    expect(statSync(SAMPLE).size).toBeLessThan(600 * 1024);
  });

  it('has one box per frame, inside the frame, of a fair size, and one hidden stretch of ~15 frames', () => {
    expect(gt).toHaveLength(SAMPLE_FRAMES);
    const hidden = gt.map((b, i) => (b ? -1 : i)).filter((i) => i >= 0);
    expect(hidden.length).toBeGreaterThanOrEqual(12);
    expect(hidden.length).toBeLessThanOrEqual(20);
    expect(hidden.at(-1)! - hidden[0] + 1).toBe(hidden.length); // one contiguous stretch
    expect(hidden.at(-1)).toBeLessThan(SAMPLE_FRAMES - 20); // and the target comes back
    for (const b of gt) {
      if (!b) continue;
      const [x, y, w, h] = b;
      expect(x).toBeGreaterThanOrEqual(0);
      expect(y).toBeGreaterThanOrEqual(0);
      expect(x + w).toBeLessThanOrEqual(320);
      expect(y + h).toBeLessThanOrEqual(240);
      expect(Math.max(w, h)).toBeGreaterThanOrEqual(30);
      expect(Math.max(w, h)).toBeLessThanOrEqual(75);
    }
    const meta = JSON.parse(readFileSync(path.join(dir, 'meta.json'), 'utf8')) as {
      n_frames: number;
      n_valid_gt: number;
      init_box_xywh0: number[];
    };
    expect(meta.n_frames).toBe(SAMPLE_FRAMES);
    expect(meta.n_valid_gt).toBe(SAMPLE_FRAMES - hidden.length);
    expect(meta.init_box_xywh0).toEqual(gt[0]);
  });

  it('is regenerated identically by the script', async () => {
    execFileSync(process.execPath, ['--import', 'tsx', 'samples/make-tracking-sample.ts', '--out', tmp], {
      cwd: REPO_ROOT,
      stdio: 'pipe',
    });
    expect(readFileSync(path.join(tmp, 'groundtruth.txt'), 'utf8')).toBe(
      readFileSync(path.join(dir, 'groundtruth.txt'), 'utf8'),
    );
    const [a, b] = await Promise.all([
      collect(decode(SAMPLE, { maxSide: 80 })),
      collect(decode(path.join(tmp, 'video.mp4'), { maxSide: 80 })),
    ]);
    expect(b).toHaveLength(a.length);
    // Same encoder: identical; another x264 build: within compression noise.
    let diff = 0;
    let n = 0;
    for (let i = 0; i < a.length; i += 10) {
      for (let k = 0; k < a[i].data.length; k++) diff += Math.abs(a[i].data[k] - b[i].data[k]);
      n += a[i].data.length;
    }
    expect(diff / n).toBeLessThan(2);
  });
});

/**
 * A machine without onnxruntime-node (simulated: the module fails to load) still tracks: `auto`
 * falls back to the tfjs engine with one line on stderr, and an explicit `onnx` is a coded error.
 */
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { lastValueFrom, take, toArray } from 'rxjs';
import { SLOW_TEST_TIMEOUT_MS } from '../helpers/timeouts.js';

// Real processes, decoding or training: each test's deadlock guard is 10 min (test/helpers/timeouts.ts).
vi.setConfig({ testTimeout: SLOW_TEST_TIMEOUT_MS });

vi.mock('onnxruntime-node', () => {
  throw new Error("Cannot find module 'onnxruntime-node'");
});

const { createTracker } = await import('../../src/track/index.js');
const { decode } = await import('../../src/decode/index.js');
const { parseGroundTruth } = await import('../../src/eval/groundtruth.js');
const { REPO_ROOT } = await import('../helpers/shared-data.js');

const SAMPLE = path.join(REPO_ROOT, 'samples/tracking');

afterEach(() => {
  vi.restoreAllMocks();
});

describe('engine fallback without onnxruntime-node', () => {
  it('auto runs tfjs and says so once on stderr', async () => {
    const lines: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const a = await createTracker({ preset: 'fast' });
    const b = await createTracker({ preset: 'fast', engine: 'auto' });
    vi.restoreAllMocks();
    try {
      expect([a.options.engine, b.options.engine]).toEqual(['tfjs', 'tfjs']);
      const said = lines.filter((l) => l.includes('onnxruntime-node'));
      expect(said).toHaveLength(1);
      expect(said[0]).toMatch(/using the tfjs engine/);
      const frames = await lastValueFrom(decode(path.join(SAMPLE, 'video.mp4')).pipe(take(3), toArray()));
      const box = parseGroundTruth(readFileSync(path.join(SAMPLE, 'groundtruth.txt'), 'utf8'))[0]!;
      await a.init(frames[0], box);
      const r = await a.update(frames[1]);
      expect(r.lost).toBe(false);
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('an explicit onnx engine is ERR_ENGINE_UNAVAILABLE with a hint', async () => {
    await expect(createTracker({ engine: 'onnx' })).rejects.toMatchObject({
      code: 'ERR_ENGINE_UNAVAILABLE',
      hint: expect.stringContaining('npm install onnxruntime-node'),
    });
  });
});

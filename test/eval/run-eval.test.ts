/**
 * runEval with a fake tracker on real decoding: the files it writes and what it measures. The
 * real tracker runs in test/cli/eval.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveFfmpeg } from '../../src/decode/index.js';
import { parseGroundTruth } from '../../src/eval/groundtruth.js';
import { runEval, type EvalTracker } from '../../src/eval/run-eval.js';
import type { Box, Frame, TrackResult } from '../../src/types.js';
import { parseXml } from './svg.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'siam-run-eval-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const FRAMES = 30;
const gtOf = (i: number): Box => ({ x: 20 + i, y: 30, width: 40, height: 30 });

/** A sequence folder with a synthetic 160x120 video and a made-up ground truth (frame 5 absent). */
function makeSequence(name: string, frames = FRAMES): void {
  const dir = path.join(tmp, 'data', name);
  mkdirSync(dir, { recursive: true });
  execFileSync(resolveFfmpeg().path, [
    ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=30'],
    ...['-frames:v', String(frames), '-pix_fmt', 'yuv420p', '-c:v', 'libx264', path.join(dir, 'video.mp4')],
  ]);
  const lines = Array.from({ length: FRAMES }, (_, i) => {
    const b = gtOf(i);
    return i === 5 ? 'nan,nan,nan,nan' : `${b.x},${b.y},${b.width},${b.height}`;
  });
  writeFileSync(path.join(dir, 'groundtruth.txt'), `${lines.join('\n')}\n`);
}

/** Predicts `shift(i)` pixels right of the ground truth on frame i; says "lost" on odd frames. */
function fakeTracker(shift: (i: number) => number, log: string[]): EvalTracker {
  const result = (frame: Frame): TrackResult => {
    const b = gtOf(frame.index);
    return {
      frameIndex: frame.index,
      timestampMs: frame.timestampMs,
      box: { ...b, x: b.x + shift(frame.index) },
      score: 1,
      psr: 10,
      lost: frame.index % 2 === 1,
      timings: {},
    };
  };
  return {
    init: async (frame, box) => {
      log.push(`init ${frame.index} ${box.x}`);
      return result(frame);
    },
    update: async (frame) => result(frame),
    reset: () => log.push('reset'),
    dispose: () => log.push('dispose'),
  };
}

beforeAll(() => {
  makeSequence('alpha');
  makeSequence('beta', FRAMES - 3); // 3 frames short of its ground truth
  mkdirSync(path.join(tmp, 'data', 'not-a-sequence'));
});

describe('runEval (fake tracker)', () => {
  it('writes <seq>.txt, summary.json and success.svg with the documented keys', async () => {
    const out = path.join(tmp, 'out');
    const log: string[] = [];
    const progress: number[] = [];
    const summary = await runEval({
      dataDir: path.join(tmp, 'data'),
      outDir: out,
      trackerFactory: async () => fakeTracker((i) => (i < 10 ? 0 : 20), log),
      onProgress: (p) => progress.push(p.done),
    });
    expect(log).toEqual(['reset', 'init 0 20', 'reset', 'init 0 20', 'dispose']);
    expect(progress.at(-1)).toBe(2 * FRAMES - 3);

    const onDisk = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
    expect(Object.keys(onDisk.sequences)).toEqual(['alpha', 'beta']);
    for (const s of Object.values(onDisk.sequences) as Record<string, unknown>[]) {
      expect(s).toEqual(
        expect.objectContaining({
          auc: expect.any(Number),
          p20: expect.any(Number),
          fps: expect.any(Number),
          frames: FRAMES,
        }),
      );
    }
    expect(onDisk.mean).toEqual({ auc: expect.any(Number), p20: expect.any(Number) });
    expect(onDisk.fps).toBeGreaterThan(0);

    // alpha: frames 0-9 perfect (IoU 1), 10-29 shifted by half a width (IoU 1/3); frame 5 unscored.
    // 29 scored frames: 9 perfect + 20 at 1/3. Success(t) = 29/29 for t <= 0.3, 9/29 up to 0.95, 0 at 1.
    const alpha = summary.sequences.alpha;
    expect(alpha.scoredFrames).toBe(29);
    expect(alpha.auc).toBeCloseTo((7 * 29 + 13 * 9) / 29 / 21, 12);
    expect(alpha.p20).toBe(1); // centre error 20 counts
    expect(alpha.lostFrames).toBe(15); // odd frames 1, 3, …, 29
    expect(alpha.width).toBe(160);
    expect(summary.sequences.beta.missingFrames).toBe(3);

    const pred = parseGroundTruth(readFileSync(path.join(out, 'alpha.txt'), 'utf8'));
    expect(pred).toHaveLength(FRAMES);
    expect(pred[0]).toEqual(gtOf(0)); // frame 1 counts with the init box
    expect(pred[12]).toEqual({ ...gtOf(12), x: gtOf(12).x + 20 });
    expect(parseGroundTruth(readFileSync(path.join(out, 'beta.txt'), 'utf8'))).toHaveLength(FRAMES);

    const svg = parseXml(readFileSync(path.join(out, 'success.svg'), 'utf8'));
    expect(svg.filter((e) => e.name === 'polyline')).toHaveLength(3);
  });

  it('evaluates only the sequences asked for, and names an unknown one', async () => {
    const out = path.join(tmp, 'out-one');
    const summary = await runEval({
      dataDir: path.join(tmp, 'data'),
      outDir: out,
      sequences: ['beta'],
      trackerFactory: async () => fakeTracker(() => 0, []),
    });
    expect(Object.keys(summary.sequences)).toEqual(['beta']);
    expect(existsSync(path.join(out, 'alpha.txt'))).toBe(false);
    await expect(
      runEval({
        dataDir: path.join(tmp, 'data'),
        outDir: out,
        sequences: ['gamma'],
        trackerFactory: async () => fakeTracker(() => 0, []),
      }),
    ).rejects.toMatchObject({ code: 'ERR_EVAL_DATA', hint: expect.stringContaining('alpha, beta') });
  });

  it('refuses a missing data folder with ERR_EVAL_DATA', async () => {
    await expect(
      runEval({ dataDir: path.join(tmp, 'nope'), outDir: path.join(tmp, 'x') }),
    ).rejects.toMatchObject({
      code: 'ERR_EVAL_DATA',
    });
  });
});

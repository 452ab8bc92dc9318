/**
 * runEval with a fake tracker on real decoding: the files it writes and what it measures. The
 * real tracker runs in test/cli/eval.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { resolveFfmpeg } from '../../src/decode/index.js';
import { parseGroundTruth } from '../../src/eval/groundtruth.js';
import { runEval } from '../../src/eval/run-eval.js';
import type { Tracker } from '../../src/track/tracker.js';
import { fakeTracker as trackerOf } from '../helpers/fake-tracker.js';
import type { Box, Frame, TrackResult } from '../../src/types.js';
import { parseXml } from './svg.js';
import { SLOW_TEST_TIMEOUT_MS } from '../helpers/timeouts.js';

// Real processes, decoding or training: each test's deadlock guard is 10 min (test/helpers/timeouts.ts).
vi.setConfig({ testTimeout: SLOW_TEST_TIMEOUT_MS });

const tmp = mkdtempSync(path.join(tmpdir(), 'siam-run-eval-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const FRAMES = 30;
const gtOf = (i: number): Box => ({ x: 20 + i, y: 30, width: 40, height: 30 });

/**
 * A sequence folder with a synthetic 160x120 video and a made-up ground truth (the frames
 * `absent` says are `nan`: frame 5 by default), under `tmp/<root>`.
 */
function makeSequence(
  name: string,
  frames = FRAMES,
  { root = 'data', absent = (i: number) => i === 5 }: { root?: string; absent?: (i: number) => boolean } = {},
): void {
  const dir = path.join(tmp, root, name);
  mkdirSync(dir, { recursive: true });
  execFileSync(resolveFfmpeg().path, [
    ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=30'],
    ...['-frames:v', String(frames), '-pix_fmt', 'yuv420p', '-c:v', 'libx264', path.join(dir, 'video.mp4')],
  ]);
  const lines = Array.from({ length: FRAMES }, (_, i) => {
    const b = gtOf(i);
    return absent(i) ? 'nan,nan,nan,nan' : `${b.x},${b.y},${b.width},${b.height}`;
  });
  writeFileSync(path.join(dir, 'groundtruth.txt'), `${lines.join('\n')}\n`);
}

/** Predicts `shift(i)` pixels right of the ground truth on frame i; says "lost" where `lost(i)` (odd frames). */
function fakeTracker(
  shift: (i: number) => number,
  log: string[],
  lost = (i: number) => i % 2 === 1,
): Tracker {
  const result = (frame: Frame): TrackResult => {
    const b = gtOf(frame.index);
    return {
      frameIndex: frame.index,
      timestampMs: frame.timestampMs,
      box: { ...b, x: b.x + shift(frame.index) },
      score: 1,
      psr: 10,
      lost: lost(frame.index),
      timings: {},
    };
  };
  return trackerOf({
    init: async (frame, box) => {
      log.push(`init ${frame.index} ${box.x}`);
      return result(frame);
    },
    update: result,
    reset: () => void log.push('reset'),
    dispose: async () => void log.push('dispose'),
  });
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
    // The ground truth moves 1 px a frame at 40x30, frame 5 nan: absent is its only tag.
    expect(alpha.attributes).toEqual(['absent']);
    // Lost on the 15 odd frames, absent on frame 5 (odd): 1 of 15 right, the 1 absent frame found.
    expect(alpha.lostVsAbsent).toEqual({
      absentFrames: 1,
      lostFrames: 15,
      lostOnAbsent: 1,
      precision: 1 / 15,
      recall: 1,
    });
    // beta's 3 missing frames hold the last decoded flag (frame 26: not lost).
    expect(summary.sequences.beta.lostFrames).toBe(13);
    expect(summary.sequences.beta.lostVsAbsent?.lostFrames).toBe(13);
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

  it('tags sequences (ground truth + meta.json), means AUC per tag, and scores lost against nan frames', async () => {
    // gaps: target absent on frames 10-19, meta.json names OCC and FM; blink: absent on frame 5,
    // meta.json without OTB codes; plain: always present, no meta.json.
    makeSequence('gaps', FRAMES, { root: 'tags', absent: (i) => i >= 10 && i < 20 });
    writeFileSync(
      path.join(tmp, 'tags', 'gaps', 'meta.json'),
      JSON.stringify({ attributes: 'OCC, FM [by hand]' }),
    );
    makeSequence('blink', FRAMES, { root: 'tags' });
    writeFileSync(
      path.join(tmp, 'tags', 'blink', 'meta.json'),
      JSON.stringify({ attributes: 'occlusion, bc' }),
    );
    makeSequence('plain', FRAMES, { root: 'tags', absent: () => false });
    const out = path.join(tmp, 'out-tags');
    // Exact on frames 0-9, 20 px off after; lost on frames 12-24.
    const summary = await runEval({
      dataDir: path.join(tmp, 'tags'),
      outDir: out,
      trackerFactory: async () =>
        fakeTracker(
          (i) => (i < 10 ? 0 : 20),
          [],
          (i) => i >= 12 && i <= 24,
        ),
    });
    const { gaps, blink, plain } = summary.sequences;
    expect(gaps.attributes).toEqual(['absent', 'OCC', 'FM']);
    expect(blink.attributes).toEqual(['absent']);
    expect(plain.attributes).toEqual([]);

    // gaps: 20 scored frames, 10 exact (IoU 1) + 10 at IoU 1/3; plain: 10 exact + 20 at 1/3.
    expect(gaps.auc).toBeCloseTo((7 * 20 + 13 * 10) / 20 / 21, 12);
    expect(plain.auc).toBeCloseTo((7 * 30 + 13 * 10) / 30 / 21, 12);
    expect(Object.keys(summary.byAttribute)).toEqual(['absent', 'OCC', 'FM']);
    expect(summary.byAttribute.absent.sequences).toBe(2);
    expect(summary.byAttribute.absent.auc).toBeCloseTo((gaps.auc + blink.auc) / 2, 12);
    expect(summary.byAttribute.OCC).toEqual({ sequences: 1, auc: gaps.auc, p20: gaps.p20 });

    // gaps: lost on 12-24 (13 frames), absent on 10-19: 8 right. blink: absent on 5, never lost there.
    expect(gaps.lostVsAbsent).toEqual({
      absentFrames: 10,
      lostFrames: 13,
      lostOnAbsent: 8,
      precision: 8 / 13,
      recall: 8 / 10,
    });
    expect(blink.lostVsAbsent).toMatchObject({ absentFrames: 1, lostOnAbsent: 0, precision: 0, recall: 0 });
    expect(plain.lostVsAbsent).toBeNull();
    expect(summary.lostVsAbsent).toEqual({
      sequences: 2,
      absentFrames: 11,
      lostFrames: 26,
      lostOnAbsent: 8,
      precision: 8 / 26,
      recall: 8 / 11,
    });

    const onDisk = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
    expect(onDisk.byAttribute).toEqual(JSON.parse(JSON.stringify(summary.byAttribute)));
    expect(onDisk.lostVsAbsent).toEqual(summary.lostVsAbsent);
    expect(onDisk.sequences.gaps.attributes).toEqual(['absent', 'OCC', 'FM']);
    expect(onDisk.sequences.plain.lostVsAbsent).toBeNull();
  });

  it('refuses a meta.json that is not JSON with ERR_EVAL_DATA, before making the tracker', async () => {
    const dir = path.join(tmp, 'bad-meta', 'seq');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'video.mp4'), '');
    writeFileSync(path.join(dir, 'groundtruth.txt'), '1,2,3,4\n');
    writeFileSync(path.join(dir, 'meta.json'), '{ attributes: IV }');
    let made = false;
    await expect(
      runEval({
        dataDir: path.join(tmp, 'bad-meta'),
        outDir: path.join(tmp, 'out-bad-meta'),
        trackerFactory: async () => {
          made = true;
          return fakeTracker(() => 0, []);
        },
      }),
    ).rejects.toMatchObject({ code: 'ERR_EVAL_DATA', message: expect.stringContaining('meta.json') });
    expect(made).toBe(false);
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

  it('refuses an output folder that cannot be made (under /proc) with ERR_BAD_OPTION, at once', async () => {
    // Before: Node's recursive mkdir retried ENOENT under /proc for ever and this never settled.
    await expect(
      runEval({
        dataDir: path.join(tmp, 'data'),
        outDir: '/proc/siamstream-no-such-dir/out',
        trackerFactory: async () => fakeTracker(() => 0, []),
      }),
    ).rejects.toMatchObject({ code: 'ERR_BAD_OPTION', message: expect.stringContaining('ENOENT') });
  });

  it('refuses a missing data folder with ERR_EVAL_DATA', async () => {
    await expect(
      runEval({ dataDir: path.join(tmp, 'nope'), outDir: path.join(tmp, 'x') }),
    ).rejects.toMatchObject({
      code: 'ERR_EVAL_DATA',
    });
  });
});

/**
 * `siamstream track` as a process, with the real tracker on the generated sample
 * (samples/tracking, 180 frames of 320x240): results files, annotated video, errors, Ctrl-C.
 */
import {
  copyFileSync,
  existsSync,
  linkSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CSV_COLUMNS } from '../../src/cli/outputs.js';
import { partialPath } from '../../src/cli/output-path.js';
import { probeVideo } from '../../src/decode/index.js';
import { parseGroundTruth } from '../../src/eval/groundtruth.js';
import type { TrackResult } from '../../src/types.js';
import {
  SAMPLE_GT,
  SAMPLE_VIDEO,
  alive,
  childPids,
  collect,
  requireSample,
  makeShortSequence,
  runCli,
  spawnCli,
} from './cli-helpers.js';
import { SLOW_TEST_TIMEOUT_MS } from '../helpers/timeouts.js';

// Real processes, decoding or training: each test's deadlock guard is 10 min (test/helpers/timeouts.ts).
vi.setConfig({ testTimeout: SLOW_TEST_TIMEOUT_MS });

const tmp = mkdtempSync(path.join(tmpdir(), 'siam-cli-track-'));
const SHORT = 40;
const short = path.join(tmp, 'short');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('siamstream track (real tracker, generated sample)', () => {
  beforeAll(() => requireSample());
  let sampleFrames = 0;
  beforeAll(async () => {
    sampleFrames = readFileSync(SAMPLE_GT, 'utf8').trimEnd().split('\n').length;
    makeShortSequence(short, SHORT);
  });

  it('writes one CSV row per frame and a playable annotated mp4', async () => {
    // The short cut of the sample proves the same as the whole of it, at a quarter of the cost; the
    // SIGINT test below runs on the whole sample.
    const csv = path.join(tmp, 'out', 'sample.csv');
    const mp4 = path.join(tmp, 'out', 'sample.mp4');
    const video = path.join(short, 'video.mp4');
    const gt = path.join(short, 'groundtruth.txt');
    const r = await runCli(['track', video, '--box-from', gt, '--out', csv, '--annotate', mp4]);
    expect(r.code, r.stderr).toBe(0);
    const lines = readFileSync(csv, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe(CSV_COLUMNS.join(','));
    expect(lines).toHaveLength(SHORT + 1);
    const rows = lines.slice(1).map((l) => l.split(','));
    expect(rows.every((f) => f.length === CSV_COLUMNS.length)).toBe(true);
    expect(rows.map((f) => Number(f[0]))).toEqual(Array.from({ length: SHORT }, (_, i) => i));
    const lost = CSV_COLUMNS.indexOf('lost');
    expect(rows.every((f) => f[lost] === 'true' || f[lost] === 'false')).toBe(true);
    expect(rows.every((f) => f[1] === '1')).toBe(true); // the id column
    const info = await probeVideo(mp4);
    expect(info.frameCount).toBe(SHORT);
    expect([info.width, info.height]).toEqual([320, 240]);
    expect(r.stderr).toContain(path.resolve(csv));
    expect(r.stderr).toContain(path.resolve(mp4));
    expect(r.stdout).toBe('');
  });

  it('tracks several targets: --box repeated (MOT output), --boxes with a later start (CSV), not into .txt', async () => {
    const video = path.join(short, 'video.mp4');
    const box = readFileSync(SAMPLE_GT, 'utf8').split('\n')[0];
    const other = '20,20,40,40';
    const mot = path.join(tmp, 'multi.mot.txt');
    const csv = path.join(tmp, 'multi.csv');
    const boxes = path.join(tmp, 'boxes.csv');
    writeFileSync(boxes, `frame,id,x,y,w,h\n0,4,${box}\n10,9,${other}\n`);
    const [a, b, c] = await Promise.all([
      runCli(['track', video, '--box', box, '--box', other, '--out', mot]),
      runCli(['track', video, '--boxes', boxes, '--out', csv]),
      runCli(['track', video, '--box', box, '--box', other, '--out', path.join(tmp, 'two.txt')]),
    ]);
    expect(a.code, a.stderr).toBe(0);
    const motRows = readFileSync(mot, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => l.split(',').map(Number));
    expect(motRows.every((r) => r.length === 10 && r.slice(7).every((v) => v === -1))).toBe(true);
    expect(new Set(motRows.map((r) => r[1]))).toEqual(new Set([1, 2]));
    expect(Math.min(...motRows.map((r) => r[0]))).toBe(1); // 1-based frames
    expect(Math.max(...motRows.map((r) => r[0]))).toBe(SHORT);

    expect(b.code, b.stderr).toBe(0);
    const rows = readFileSync(csv, 'utf8')
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','));
    expect(rows).toHaveLength(SHORT + SHORT - 10);
    expect(rows.filter((r) => r[1] === '4').map((r) => Number(r[0]))).toEqual(
      Array.from({ length: SHORT }, (_, i) => i),
    );
    expect(rows.filter((r) => r[1] === '9').map((r) => Number(r[0]))[0]).toBe(10);

    expect(c.code).not.toBe(0);
    expect(c.stderr).toContain('ERR_BAD_OPTION');
    expect(existsSync(path.join(tmp, 'two.txt'))).toBe(false);
  });

  it('writes OTB .txt with --box, and JSONL on stdout without --out', async () => {
    const video = path.join(short, 'video.mp4');
    const box = readFileSync(SAMPLE_GT, 'utf8').split('\n')[0];
    const txt = path.join(tmp, 'short.txt');
    const [a, b] = await Promise.all([
      runCli(['track', video, '--box', box, '--out', txt]),
      runCli(['track', video, '--box', box]),
    ]);
    expect(a.code, a.stderr).toBe(0);
    const boxes = parseGroundTruth(readFileSync(txt, 'utf8'));
    expect(boxes).toHaveLength(SHORT);
    expect(boxes.every((x) => x !== null && x.width > 0)).toBe(true);

    expect(b.code, b.stderr).toBe(0);
    const results = b.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as TrackResult);
    expect(results).toHaveLength(SHORT);
    expect(results[5]).toEqual(
      expect.objectContaining({
        frameIndex: 5,
        box: expect.any(Object),
        score: expect.any(Number),
        lost: expect.any(Boolean),
      }),
    );
    expect(b.stderr).toContain('→ stdout');
  });

  it('fails with ERR_BAD_BOX for a box outside the frame, of zero size or NaN', async () => {
    const video = path.join(short, 'video.mp4');
    const runs = await Promise.all([
      runCli(['track', video, '--box', '900,900,20,20']),
      runCli(['track', video, '--box', '10,10,0,20']),
      runCli(['track', video, '--box', '10,nan,20,20']),
    ]);
    for (const r of runs) {
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/ERR_BAD_BOX: .*\(hint: /);
      expect(r.stdout).toBe('');
    }
  });

  it('refuses an output onto the input (even a hard link) or under /proc, and leaves the input whole', async () => {
    const input = path.join(tmp, 'input.mp4');
    copyFileSync(SAMPLE_VIDEO, input);
    linkSync(input, path.join(tmp, 'linked.mp4'));
    const before = readFileSync(input);
    for (const [flag, out] of [
      ['--annotate', input],
      ['--annotate', path.join(tmp, 'linked.mp4')],
      ['--out', '/proc/siamstream-test/results.csv'],
    ]) {
      const r = await runCli(['track', input, '--box-from', SAMPLE_GT, flag, out]);
      expect(r.code, `${flag} ${out}`).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`ERR_BAD_OPTION: ${flag} `));
    }
    expect(readFileSync(input).equals(before)).toBe(true);
  });

  it('warns on a truncated file, and with --strict fails with ERR_TRUNCATED_INPUT, results kept', async () => {
    const whole = readFileSync(SAMPLE_VIDEO);
    const half = path.join(tmp, 'half.mp4');
    writeFileSync(half, whole.subarray(0, whole.length >> 1));
    const csv = path.join(tmp, 'half.csv');
    const lenient = await runCli(['track', half, '--box-from', SAMPLE_GT, '--out', csv]);
    expect(lenient.code).toBe(0);
    expect(lenient.stderr).toMatch(/warning: read \d+ of the 180 frames the file announces/);
    const strict = await runCli(['track', half, '--box-from', SAMPLE_GT, '--out', csv, '--strict']);
    expect(strict.code).toBe(2);
    expect(strict.stderr).toMatch(/ERR_TRUNCATED_INPUT: read \d+ of the 180 frames/);
    const rows = readFileSync(csv, 'utf8').trimEnd().split('\n').length - 1;
    expect(rows).toBeGreaterThan(10);
    expect(rows).toBeLessThan(180);
    // A whole file gives no warning.
    const ok = await runCli(['track', SAMPLE_VIDEO, '--box-from', SAMPLE_GT, '--out', csv, '--strict']);
    expect(ok.code).toBe(0);
    expect(ok.stderr).not.toMatch(/warning|ERR_/);
  });

  it('fails with ERR_SOURCE_NOT_FOUND for a missing file', async () => {
    const r = await runCli([
      'track',
      path.join(tmp, 'absent.mp4'),
      '--box',
      '1,2,3,4',
      '--out',
      path.join(tmp, 'never.csv'),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('ERR_SOURCE_NOT_FOUND');
    expect(existsSync(path.join(tmp, 'never.csv'))).toBe(false);
  });

  it('on SIGINT flushes a valid partial CSV, finishes the video and leaves no ffmpeg child', async () => {
    const csv = path.join(tmp, 'partial.csv');
    const mp4 = path.join(tmp, 'partial.mp4');
    const child = spawnCli(['track', SAMPLE_VIDEO, '--box-from', SAMPLE_GT, '--out', csv, '--annotate', mp4]);
    const done = collect(child);
    // While running, rows go to the .partial file; the final name appears when the run ends.
    const running = partialPath(csv);
    const rowsOnDisk = (): number =>
      existsSync(running) ? readFileSync(running, 'utf8').split('\n').length - 2 : 0;
    const seen = new Set<number>();
    const deadline = Date.now() + 90_000;
    while (rowsOnDisk() < 15 && Date.now() < deadline) {
      for (const pid of childPids(child.pid!)) seen.add(pid);
      await new Promise((r) => setTimeout(r, 50));
    }
    for (const pid of childPids(child.pid!)) seen.add(pid);
    expect(rowsOnDisk()).toBeGreaterThanOrEqual(15);
    expect(seen.size).toBeGreaterThanOrEqual(2); // the decoder and the encoder
    child.kill('SIGINT');
    const r = await done;
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toContain('stopped by SIGINT');
    expect(existsSync(running) || existsSync(partialPath(mp4))).toBe(false);
    const lines = readFileSync(csv, 'utf8').split('\n');
    expect(lines.at(-1)).toBe(''); // ends with a complete line
    const rows = lines.slice(1, -1);
    expect(rows.length).toBeGreaterThanOrEqual(15);
    expect(rows.length).toBeLessThan(sampleFrames);
    expect(rows.every((l) => l.split(',').length === CSV_COLUMNS.length)).toBe(true);
    expect(rows.map((l) => Number(l.split(',')[0]))).toEqual(rows.map((_, i) => i));
    for (const pid of seen) expect(alive(pid), `child ${pid}`).toBe(false);
    expect(statSync(mp4).size).toBeGreaterThan(0);
    const info = await probeVideo(mp4);
    expect(info.frameCount).toBe(rows.length);
  });

  it('killed outright, leaves its rows under the .partial name and nothing under the final one', async () => {
    const csv = path.join(tmp, 'killed.csv');
    const running = partialPath(csv);
    const child = spawnCli(['track', SAMPLE_VIDEO, '--box-from', SAMPLE_GT, '--out', csv]);
    const done = collect(child);
    const deadline = Date.now() + 90_000;
    const rows = (): number =>
      existsSync(running) ? readFileSync(running, 'utf8').split('\n').length - 2 : 0;
    while (rows() < 10 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGKILL');
    await done;
    expect(existsSync(csv)).toBe(false);
    expect(rows()).toBeGreaterThanOrEqual(10);
  });
});

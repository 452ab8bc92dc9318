/**
 * The command line's mistakes cost nothing (issue 27, items 2, 3, 7, 11), as processes: a typo in
 * a flag leaves the last results as they were, a temporary name never lands on an input, an
 * output through a symlink into /proc is refused instead of spinning, and a malformed --boxes line
 * is shown with its control bytes escaped.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { probeVideo, resolveFfmpeg } from '../../src/decode/index.js';
import { SAMPLE_GT, SAMPLE_VIDEO, collect, requireSample, spawnCli, type CliRun } from './cli-helpers.js';
import { SLOW_TEST_TIMEOUT_MS } from '../helpers/timeouts.js';

// Real processes, decoding or training: each test's deadlock guard is 10 min (test/helpers/timeouts.ts).
vi.setConfig({ testTimeout: SLOW_TEST_TIMEOUT_MS });

const tmp = mkdtempSync(path.join(tmpdir(), 'siam-cli-kept-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Frames of the short clip the tracker runs on. */
const FRAMES = 6;
const clip = path.join(tmp, 'clip.mp4');
let box = '';

/**
 * The CLI run to its end, or killed after `limitMs` (a run that would never end on a broken
 * build fails its test rather than outlive it): a generous bound, not a speed check.
 */
async function runBounded(args: string[], limitMs = 120_000): Promise<CliRun> {
  const child = spawnCli(args);
  const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
  try {
    return await collect(child);
  } finally {
    clearTimeout(timer);
  }
}

/** The control characters (C0 but newline, DEL, C1) in `text`. */
const controlCharacters = (text: string): string[] =>
  [...text].filter((c) => (c < ' ' && c !== '\n') || (c >= '\u007f' && c <= '\u009f'));

beforeAll(async () => {
  requireSample();
  // The first frames of the sample, re-encoded so the cut is exact (asynchronously: no blocking
  // child in a hook).
  await promisify(execFile)(resolveFfmpeg().path, [
    ...['-hide_banner', '-loglevel', 'error', '-y', '-i', SAMPLE_VIDEO, '-frames:v', String(FRAMES)],
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', clip],
  ]);
  box = readFileSync(SAMPLE_GT, 'utf8').split('\n')[0].trim();
}, 120_000);

describe('a mistake in a flag loses nothing', () => {
  it('track: a bad --preset, --engine, --backend or --format fails with its code and leaves the last results', async () => {
    // Failed before the fix: the results file was opened before the tracker checked its options,
    // so `--preset nosuch` replaced prev.csv with a header; `--backend nosuch` was ignored (exit 0).
    const prev = path.join(tmp, 'prev.csv');
    const earlier = 'frameIndex,id\n0,1\n1,1\n';
    writeFileSync(prev, earlier);
    for (const [flags, code] of [
      [['--preset', 'nosuch'], 'ERR_BAD_OPTION'],
      [['--engine', 'cuda'], 'ERR_BAD_OPTION'],
      [['--backend', 'nosuch'], 'ERR_UNKNOWN_BACKEND'],
      [['--format', 'xls'], 'ERR_BAD_OPTION'],
    ] as const) {
      const r = await runBounded(['track', clip, '--box', box, '--out', prev, ...flags]);
      expect(r.code, flags.join(' ')).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`siamstream: ${code}: .*${flags[1]}`));
      expect(readFileSync(prev, 'utf8')).toBe(earlier);
    }
    expect(existsSync(path.join(tmp, 'prev.partial.csv'))).toBe(false);
  }, 300_000);

  it('classify, eval, train, serve: a bad name fails before anything is loaded or written', async () => {
    const out = path.join(tmp, 'never');
    const runs: Array<[string[], string]> = [
      [
        ['classify', clip, '--model', path.join(tmp, 'no-model'), '--backend', 'nosuch'],
        'ERR_UNKNOWN_BACKEND',
      ],
      [['classify', clip, '--model', path.join(tmp, 'no-model'), '--engine', 'cuda'], 'ERR_BAD_OPTION'],
      [
        ['classify', clip, '--model', path.join(tmp, 'no-model'), '--unknown-threshold', 'x'],
        'ERR_BAD_OPTION',
      ],
      [['eval', '--data', tmp, '--out', out, '--preset', 'nosuch'], 'ERR_BAD_OPTION'],
      [['train', '--data', tmp, '--out', out, '--backend', 'nosuch'], 'ERR_UNKNOWN_BACKEND'],
      [['train', '--data', tmp, '--out', out, '--flip', 'sideways'], 'ERR_BAD_OPTION'],
      [['serve', '--source', clip, '--port', '0', '--preset', 'nosuch'], 'ERR_BAD_OPTION'],
    ];
    for (const [args, code] of runs) {
      const r = await runBounded(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(new RegExp(`siamstream: ${code}: `));
    }
    expect(existsSync(out)).toBe(false);
  }, 300_000);
});

describe('submit', () => {
  it('refuses a bad --preset, --format or --box before anything is queued (Redis is not even asked)', async () => {
    // Failed before the fix: the job was queued and failed on the worker, attempts later.
    const redis = ['--redis', 'redis://127.0.0.1:1', '--redis-wait', '0'];
    const track = ['submit', 'track', clip, '--out', path.join(tmp, 'q.csv'), ...redis];
    for (const [args, expected] of [
      [[...track, '--box', box, '--preset', 'nosuch'], /ERR_BAD_OPTION: Expected --preset/],
      [[...track, '--box', box, '--format', 'xls'], /ERR_BAD_OPTION: Unknown result format/],
      [[...track, '--box', '1,2,0,4'], /ERR_BAD_BOX: /],
      [
        ['submit', 'live', clip, '--camera', 'c1', '--preset', 'nosuch', ...redis],
        /ERR_BAD_OPTION: Expected --preset/,
      ],
    ] as const) {
      const r = await runBounded([...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(expected);
      expect(r.stderr).not.toMatch(/ERR_REDIS_UNAVAILABLE/);
    }
  }, 300_000);
});

describe('temporary files', () => {
  it('track writes beside inputs called <name>.partial.<ext> without touching them', async () => {
    // Failed before the fix: the input clip.partial.mp4 was the encoder's temporary file for
    // --annotate kept.mp4, and b.partial.csv (the --boxes file) the results' one: both were
    // overwritten and renamed away, with exit status 0.
    const dir = mkdtempSync(path.join(tmp, 'partial-'));
    const input = path.join(dir, 'kept.partial.mp4');
    writeFileSync(input, readFileSync(clip));
    const boxes = path.join(dir, 'b.partial.csv');
    const boxesText = `frame,id,x,y,w,h\n0,1,${box}\n`;
    writeFileSync(boxes, boxesText);
    const video = readFileSync(input);
    const r = await runBounded([
      'track',
      input,
      '--boxes',
      boxes,
      '--out',
      path.join(dir, 'b.csv'),
      '--annotate',
      path.join(dir, 'kept.mp4'),
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(input).equals(video)).toBe(true);
    expect(readFileSync(boxes, 'utf8')).toBe(boxesText);
    expect(readFileSync(path.join(dir, 'b.csv'), 'utf8').trimEnd().split('\n')).toHaveLength(FRAMES + 1);
    expect((await probeVideo(path.join(dir, 'kept.mp4'))).frameCount).toBe(FRAMES);
  }, 300_000);
});

describe('outputs through a symlink into /proc', () => {
  it('are refused with ERR_BAD_OPTION (track --out, --annotate; classify --segments-out) instead of spinning', async () => {
    // Failed before the fix (as root): the check was lexical, so these passed it and the recursive
    // mkdir under /proc spun for ever (or classify went on to load its model).
    const procl = path.join(tmp, 'procl');
    symlinkSync('/proc', procl);
    for (const args of [
      ['track', clip, '--box', box, '--out', path.join(procl, 'siamstream-x', 'r.csv')],
      ['track', clip, '--box', box, '--annotate', path.join(procl, 'siamstream-x', 'v.mp4')],
      ['classify', clip, '--model', path.join(tmp, 'no-model'), '--segments-out', path.join(procl, 's.vtt')],
    ]) {
      const r = await runBounded(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(
        /siamstream: ERR_BAD_OPTION: --(out|annotate|segments-out) .* is under \/proc/,
      );
    }
  }, 300_000);
});

describe('a malformed --boxes line', () => {
  it('is quoted with its control bytes escaped', async () => {
    // Failed before the fix: the line was written raw to stderr, and ESC]0;…BEL set the title.
    const evil = path.join(tmp, 'evil.csv');
    writeFileSync(evil, '0,1,\u001b]0;pwned\u0007\n');
    const r = await runBounded(['track', clip, '--boxes', evil]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/ERR_BAD_BOX: .*\\u001b\]0;pwned\\u0007/);
    expect(controlCharacters(r.stderr)).toEqual([]);
  }, 120_000);
});

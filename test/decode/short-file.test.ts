/**
 * A file shorter than one tick of the `fps` filter still gives its first frame (issue 27 item 12:
 * a one-frame 30 fps file decoded at 10 fps gave no frame, so `classify` called it unreadable),
 * and a longer file gets exactly the frames the filter gives.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decode, resolveFfmpeg, type FfmpegChild } from '../../src/decode/index.js';
import { collect, SAMPLE } from './helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'siam-short-file-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The first `n` frames of the 30 fps sample, re-encoded, small. */
async function firstFrames(n: number): Promise<string> {
  const file = path.join(dir, `first-${n}.mp4`);
  await promisify(execFile)(resolveFfmpeg().path, [
    ...['-hide_banner', '-loglevel', 'error', '-y', '-i', SAMPLE, '-frames:v', String(n)],
    ...['-vf', 'scale=64:48', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', file],
  ]);
  return file;
}

describe('decode with `fps` of a file shorter than one output frame', () => {
  it('one frame at 30 fps, resampled to 10 fps: its frame, index 0 at 0 ms', async () => {
    const file = await firstFrames(1);
    const starts: FfmpegChild[] = [];
    const frames = await collect(decode(file, { fps: 10, onStart: (c) => starts.push(c) }));
    expect(frames).toHaveLength(1); // before: 0
    expect(frames[0]).toMatchObject({ index: 0, timestampMs: 0, width: 64, height: 48 });
    const [native] = await collect(decode(file));
    expect(Buffer.from(frames[0].data).equals(Buffer.from(native.data))).toBe(true);
    expect(starts).toHaveLength(2); // the fps run gave nothing, the second run the first frame
    expect(starts[0].args.join(' ')).toContain('fps=10');
    expect(starts[1].args.join(' ')).not.toContain('fps=');
    expect(starts[1].args.join(' ')).toContain('-frames:v 1');
  });

  it('two frames at 30 fps give at least one frame at 10 fps, from one ffmpeg run', async () => {
    const file = await firstFrames(2);
    const starts: FfmpegChild[] = [];
    const frames = await collect(decode(file, { fps: 10, onStart: (c) => starts.push(c) }));
    expect(frames.length).toBeGreaterThanOrEqual(1);
    expect(frames[0]).toMatchObject({ index: 0, timestampMs: 0 });
    expect(starts).toHaveLength(1);
  });

  it('a longer file gets the filter’s frames only: 31 frames at 30 fps are 10 at 10 fps', async () => {
    // 1033 ms: ffmpeg's `fps` rounds the end to the nearest tick (10); `eof_action=pass` gave 11.
    const frames = await collect(decode(await firstFrames(31), { fps: 10 }));
    expect(frames.map((f) => f.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(frames.map((f) => Math.round(f.timestampMs))).toEqual([
      0, 100, 200, 300, 400, 500, 600, 700, 800, 900,
    ]);
  });
});

/**
 * Every clip in ../shared/data/clips and every tracking video in ../shared/data/tracking decodes
 * with the expected frame count and size: from meta.json for the tracking videos, from ffprobe
 * (`-count_frames`, i.e. decoded) for the clips. Decoded scaled down (maxSide 96) to stay fast;
 * probeVideo is checked at full size. The tracking videos are all H.264 in mp4 (the clips hold the
 * odd containers): each is probed and its first second decoded, and three of them (the first, a
 * middle and the last by name) are decoded to the end — all 17 to the end cost a minute and a half
 * of a loaded suite for no other format. Skipped, with a message, when the data is absent.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { lastValueFrom, reduce } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import { decode, probeVideo, resolveFfmpeg } from '../../src/decode/index.js';
import { SHARED_DATA, hasSharedData, noteSharedDataSkip } from '../helpers/shared-data.js';
import { SLOW_TEST_TIMEOUT_MS } from '../helpers/timeouts.js';

// Real processes, decoding or training: each test's deadlock guard is 10 min (test/helpers/timeouts.ts).
vi.setConfig({ testTimeout: SLOW_TEST_TIMEOUT_MS });

noteSharedDataSkip('decode of shared clips and tracking videos');

const MAX_SIDE = 96;

interface Summary {
  count: number;
  width: number;
  height: number;
  lastIndex: number;
  monotonic: boolean;
  lastTs: number;
}

/** Decodes without keeping the frames (the first `durationMs` only, when given). */
function summarise(file: string, durationMs?: number): Promise<Summary> {
  return lastValueFrom(
    decode(file, { maxSide: MAX_SIDE, durationMs }).pipe(
      reduce<
        { index: number; timestampMs: number; width: number; height: number; data: Uint8Array },
        Summary
      >(
        (s, f) => ({
          count: s.count + 1,
          width: f.width,
          height: f.height,
          lastIndex: f.index,
          monotonic: s.monotonic && f.timestampMs > s.lastTs && f.data.length === f.width * f.height * 3,
          lastTs: f.timestampMs,
        }),
        { count: 0, width: 0, height: 0, lastIndex: -1, monotonic: true, lastTs: -1 },
      ),
    ),
  );
}

/** The size decode() gives with maxSide: the longest side capped, the aspect kept (ffmpeg rounds). */
function scaled(w: number, h: number): [number, number] {
  const k = Math.min(1, MAX_SIDE / Math.max(w, h));
  return [Math.round(w * k), Math.round(h * k)];
}

const trackingDir = path.join(SHARED_DATA, 'tracking');
const sequences =
  hasSharedData && existsSync(trackingDir)
    ? readdirSync(trackingDir).filter((d) => existsSync(path.join(trackingDir, d, 'video.mp4')))
    : [];
const clipsDir = path.join(SHARED_DATA, 'clips');
const clips =
  hasSharedData && existsSync(clipsDir) ? readdirSync(clipsDir).filter((f) => !f.startsWith('.')) : [];

/** Decoded to the end: the first, a middle and the last by name. */
const toTheEnd = new Set([sequences[0], sequences[sequences.length >> 1], sequences.at(-1)]);

describe.skipIf(!hasSharedData)('shared tracking videos', () => {
  it.each(sequences)('%s: meta.json frame count and size', async (seq) => {
    const meta = JSON.parse(readFileSync(path.join(trackingDir, seq, 'meta.json'), 'utf8')) as {
      mp4: { width: number; height: number; frames: number; fps: number };
    };
    const file = path.join(trackingDir, seq, 'video.mp4');
    const info = await probeVideo(file);
    expect(info).toMatchObject({
      width: meta.mp4.width,
      height: meta.mp4.height,
      frameCount: meta.mp4.frames,
    });
    expect(info.fps).toBeCloseTo(meta.mp4.fps, 1);
    if (!toTheEnd.has(seq)) {
      const first = await summarise(file, 1000);
      const n = Math.round(meta.mp4.fps);
      expect(first.count).toBe(n);
      expect(first.lastIndex).toBe(n - 1);
      expect([first.width, first.height]).toEqual(scaled(meta.mp4.width, meta.mp4.height));
      expect(first.monotonic).toBe(true);
      return;
    }
    const s = await summarise(file);
    expect(s.count).toBe(meta.mp4.frames);
    expect(s.lastIndex).toBe(meta.mp4.frames - 1);
    expect([s.width, s.height]).toEqual(scaled(meta.mp4.width, meta.mp4.height));
    expect(s.monotonic).toBe(true);
    expect(s.lastTs).toBeCloseTo(((meta.mp4.frames - 1) * 1000) / meta.mp4.fps, 0);
  });
});

describe.skipIf(!hasSharedData)('shared clips (mp4, mkv, avi, animated gif)', () => {
  const ffprobe = resolveFfmpeg().ffprobePath;
  it.each(clips)('%s: decoded frame count and size as ffprobe says', async (clip) => {
    const file = path.join(clipsDir, clip);
    const info = await probeVideo(file);
    let expected = info.frameCount;
    if (ffprobe) {
      const { stdout: out } = await promisify(execFile)(
        ffprobe,
        [
          '-v',
          'error',
          '-select_streams',
          'v:0',
          '-count_frames',
          '-show_entries',
          'stream=nb_read_frames',
          '-of',
          'csv=p=0',
          file,
        ],
        {
          encoding: 'utf8',
        },
      );
      expected = Number(out.trim());
    }
    expect(expected).toBeGreaterThan(0);
    const s = await summarise(file);
    expect(s.count).toBe(expected);
    expect([s.width, s.height]).toEqual(scaled(info.width, info.height));
    expect(s.monotonic).toBe(true);
  });
});

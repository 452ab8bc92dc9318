/**
 * decode() on the project's own sample (samples/tracking/video.mp4: 180 frames, 320x240, 30 fps),
 * so these run anywhere.
 */
import { createReadStream, existsSync } from 'node:fs';
import { take } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { decode, probeVideo, type VideoInfo } from '../../src/decode/index.js';
import { SAMPLE, SAMPLE_FPS, SAMPLE_FRAMES, collect } from './helpers.js';
import { SLOW_TEST_TIMEOUT_MS } from '../helpers/timeouts.js';

// Real processes, decoding or training: each test's deadlock guard is 10 min (test/helpers/timeouts.ts).
vi.setConfig({ testTimeout: SLOW_TEST_TIMEOUT_MS });

describe('decode(samples/tracking/video.mp4)', () => {
  it('exists (npx tsx samples/make-tracking-sample.ts makes it)', () => {
    expect(existsSync(SAMPLE)).toBe(true);
  });

  it('gives every frame at full size with pts timestamps, after onInfo', async () => {
    const events: string[] = [];
    let info: VideoInfo | undefined;
    const frames = await collect(
      decode(SAMPLE, {
        onInfo: (i) => {
          info = i;
          events.push('info');
        },
      }),
    );
    events.push(`frames:${frames.length}`);
    expect(events[0]).toBe('info');
    expect(info).toMatchObject({ width: 320, height: 240, fps: SAMPLE_FPS, codec: 'h264' });
    expect(info?.durationMs).toBeCloseTo(6000, -2);
    expect(frames).toHaveLength(SAMPLE_FRAMES);
    frames.forEach((f, i) => {
      expect(f.index).toBe(i);
      expect(f.width).toBe(320);
      expect(f.height).toBe(240);
      expect(f.data).toBeInstanceOf(Uint8Array);
      expect(f.data.length).toBe(320 * 240 * 3);
      expect(f.timestampMs).toBeCloseTo((i * 1000) / SAMPLE_FPS, 6);
    });
    // Frames are copies, not views of one reused buffer.
    expect(frames[0].data.buffer).not.toBe(frames[1].data.buffer);
    // Not blank: the sample has texture everywhere.
    const mean = frames[90].data.reduce((s, v) => s + v, 0) / frames[90].data.length;
    expect(mean).toBeGreaterThan(60);
    expect(mean).toBeLessThan(200);
  });

  it('matches probeVideo', async () => {
    const info = await probeVideo(SAMPLE);
    expect(info).toMatchObject({
      width: 320,
      height: 240,
      fps: 30,
      frameCount: SAMPLE_FRAMES,
      codec: 'h264',
    });
  });

  it('scales: width alone keeps aspect, maxSide caps the longest side and never upscales', async () => {
    const [w] = await collect(decode(SAMPLE, { width: 160 }).pipe(take(1)));
    expect([w.width, w.height, w.data.length]).toEqual([160, 120, 160 * 120 * 3]);
    const [h] = await collect(decode(SAMPLE, { height: 60 }).pipe(take(1)));
    expect([h.width, h.height]).toEqual([80, 60]);
    const [m] = await collect(decode(SAMPLE, { maxSide: 100 }).pipe(take(1)));
    expect([m.width, m.height]).toEqual([100, 75]);
    const [big] = await collect(decode(SAMPLE, { maxSide: 1000 }).pipe(take(1)));
    expect([big.width, big.height]).toEqual([320, 240]);
    const [both] = await collect(decode(SAMPLE, { width: 64, height: 64 }).pipe(take(1)));
    expect([both.width, both.height]).toEqual([64, 64]);
  });

  it('resamples with fps, and cuts with startMs / durationMs', async () => {
    const half = await collect(decode(SAMPLE, { fps: 15, maxSide: 64 }));
    expect(half).toHaveLength(SAMPLE_FRAMES / 2);
    expect(half[1].timestampMs).toBeCloseTo(1000 / 15, 6);
    expect(half.at(-1)?.index).toBe(SAMPLE_FRAMES / 2 - 1);

    const cut = await collect(decode(SAMPLE, { startMs: 2000, durationMs: 1000, maxSide: 64 }));
    expect(cut).toHaveLength(30);
    expect(cut[0].timestampMs).toBe(0);
    expect(cut[0].index).toBe(0);
    // Frame-accurate seek: the first frame is the sample's frame 60.
    const [f60] = await collect(decode(SAMPLE, { maxSide: 64 }).pipe(take(61))).then((a) => a.slice(60));
    expect(cut[0].data).toEqual(f60.data);
  });

  it('loops a file with increasing indices and timestamps', async () => {
    const frames = await collect(decode(SAMPLE, { loop: true, maxSide: 32 }).pipe(take(SAMPLE_FRAMES + 10)));
    expect(frames.map((f) => f.index)).toEqual(frames.map((_, i) => i));
    const t = frames.map((f) => f.timestampMs);
    expect(t.every((v, i) => i === 0 || v > t[i - 1])).toBe(true);
    expect(frames[SAMPLE_FRAMES].data).toEqual(frames[0].data);
  });

  it('plays at the file’s own rate with realtime', async () => {
    const t0 = performance.now();
    const frames = await collect(decode(SAMPLE, { realtime: true, maxSide: 32, durationMs: 500 }));
    const elapsed = performance.now() - t0;
    expect(frames).toHaveLength(15);
    // 15 frames at 30 fps take ~0.47 s of stream time; without -re they take a few ms.
    expect(elapsed).toBeGreaterThan(350);
  });

  it('reads the source - from stdin', async () => {
    const frames = await collect(decode('-', { stdin: createReadStream(SAMPLE), maxSide: 64 }));
    expect(frames).toHaveLength(SAMPLE_FRAMES);
    expect(frames[5].timestampMs).toBeCloseTo(5000 / 30, 6);
  });

  describe('with the packaged 2018 ffmpeg (no ffprobe, old options)', () => {
    const saved = process.env.FFMPEG_PATH;
    afterEach(() => {
      if (saved === undefined) delete process.env.FFMPEG_PATH;
      else process.env.FFMPEG_PATH = saved;
    });

    it('decodes and probes the same', async () => {
      const { createRequire } = await import('node:module');
      const packaged = (createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path: string }).path;
      process.env.FFMPEG_PATH = packaged;
      const frames = await collect(decode(SAMPLE, { maxSide: 64 }));
      expect(frames).toHaveLength(SAMPLE_FRAMES);
      expect(frames[3].timestampMs).toBeCloseTo(100, 6);
      const info = await probeVideo(SAMPLE);
      expect(info).toMatchObject({
        width: 320,
        height: 240,
        fps: 30,
        frameCount: SAMPLE_FRAMES,
        codec: 'h264',
      });
    });
  });
});

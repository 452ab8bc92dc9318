import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  GREEN,
  RED,
  drawResult,
  drawTargets,
  drawText,
  idColour,
  strokeBox,
  type RgbImage,
} from '../../src/cli/annotate/draw.js';
import { createVideoEncoder } from '../../src/cli/annotate/encoder.js';
import { partialPath } from '../../src/cli/output-path.js';
import {
  UNKNOWN_COLOUR,
  drawSegmentFrame,
  labelColour,
  segmentAt,
} from '../../src/cli/annotate/segments-video.js';
import type { ActionSegment } from '../../src/classify/segments.js';
import { probeVideo, resolveFfmpeg } from '../../src/decode/index.js';
import type { TrackResult } from '../../src/types.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'siam-annotate-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const image = (width: number, height: number): RgbImage => ({
  width,
  height,
  data: new Uint8Array(width * height * 3),
});
const pixel = (img: RgbImage, x: number, y: number): number[] => {
  const o = (y * img.width + x) * 3;
  return [img.data[o], img.data[o + 1], img.data[o + 2]];
};
const result = (lost: boolean): TrackResult => ({
  frameIndex: 0,
  timestampMs: 0,
  box: { x: 100, y: 60, width: 40, height: 30 },
  score: 0.5,
  psr: 8,
  lost,
  timings: {},
});

describe('drawing', () => {
  it('outlines the box and leaves its inside alone', () => {
    const img = image(64, 48);
    strokeBox(img, { x: 10, y: 10, width: 20, height: 15 }, GREEN, 2);
    expect(pixel(img, 10, 10)).toEqual([...GREEN]);
    expect(pixel(img, 29, 24)).toEqual([...GREEN]);
    expect(pixel(img, 20, 17)).toEqual([0, 0, 0]);
    expect(pixel(img, 9, 9)).toEqual([0, 0, 0]);
  });

  it('clips to the frame (boxes half outside, NaN boxes)', () => {
    const img = image(32, 32);
    strokeBox(img, { x: -10, y: 20, width: 100, height: 100 }, RED, 3);
    strokeBox(img, { x: NaN, y: 0, width: 1, height: 1 }, RED, 3);
    expect(pixel(img, 0, 26)).toEqual([0, 0, 0]); // the left edge is off-frame
    expect(pixel(img, 5, 20)).toEqual([...RED]);
  });

  it('draws the box green when tracked and red when lost, with a score panel', () => {
    const tracked = image(320, 240);
    drawResult(tracked, result(false));
    expect(pixel(tracked, 100, 60)).toEqual([...GREEN]);
    const lost = image(320, 240);
    drawResult(lost, result(true));
    expect(pixel(lost, 100, 60)).toEqual([...RED]);
    // The score bar (score 0.5, bar 40*s px from x = 2s) is coloured on its first half only.
    expect(pixel(lost, 10, 5)).toEqual([...RED]);
    expect(pixel(lost, 60, 5)).not.toEqual([...RED]);
  });

  it('draws several targets each in its id colour, labelled above the box, thin while lost', () => {
    const img = image(320, 240);
    const a = { ...result(false), id: 1, box: { x: 40, y: 60, width: 40, height: 30 } };
    const b = { ...result(true), id: 2, box: { x: 200, y: 100, width: 40, height: 30 } };
    drawTargets(img, [a, b]);
    expect(idColour(1)).not.toEqual(idColour(2));
    expect(pixel(img, 40, 75)).toEqual([...idColour(1)]);
    expect(pixel(img, 41, 75)).toEqual([...idColour(1)]); // 2-px outline while tracked
    expect(pixel(img, 200, 115)).toEqual([...idColour(2)]);
    expect(pixel(img, 201, 115)).toEqual([0, 0, 0]); // 1 px while lost
    // The label strip sits just above each box; the lost one's text is red.
    const strip = (x0: number, y0: number, colour: readonly number[]): boolean => {
      for (let y = y0 - 14; y < y0; y++)
        for (let x = x0; x < x0 + 60; x++) if (pixel(img, x, y).join() === colour.join()) return true;
      return false;
    };
    expect(strip(40, 60, idColour(1))).toBe(true);
    expect(strip(200, 100, RED)).toBe(true);
    // No single-target score panel in the corner.
    expect(pixel(img, 10, 5)).toEqual([0, 0, 0]);
  });

  it('draws glyphs', () => {
    const img = image(20, 10);
    drawText(img, 0, 0, '1', [255, 255, 255], 1);
    expect(pixel(img, 1, 0)).toEqual([255, 255, 255]);
    expect(pixel(img, 0, 0)).toEqual([0, 0, 0]);
  });
});

describe('segments burnt in (classify --annotate)', () => {
  const seg = (label: string, startMs: number, endMs: number, score: number | null): ActionSegment => ({
    label,
    startMs,
    endMs,
    score,
    windows: 1,
  });
  const segments = [
    seg('wave', 0, 1000, 0.9),
    seg('unknown', 1000, 2500, null),
    seg('clap', 2500, 4000, 0.7),
  ];
  const labels = ['clap', 'wave'];

  it('finds the segment of a time (table)', () => {
    const cases: [number, string | undefined][] = [
      [-1, undefined],
      [0, 'wave'],
      [999, 'wave'],
      [1000, 'unknown'],
      [2499, 'unknown'],
      [2500, 'clap'],
      [3999, 'clap'],
      [4100, 'clap'], // the last frame may end a little past the last window
    ];
    for (const [t, label] of cases) expect(segmentAt(segments, t)?.label, `t = ${t}`).toBe(label);
    expect(segmentAt([], 0)).toBeUndefined();
  });

  it('colours labels in model order, unknown grey', () => {
    expect(labelColour(labels, 'clap')).toEqual(idColour(1));
    expect(labelColour(labels, 'wave')).toEqual(idColour(2));
    expect(labelColour(labels, 'unknown')).toEqual(UNKNOWN_COLOUR);
  });

  it('draws the timeline in the labels colours with a playhead, and the current label in a caption', () => {
    const img = image(400, 180); // panel scale 1
    drawSegmentFrame(img, segments, labels, 3000);
    const bottom = img.height - 1;
    expect(pixel(img, 50, bottom)).toEqual([...idColour(2)]); // 0–1 s: wave
    expect(pixel(img, 175, bottom)).toEqual([...UNKNOWN_COLOUR]); // 1–2.5 s
    expect(pixel(img, 350, bottom)).toEqual([...idColour(1)]); // 2.5–4 s: clap
    expect(pixel(img, 300, bottom)).toEqual([255, 255, 255]); // playhead at 3 s of 4
    // Caption above the strip: a swatch of clap's colour, then its name in white.
    const captionTop = img.height - 3 - 1 - 9;
    expect(pixel(img, 2, captionTop + 2)).toEqual([...idColour(1)]);
    let white = 0;
    for (let y = captionTop; y < captionTop + 9; y++)
      for (let x = 5; x < 60; x++) if (pixel(img, x, y).every((v) => v === 255)) white++;
    expect(white).toBeGreaterThan(20);
    expect(pixel(img, 200, 20)).toEqual([0, 0, 0]); // the rest of the frame untouched
  });

  it('draws every letter of a label with a glyph of its own', () => {
    const bitmap = (ch: string): string => {
      const img = image(3, 5);
      drawText(img, 0, 0, ch, [255, 255, 255], 1);
      return Array.from({ length: 15 }, (_, i) => (img.data[3 * i] ? '1' : '0')).join('');
    };
    const chars = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ_'];
    const seen = new Set(chars.map(bitmap));
    expect(seen.size).toBe(chars.length); // none the same, none a blank or the '?' fallback twice
    expect(seen.has(bitmap('?'))).toBe(false);
    expect(bitmap('a')).toBe(bitmap('A'));
  });
});

describe('encoder', () => {
  it('writes a playable mp4 with one frame per write (odd sizes padded)', async () => {
    const out = path.join(tmp, 'enc.mp4');
    const enc = createVideoEncoder({ ffmpegPath: resolveFfmpeg().path, out, width: 65, height: 49, fps: 10 });
    for (let i = 0; i < 12; i++) {
      const img = image(65, 49);
      drawResult(img, { ...result(i % 2 === 0), box: { x: i, y: i, width: 20, height: 20 } });
      await enc.write(img.data);
    }
    await enc.finish();
    const info = await probeVideo(out);
    expect(info.frameCount).toBe(12);
    expect([info.width, info.height]).toEqual([66, 50]);
    const pid = enc.pid!;
    expect(() => process.kill(pid, 0)).toThrow(); // gone
  });

  it('never writes over a file already called <stem>.partial.mp4 (an input, leftovers)', async () => {
    // Failed before the fix: `track clip.partial.mp4 … --annotate clip.mp4` had ffmpeg write its
    // temporary file over the input, then renamed it away: the input was gone.
    const out = path.join(tmp, 'clip.mp4');
    writeFileSync(partialPath(out), 'the input video');
    const enc = createVideoEncoder({ ffmpegPath: resolveFfmpeg().path, out, width: 16, height: 16, fps: 10 });
    for (let i = 0; i < 3; i++) await enc.write(image(16, 16).data);
    await enc.finish();
    expect(readFileSync(partialPath(out), 'utf8')).toBe('the input video');
    expect((await probeVideo(out)).frameCount).toBe(3);
    expect(existsSync(path.join(tmp, 'clip.partial-2.mp4'))).toBe(false);
  });

  it('refuses an output it cannot create with ERR_BAD_OPTION (a folder that is a file) before ffmpeg starts', () => {
    const file = path.join(tmp, 'a-file');
    writeFileSync(file, '');
    expect(() =>
      createVideoEncoder({
        ffmpegPath: resolveFfmpeg().path,
        out: path.join(file, 'v.mp4'),
        width: 8,
        height: 8,
        fps: 10,
      }),
    ).toThrow(expect.objectContaining({ code: 'ERR_BAD_OPTION' }));
  });

  it('reports ERR_FFMPEG_EXIT with the stderr tail when ffmpeg fails', async () => {
    const enc = createVideoEncoder({
      ffmpegPath: resolveFfmpeg().path,
      out: path.join(tmp, 'bad.nosuchformat'),
      width: 8,
      height: 8,
      fps: 10,
    });
    await expect(
      (async () => {
        await enc.write(new Uint8Array(8 * 8 * 3));
        await enc.finish();
      })(),
    ).rejects.toMatchObject({ code: 'ERR_FFMPEG_EXIT' });
  });

  it('refuses a frame of the wrong size', async () => {
    const enc = createVideoEncoder({
      ffmpegPath: resolveFfmpeg().path,
      out: path.join(tmp, 'x.mp4'),
      width: 8,
      height: 8,
      fps: 10,
    });
    await expect(enc.write(new Uint8Array(10))).rejects.toMatchObject({ code: 'ERR_BAD_FRAME' });
    enc.kill();
    await enc.finish().catch(() => undefined);
    expect(() => process.kill(enc.pid!, 0)).toThrow(); // no child left
  });
});

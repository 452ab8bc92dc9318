import { mkdtempSync, rmSync } from 'node:fs';
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

/** Each failure of the decode stage has its stable code (STYLE.md §8): class, code and message. */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { decode, probeVideo, resolveFfmpeg } from '../../src/decode/index.js';
import { SiamError } from '../../src/errors.js';
import { SAMPLE, rejection } from './helpers.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'siam-decode-err-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const corrupt = path.join(tmp, 'corrupt.mp4');
writeFileSync(corrupt, Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 2654435761) >>> 24)));

describe('decode errors', () => {
  it('ERR_SOURCE_NOT_FOUND for a missing file, on subscribe (not at the call)', async () => {
    const frames$ = decode(path.join(tmp, 'missing.mp4'));
    const err = await rejection(firstValueFrom(frames$));
    expect(err).toBeInstanceOf(SiamError);
    expect(err.code).toBe('ERR_SOURCE_NOT_FOUND');
    expect(err.message).toContain('missing.mp4');
  });

  it('ERR_FFMPEG_EXIT with exit code, signal and stderr tail for a corrupt file', async () => {
    const err = await rejection(firstValueFrom(decode(corrupt)));
    expect(err).toBeInstanceOf(SiamError);
    expect(err.code).toBe('ERR_FFMPEG_EXIT');
    expect(err.message).toMatch(/ffmpeg exited with code \d+: .*Invalid data/);
    expect(err.details?.exitCode).not.toBe(0);
    expect(err.details?.signal).toBeNull();
    expect(err.details?.stderrTail).toMatch(/Invalid data found when processing input/);
  });

  it('delivers the frames of a truncated file that ffmpeg could decode', async () => {
    const truncated = path.join(tmp, 'truncated.mp4');
    const bytes = readFileSync(SAMPLE);
    writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
    let frames = 0;
    let error: unknown;
    await new Promise<void>((resolve) =>
      decode(truncated, { maxSide: 32 }).subscribe({
        next: () => frames++,
        error: (e) => ((error = e), resolve()),
        complete: resolve,
      }),
    );
    expect(frames).toBeGreaterThan(10);
    if (error) expect((error as SiamError).code).toBe('ERR_FFMPEG_EXIT');
  });

  it('reports a truncated .mkv through onTruncated (ffmpeg: "File ended prematurely"), not a whole one', async () => {
    const whole = path.join(tmp, 'whole.mkv');
    const ff = spawn(resolveFfmpeg().path, ['-v', 'error', '-y', '-i', SAMPLE, '-c', 'copy', whole]);
    expect(await new Promise((r) => ff.once('close', r))).toBe(0);
    const cut = path.join(tmp, 'cut.mkv');
    const bytes = readFileSync(whole);
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.4)));
    const notes: string[] = [];
    const frames = await lastValueFrom(
      decode(cut, { maxSide: 16, onTruncated: (n) => notes.push(n) }).pipe(toArray()),
    );
    expect(frames.length).toBeGreaterThan(0);
    expect(notes).toEqual([expect.stringMatching(/File ended prematurely/)]);
    const none: string[] = [];
    await lastValueFrom(decode(whole, { maxSide: 16, onTruncated: (n) => none.push(n) }).pipe(toArray()));
    expect(none).toEqual([]);
  });

  it.each(['file:/etc/passwd', 'concat:/a.mp4|/b.mp4', 'subfile:,,start,0,end,0,,:/etc/passwd'])(
    'ERR_UNSUPPORTED_SOURCE for %s',
    async (s) => {
      const err = await rejection(firstValueFrom(decode(s)));
      expect(err).toBeInstanceOf(SiamError);
      expect(err.code).toBe('ERR_UNSUPPORTED_SOURCE');
    },
  );

  it('ERR_BAD_OPTION, thrown by the call itself, for bad options or loop on a live source', async () => {
    expect(() => decode(SAMPLE, { width: -1 })).toThrowError(
      expect.objectContaining({ code: 'ERR_BAD_OPTION' }),
    );
    const err = await rejection(firstValueFrom(decode('rtsp://127.0.0.1:9/x', { loop: true })));
    expect(err.code).toBe('ERR_BAD_OPTION');
  });

  describe('ERR_FFMPEG_NOT_FOUND', () => {
    const saved = process.env.FFMPEG_PATH;
    afterEach(() => {
      if (saved === undefined) delete process.env.FFMPEG_PATH;
      else process.env.FFMPEG_PATH = saved;
    });
    it('when FFMPEG_PATH names no binary', async () => {
      process.env.FFMPEG_PATH = path.join(tmp, 'no-ffmpeg');
      const err = await rejection(firstValueFrom(decode(SAMPLE)));
      expect(err.code).toBe('ERR_FFMPEG_NOT_FOUND');
    });
    it('when the binary cannot run', async () => {
      const notExec = path.join(tmp, 'ffmpeg-broken');
      writeFileSync(notExec, '#!/nonexistent/interpreter\n', { mode: 0o755 });
      process.env.FFMPEG_PATH = notExec;
      const err = await rejection(firstValueFrom(decode(SAMPLE)));
      expect(err.code).toBe('ERR_FFMPEG_NOT_FOUND');
    });
  });
});

describe('probeVideo errors', () => {
  it('ERR_PROBE_FAILED for a corrupt file, with ffprobe’s reason', async () => {
    const err = await rejection(probeVideo(corrupt));
    expect(err).toBeInstanceOf(SiamError);
    expect(err.code).toBe('ERR_PROBE_FAILED');
    expect(err.message).toMatch(/Invalid data/);
  });

  it('ERR_NO_VIDEO_STREAM for a file with no video stream (a WAV), from probeVideo and decode', async () => {
    const wav = path.join(tmp, 'tone.wav');
    const samples = 800;
    const h = Buffer.alloc(44);
    h.write('RIFF', 0);
    h.writeUInt32LE(36 + samples * 2, 4);
    h.write('WAVEfmt ', 8);
    h.writeUInt32LE(16, 16);
    h.writeUInt16LE(1, 20); // PCM
    h.writeUInt16LE(1, 22); // mono
    h.writeUInt32LE(8000, 24);
    h.writeUInt32LE(16000, 28);
    h.writeUInt16LE(2, 32);
    h.writeUInt16LE(16, 34);
    h.write('data', 36);
    h.writeUInt32LE(samples * 2, 40);
    writeFileSync(wav, Buffer.concat([h, Buffer.alloc(samples * 2)]));
    const err = await rejection(probeVideo(wav));
    expect(err.code).toBe('ERR_NO_VIDEO_STREAM');
    expect(err.message).toBe(`${wav} has no video stream`);
    // decode() learns it from ffmpeg ("Stream map '0:v:0' matches no streams"); it said only
    // ERR_FFMPEG_EXIT with ffmpeg's advice to add a trailing '?' to the map before.
    const fromDecode = await rejection(firstValueFrom(decode(wav)));
    expect(fromDecode.code).toBe('ERR_NO_VIDEO_STREAM');
    expect(fromDecode.message).toBe(`${wav} has no video stream`);
  });

  it('ERR_SOURCE_NOT_FOUND, ERR_UNSUPPORTED_SOURCE (also for stdin)', async () => {
    expect((await rejection(probeVideo(path.join(tmp, 'missing.mp4')))).code).toBe('ERR_SOURCE_NOT_FOUND');
    expect((await rejection(probeVideo('concat:a|b'))).code).toBe('ERR_UNSUPPORTED_SOURCE');
    expect((await rejection(probeVideo('-'))).code).toBe('ERR_UNSUPPORTED_SOURCE');
  });

  it('still decodes a copy of the sample with an odd name (a colon is not a protocol)', async () => {
    const odd = path.join(tmp, 'concat:odd name.mp4');
    copyFileSync(SAMPLE, odd);
    const frames = await lastValueFrom(decode(odd, { maxSide: 16, durationMs: 200 }).pipe(toArray()));
    expect(frames).toHaveLength(6);
    expect((await probeVideo(odd)).frameCount).toBe(180);
  });
});

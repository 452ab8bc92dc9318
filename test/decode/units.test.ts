/** Pure parts of the decode stage: stderr parsing, frame cutting, arguments, sources, ffmpeg lookup, demand. */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Subject, of, toArray, lastValueFrom, delay, from } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { buildFfmpegArgs, scaleFilter } from '../../src/decode/args.js';
import { createFrameDemand } from '../../src/decode/demand.js';
import { redactUrl } from '../../src/decode/decode.js';
import { ffmpegCapabilities, resolveFfmpeg } from '../../src/decode/ffmpeg-path.js';
import { FrameAssembler } from '../../src/decode/frame-assembler.js';
import { validateDecodeOptions } from '../../src/decode/options.js';
import { resolveSource } from '../../src/decode/source.js';
import {
  HeaderParser,
  ShowinfoParser,
  StderrTail,
  parseShowinfoLine,
} from '../../src/decode/stderr-parser.js';
import { SiamError } from '../../src/errors.js';
import { REPO_ROOT } from '../helpers/shared-data.js';

const SAMPLE = path.join(REPO_ROOT, 'samples/tracking/video.mp4');

// Lines as ffmpeg 5.1 (Debian) and the 2018 static build print them.
const SHOWINFO_51 =
  '[Parsed_showinfo_2 @ 0x55f86cb7e040] n:   1 pts:      4 pts_time:0.04    pos:    30326 fmt:rgb24 sar:0/1 s:64x48 i:P iskey:0 type:P checksum:833AE876 plane_checksum:[833AE876] mean:[106] stdev:[36.1]';
const SHOWINFO_2018 =
  '[Parsed_showinfo_2 @ 0x32a6f780] n: 120 pts:  61440 pts_time:4       pos:   121609 fmt:rgb24 sar:1/1 s:320x240 i:P iskey:0 type:P checksum:F89AEE10 plane_checksum:[F89AEE10] mean:[106 ] stdev:[36.2 ]';

describe('stderr parsing', () => {
  it('reads n, pts and size from showinfo lines of both ffmpeg generations', () => {
    expect(parseShowinfoLine(SHOWINFO_51)).toEqual({ n: 1, ptsMs: 40, width: 64, height: 48 });
    expect(parseShowinfoLine(SHOWINFO_2018)).toEqual({ n: 120, ptsMs: 4000, width: 320, height: 240 });
    expect(parseShowinfoLine('[Parsed_showinfo_2 @ 0x1] color_range:pc color_space:gbr')).toBeUndefined();
    expect(parseShowinfoLine('frame=  10 fps=0.0 q=-0.0 size=')).toBeUndefined();
  });

  it('uses the exact time base when showinfo printed it (pts_time is rounded to 6 digits)', () => {
    const p = new ShowinfoParser();
    expect(
      p.push('[Parsed_showinfo_3 @ 0x1] config in time_base: 1/15360, frame_rate: 30/1'),
    ).toBeUndefined();
    const m = p.push(
      '[Parsed_showinfo_3 @ 0x1] n:   1 pts:    512 pts_time:0.0333333 pos: 1 fmt:rgb24 sar:1/1 s:8x8 i:P',
    );
    expect(m?.ptsMs).toBeCloseTo(1000 / 30, 9);
  });

  it('gives NaN for NOPTS', () => {
    const m = parseShowinfoLine(
      '[Parsed_showinfo_1 @ 0x1] n:   0 pts:NOPTS pts_time:NOPTS pos: 1 fmt:rgb24 sar:1/1 s:8x8 i:P',
    );
    expect(m?.ptsMs).toBeNaN();
  });

  it('reads codec, rate, size and duration from the input header only', () => {
    const h = new HeaderParser();
    for (const l of [
      "Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'x.mp4':",
      '  Duration: 00:00:10.03, start: 0.000000, bitrate: 1478 kb/s',
      '  Stream #0:0(und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(progressive), 1280x720 [SAR 1:1 DAR 16:9], 1478 kb/s, 29.97 fps, 29.97 tbr, 10240 tbn (default)',
      '  Stream #0:1(und): Video: png, rgb24, 64x64, 90k tbr',
      "Output #0, rawvideo, to 'pipe:1':",
      '  Stream #0:0: Video: rawvideo (RGB[24] / 0x18424752), rgb24, 64x36, q=2-31, 2457 kb/s, 25 fps, 25 tbn',
    ]) {
      h.push(l);
    }
    expect(h.header).toEqual({ codec: 'h264', fps: 29.97, width: 1280, height: 720, durationMs: 10030 });
  });

  it('falls back to tbr and understands k suffixes', () => {
    const h = new HeaderParser();
    h.push('Input #0, gif, from "a.gif":');
    h.push('  Stream #0:0: Video: gif, bgra, 224x224, 1k tbr, 100 tbn');
    expect(h.header.fps).toBe(1000);
  });

  it('keeps a tail without per-frame lines and summarises the error line', () => {
    const t = new StderrTail(3);
    t.push('a');
    t.push(SHOWINFO_51);
    t.push('x.mp4: Invalid data found when processing input');
    t.push('b');
    expect(t.toString()).toBe('a\nx.mp4: Invalid data found when processing input\nb');
    expect(t.summary()).toBe('x.mp4: Invalid data found when processing input');
  });

  it("summarises with the reason, not ffmpeg's closing verdict", () => {
    const t = new StderrTail();
    for (const line of [
      "Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'pipe:':",
      '[mov,mp4,m4a,3gp,3g2,mj2 @ 0x55b9cf6fc8c0] stream 1, offset 0x30: partial file',
      'pipe:: Invalid data found when processing input',
      'Conversion failed!',
    ])
      t.push(line);
    expect(t.summary()).toBe(
      '[mov,mp4,m4a,3gp,3g2,mj2] stream 1, offset 0x30: partial file; pipe:: Invalid data found when processing input',
    );
  });
});

describe('FrameAssembler', () => {
  it('cuts frames across arbitrary chunk boundaries, waiting for each frame’s meta', () => {
    const a = new FrameAssembler();
    const frame = (n: number): Uint8Array => Uint8Array.from({ length: 2 * 2 * 3 }, (_, i) => n * 16 + i);
    const bytes = Buffer.concat([frame(0), frame(1), frame(2)].map((f) => Buffer.from(f)));
    // 36 bytes in chunks of 5, 7, 24.
    a.pushBytes(bytes.subarray(0, 5));
    a.pushBytes(bytes.subarray(5, 12));
    expect(a.take()).toBeUndefined(); // bytes, but no meta yet
    a.pushMeta({ n: 0, ptsMs: 0, width: 2, height: 2 });
    a.pushMeta({ n: 1, ptsMs: 40, width: 2, height: 2 });
    expect(a.take()?.data).toEqual(frame(0));
    expect(a.take()).toBeUndefined(); // meta, but no bytes yet
    a.pushBytes(bytes.subarray(12));
    expect(a.take()).toEqual({ meta: { n: 1, ptsMs: 40, width: 2, height: 2 }, data: frame(1) });
    a.pushMeta({ n: 2, ptsMs: 80, width: 2, height: 2 });
    expect(a.take()?.data).toEqual(frame(2));
    expect(a.bufferedBytes).toBe(0);
  });

  it('follows a size change between frames', () => {
    const a = new FrameAssembler();
    a.pushMeta({ n: 0, ptsMs: 0, width: 1, height: 1 });
    a.pushMeta({ n: 1, ptsMs: 1, width: 2, height: 1 });
    a.pushBytes(Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9]));
    expect(Array.from(a.take()!.data)).toEqual([1, 2, 3]);
    expect(Array.from(a.take()!.data)).toEqual([4, 5, 6, 7, 8, 9]);
  });
});

describe('ffmpeg arguments', () => {
  const caps51 = {
    versionLine: 'ffmpeg version 5.1',
    version: [5, 1] as [number, number],
    fpsMode: true,
    showinfoChecksumOption: true,
  };
  const caps2018 = { versionLine: 'ffmpeg version N-47683', fpsMode: false, showinfoChecksumOption: false };
  const file = resolveSource(SAMPLE);

  it('scales by width, height, both, or a max side without upscaling', () => {
    expect(scaleFilter({})).toBeUndefined();
    expect(scaleFilter({ width: 160 })).toBe('scale=160:-1');
    expect(scaleFilter({ height: 90 })).toBe('scale=-1:90');
    expect(scaleFilter({ width: 64, height: 48, maxSide: 10 })).toBe('scale=64:48');
    expect(scaleFilter({ maxSide: 640 })).toBe(
      'scale=w=min(640\\,iw):h=min(640\\,ih):force_original_aspect_ratio=decrease',
    );
  });

  it('puts fps, scale, rgb24 and showinfo in that order, passthrough timing, rawvideo out', () => {
    const a = buildFfmpegArgs(
      file,
      { fps: 10, width: 32, startMs: 1500, durationMs: 2000, loop: true, realtime: true },
      caps51,
    );
    expect(a.filter).toBe('fps=10,scale=32:-1,format=rgb24,showinfo=checksum=0');
    expect(a.inputOptions).toEqual([
      '-hide_banner',
      '-nostats',
      '-loglevel',
      'info',
      '-nostdin',
      '-re',
      '-stream_loop',
      '-1',
      '-ss',
      '1.500',
    ]);
    expect(a.outputOptions).toEqual([
      '-map',
      '0:v:0',
      '-an',
      '-sn',
      '-dn',
      '-vf',
      a.filter,
      '-fps_mode',
      'passthrough',
      '-t',
      '2.000',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
    ]);
  });

  it('uses the options old ffmpeg builds understand', () => {
    const a = buildFfmpegArgs(file, {}, caps2018);
    expect(a.filter).toBe('format=rgb24,showinfo');
    expect(a.outputOptions).toContain('-vsync');
  });

  it('lets ffmpeg read stdin only for the - source', () => {
    expect(buildFfmpegArgs(resolveSource('-'), {}, caps51).inputOptions).not.toContain('-nostdin');
  });
});

describe('resolveSource', () => {
  it('classifies files, stdin, cameras and network URLs', () => {
    expect(resolveSource(SAMPLE)).toMatchObject({ kind: 'file', ffmpegInput: `file:${SAMPLE}`, live: false });
    expect(resolveSource('-')).toMatchObject({ kind: 'stdin', ffmpegInput: 'pipe:0', live: false });
    const rtsp = resolveSource('rtsp://cam.local:554/stream');
    expect(rtsp).toMatchObject({ kind: 'network', live: true });
    expect(rtsp.inputOptions[0]).toBe('-protocol_whitelist');
    expect(rtsp.inputOptions[1]).not.toMatch(/\bfile\b/);
    expect(resolveSource('HTTPS://example.com/a.mp4').kind).toBe('network');
    expect(resolveSource('udp://0.0.0.0:1234').kind).toBe('network');
  });

  it.each([
    'file:/etc/passwd',
    'concat:a.mp4|b.mp4',
    'subfile:,,start,0,end,0,,:x.mp4',
    'data:video/mp4;base64,AAAA',
    'pipe:0',
    'crypto:x',
    'ftp://h/x.mp4',
    '-i',
  ])('refuses %s with ERR_UNSUPPORTED_SOURCE', (s) => {
    expect(() => resolveSource(s)).toThrowError(expect.objectContaining({ code: 'ERR_UNSUPPORTED_SOURCE' }));
  });

  it('says ERR_SOURCE_NOT_FOUND for a missing file, a directory, or a missing camera', () => {
    for (const s of ['/nonexistent/video.mp4', REPO_ROOT, '/dev/video97']) {
      expect(() => resolveSource(s)).toThrowError(expect.objectContaining({ code: 'ERR_SOURCE_NOT_FOUND' }));
    }
  });

  it('hides passwords in URLs it logs', () => {
    expect(redactUrl('rtsp://admin:hunter2@10.0.0.5/stream')).toBe('rtsp://admin:***@10.0.0.5/stream');
    expect(redactUrl('/home/a:b@c/video.mp4')).toBe('/home/a:b@c/video.mp4');
    // ffmpeg repeats the URL in its errors, which become ERR_FFMPEG_EXIT messages (and reach the
    // live server's clients): the stderr tail is redacted too.
    const line = 'rtsp://admin:hunter2@127.0.0.1:9/x: Connection refused';
    expect(redactUrl(`[in] ${line}`)).toBe('[in] rtsp://admin:***@127.0.0.1:9/x: Connection refused');
    const tail = new StderrTail();
    tail.push(line);
    expect(tail.toString()).not.toContain('hunter2');
    expect(tail.summary()).toBe('rtsp://admin:***@127.0.0.1:9/x: Connection refused');
  });
});

describe('resolveFfmpeg', () => {
  const saved = { ...process.env };
  const dirs: string[] = [];
  afterEach(() => {
    process.env.FFMPEG_PATH = saved.FFMPEG_PATH;
    process.env.PATH = saved.PATH;
    if (saved.FFMPEG_PATH === undefined) delete process.env.FFMPEG_PATH;
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('prefers FFMPEG_PATH, then PATH, then the packaged binary', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'siam-ff-'));
    dirs.push(dir);
    const fake = path.join(dir, 'ffmpeg');
    writeFileSync(fake, '#!/bin/sh\necho "ffmpeg version 9.9 fake"\n');
    chmodSync(fake, 0o755);

    process.env.FFMPEG_PATH = fake;
    expect(resolveFfmpeg()).toMatchObject({ path: fake, source: 'FFMPEG_PATH' });
    expect(ffmpegCapabilities(fake)).toMatchObject({
      version: [9, 9],
      fpsMode: true,
      showinfoChecksumOption: true,
    });

    delete process.env.FFMPEG_PATH;
    process.env.PATH = dir;
    expect(resolveFfmpeg()).toMatchObject({ path: fake, source: 'system' });

    process.env.PATH = path.join(dir, 'empty');
    const packaged = resolveFfmpeg();
    expect(packaged.source).toBe('packaged');
    expect(packaged.path).toContain('@ffmpeg-installer');
    expect(packaged.ffprobePath).toBeUndefined(); // the static 2018 build ships no ffprobe
    expect(ffmpegCapabilities(packaged.path)).toMatchObject({
      fpsMode: false,
      showinfoChecksumOption: false,
    });
  });

  it('says ERR_FFMPEG_NOT_FOUND when FFMPEG_PATH names nothing', () => {
    process.env.FFMPEG_PATH = '/nonexistent/ffmpeg';
    expect(() => resolveFfmpeg()).toThrowError(expect.objectContaining({ code: 'ERR_FFMPEG_NOT_FOUND' }));
  });
});

describe('validateDecodeOptions', () => {
  it('accepts the empty object and sensible values', () => {
    expect(() => validateDecodeOptions({})).not.toThrow();
    expect(() =>
      validateDecodeOptions({ width: 320, fps: 29.97, startMs: 0, reconnect: { attempts: 0 } }),
    ).not.toThrow();
  });

  it.each([
    [{ width: 0 }, '`width`'],
    [{ height: 1.5 }, '`height`'],
    [{ maxSide: -3 }, '`maxSide`'],
    [{ fps: 0 }, '`fps`'],
    [{ startMs: -1 }, '`startMs`'],
    [{ durationMs: Number.NaN }, '`durationMs`'],
    [{ backpressure: 'some' }, '`backpressure`'],
    [{ reconnect: { attempts: -1 } }, '`reconnect.attempts`'],
    [{ onInfo: 3 }, '`onInfo`'],
    [{ maxSize: 640 }, 'Unknown decode option `maxSize`'],
  ])('rejects %j with ERR_BAD_OPTION naming %s', (o, name) => {
    let err: unknown;
    try {
      validateDecodeOptions(o as never);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SiamError);
    expect((err as SiamError).code).toBe('ERR_BAD_OPTION');
    expect((err as SiamError).message).toContain(name);
  });

  it('hints the nearest option name for a typo', () => {
    let err: SiamError | undefined;
    try {
      validateDecodeOptions({ stallTimeoutMS: 10 } as never);
    } catch (e) {
      err = e as SiamError;
    }
    expect(err?.hint).toBe('Did you mean `stallTimeoutMs`?');
  });
});

describe('createFrameDemand', () => {
  it('gives at most maxInFlight credits until released', () => {
    const d = createFrameDemand({ maxInFlight: 2 });
    let credits = 0;
    const gate = d.attach(() => credits++);
    expect([gate.tryTake(), gate.tryTake(), gate.tryTake()]).toEqual([true, true, false]);
    d.release();
    expect(credits).toBe(1);
    expect(gate.tryTake()).toBe(true);
    expect(d.peakInFlight).toBe(2);
    gate.detach();
  });

  it('refuses a second attach while attached, and bad sizes', () => {
    const d = createFrameDemand();
    const g = d.attach(() => undefined);
    expect(() => d.attach(() => undefined)).toThrowError(expect.objectContaining({ code: 'ERR_BAD_OPTION' }));
    g.detach();
    expect(() => d.attach(() => undefined).detach()).not.toThrow();
    expect(() => createFrameDemand({ maxInFlight: 0 })).toThrowError(
      expect.objectContaining({ code: 'ERR_BAD_OPTION' }),
    );
  });

  it('mapAsync releases one credit per finished frame, with the given concurrency', async () => {
    const d = createFrameDemand({ maxInFlight: 3 });
    let released = 0;
    const gate = d.attach(() => released++);
    for (let i = 0; i < 3; i++) gate.tryTake();
    const out = await lastValueFrom(
      from([1, 2, 3]).pipe(
        d.mapAsync((x) => of(x * 10).pipe(delay(5)), 2),
        toArray(),
      ),
    );
    expect(out.sort()).toEqual([10, 20, 30]);
    expect(released).toBe(3);
    expect(d.inFlight).toBe(0);
    gate.detach();
  });

  it('ackEach releases one credit per value that passes', () => {
    const d = createFrameDemand({ maxInFlight: 1 });
    const gate = d.attach(() => undefined);
    const s = new Subject<number>();
    const seen: number[] = [];
    s.pipe(d.ackEach()).subscribe((v) => seen.push(v));
    expect(gate.tryTake()).toBe(true);
    expect(gate.tryTake()).toBe(false);
    s.next(1);
    expect(gate.tryTake()).toBe(true);
    expect(seen).toEqual([1]);
    gate.detach();
  });
});

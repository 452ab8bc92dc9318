import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { CSV_COLUMNS, formatFromPath, formatResult, openResultSink } from '../../src/cli/outputs.js';
import { checkOutputs, partialPath } from '../../src/cli/output-path.js';
import {
  parseBoxArg,
  checkBoxInFrame,
  initialBox,
  parseBoxesCsv,
  targetStarts,
} from '../../src/cli/track-box.js';
import { isLiveSource } from '../../src/decode/source.js';
import { SiamError } from '../../src/errors.js';
import type { TargetResult } from '../../src/track/index.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'siam-outputs-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const result = (i: number, lost = false, id = 1): TargetResult => ({
  id,
  frameIndex: i,
  timestampMs: i * 33.3333333,
  box: { x: 10.123, y: 20, width: 30.5, height: 40 },
  score: 0.876543,
  psr: 12.3456,
  lost,
  timings: { totalMs: 5.5 },
});

describe('result writers', () => {
  it('picks the format from the extension, or refuses it', () => {
    expect(formatFromPath('a/b.CSV')).toBe('csv');
    expect(formatFromPath('x.jsonl')).toBe('jsonl');
    expect(formatFromPath('x.txt')).toBe('txt');
    expect(formatFromPath('run/x.MOT.txt')).toBe('mot');
    expect(formatFromPath('x.txt', 'mot')).toBe('mot');
    expect(() => formatFromPath('x.json')).toThrow(expect.objectContaining({ code: 'ERR_BAD_OPTION' }));
    expect(() => formatFromPath('x.csv', 'xml')).toThrow(expect.objectContaining({ code: 'ERR_BAD_OPTION' }));
  });

  it('formats one line per result', () => {
    expect(formatResult('csv', result(3, true, 2))).toBe('3,2,100,10.12,20,30.5,40,0.8765,12.346,true\n');
    expect(formatResult('txt', result(3))).toBe('10.12,20,30.5,40\n');
    expect(JSON.parse(formatResult('jsonl', result(3)))).toEqual(result(3));
  });

  it('writes the MOT Challenge format: 1-based frames, the id, the score, no row while lost', () => {
    const line = formatResult('mot', result(0, false, 4));
    expect(line).toBe('1,4,10.12,20,30.5,40,0.8765,-1,-1,-1\n');
    // Parsed back as MOT tools read it: frame, id, box, confidence, then three -1s.
    const [frame, id, x, y, w, h, conf, ...rest] = line.trim().split(',').map(Number);
    expect({ frame, id, x, y, w, h, conf, rest }).toEqual({
      frame: 1,
      id: 4,
      x: 10.12,
      y: 20,
      w: 30.5,
      h: 40,
      conf: 0.8765,
      rest: [-1, -1, -1],
    });
    expect(formatResult('mot', result(5, true, 4))).toBe('');
    const file = path.join(tmp, 'tracks.mot.txt');
    const sink = openResultSink(file);
    [result(0, false, 1), result(0, false, 2), result(1, true, 1), result(1, false, 2)].forEach((r) =>
      sink.write(r),
    );
    sink.close();
    expect(sink.format).toBe('mot');
    expect(sink.rows).toBe(3);
    const rows = readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => l.split(',').map(Number));
    expect(rows.map(([f, i]) => [f, i])).toEqual([
      [1, 1],
      [1, 2],
      [2, 2],
    ]);
  });

  it.each(['csv', 'jsonl', 'txt'] as const)('writes %s rows to disk as they come (no buffering)', (ext) => {
    const file = path.join(tmp, 'sub', `r.${ext}`);
    const sink = openResultSink(file);
    sink.write(result(0));
    sink.write(result(1, true));
    // Read before close: every row is already in the (.partial) file; close() gives it its name.
    const lines = readFileSync(partialPath(file), 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(ext === 'csv' ? 3 : 2);
    if (ext === 'csv') expect(lines[0]).toBe(CSV_COLUMNS.join(','));
    expect(existsSync(file)).toBe(false);
    sink.close();
    sink.close();
    expect(readFileSync(file, 'utf8').trimEnd().split('\n')).toEqual(lines);
    expect(existsSync(partialPath(file))).toBe(false);
    expect(sink.rows).toBe(2);
    expect(() => sink.write(result(2))).toThrow(SiamError);
  });

  it('writes JSONL to stdout without --out', () => {
    const stdout = new PassThrough();
    const chunks: string[] = [];
    stdout.on('data', (c: Buffer) => chunks.push(c.toString()));
    const sink = openResultSink(undefined, stdout);
    sink.write(result(0));
    expect(sink.path).toBeUndefined();
    expect(JSON.parse(chunks.join(''))).toEqual(result(0));
  });
});

/** The code of what `fn` throws, or undefined when it does not throw. */
function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as SiamError).code;
  }
  return undefined;
}

describe('initial box', () => {
  it('parses x,y,w,h and refuses NaN, zero and negative sizes', () => {
    expect(parseBoxArg('1,2,3,4')).toEqual({ x: 1, y: 2, width: 3, height: 4 });
    expect(parseBoxArg(' 1.5 2 3 4 ')).toEqual({ x: 1.5, y: 2, width: 3, height: 4 });
    for (const bad of ['1,2,3', 'a,b,c,d', '1,2,0,4', '1,2,3,-4', '1,2,NaN,4', '1,2,3,4,5', '0x10,2,3,4']) {
      expect(
        code(() => parseBoxArg(bad)),
        bad,
      ).toBe('ERR_BAD_BOX');
    }
  });

  it('refuses a box whose centre is off the frame', () => {
    expect(code(() => checkBoxInFrame({ x: 10, y: 10, width: 20, height: 20 }, 64, 48))).toBeUndefined();
    expect(code(() => checkBoxInFrame({ x: -8, y: 0, width: 20, height: 20 }, 64, 48))).toBeUndefined();
    expect(code(() => checkBoxInFrame({ x: 100, y: 10, width: 20, height: 20 }, 64, 48))).toBe('ERR_BAD_BOX');
    expect(code(() => checkBoxInFrame({ x: 10, y: -30, width: 20, height: 20 }, 64, 48))).toBe('ERR_BAD_BOX');
  });

  it('needs exactly one of --box and --box-from', async () => {
    await expect(initialBox({})).rejects.toMatchObject({ code: 'ERR_BAD_BOX' });
    await expect(initialBox({ box: '1,2,3,4', boxFrom: 'x' })).rejects.toMatchObject({ code: 'ERR_BAD_BOX' });
  });

  it('takes several --box (ids 1, 2, …) or a --boxes file (frame, id, box), one kind at a time', async () => {
    expect(await targetStarts({ box: ['1,2,3,4', '5 6 7 8'] })).toEqual([
      { box: { x: 1, y: 2, width: 3, height: 4 }, id: 1 },
      { box: { x: 5, y: 6, width: 7, height: 8 }, id: 2 },
    ]);
    const csv = '# targets\nframe,id,x,y,w,h\n0,3,1,2,3,4\n# a comment\n\n12, 9, 5, 6, 7, 8\n';
    expect(parseBoxesCsv(csv, 'b.csv')).toEqual([
      { box: { x: 1, y: 2, width: 3, height: 4 }, id: 3, frameIndex: 0 },
      { box: { x: 5, y: 6, width: 7, height: 8 }, id: 9, frameIndex: 12 },
    ]);
    const file = path.join(tmp, 'boxes.csv');
    writeFileSync(file, csv);
    expect((await targetStarts({ boxes: file })).map((s) => s.id)).toEqual([3, 9]);
    for (const bad of [
      '0,1,1,2,3',
      '0,0,1,2,3,4',
      '-1,1,1,2,3,4',
      '0,1,1,2,3,4\n3,1,1,2,3,4',
      '0,1,1,2,0,4',
      '# nothing',
    ]) {
      expect(() => parseBoxesCsv(bad, 'b.csv'), bad).toThrow(
        expect.objectContaining({ code: 'ERR_BAD_BOX' }),
      );
    }
    expect(() => parseBoxesCsv('0,1,1,2,3\n', 'b.csv')).toThrow(/b\.csv line 1/);
    // Only the first line can be a header.
    expect(() => parseBoxesCsv('0,1,1,2,3,4\nframe,id,x,y,w,h\n', 'b.csv')).toThrow(/b\.csv line 2/);
    await expect(targetStarts({ box: ['1,2,3,4'], boxes: file })).rejects.toMatchObject({
      code: 'ERR_BAD_BOX',
    });
    await expect(targetStarts({ boxes: path.join(tmp, 'none.csv') })).rejects.toMatchObject({
      code: 'ERR_BAD_BOX',
    });
  });

  it('tells live sources from files', () => {
    expect(isLiveSource('/dev/video0')).toBe(true);
    expect(isLiveSource('rtsp://cam.local/stream')).toBe(true);
    expect(isLiveSource('samples/video.mp4')).toBe(false);
    expect(isLiveSource('-')).toBe(false);
    // The same rules as decode(): a refused protocol fails here, before any file is written.
    expect(code(() => isLiveSource('file:///etc/passwd'))).toBe('ERR_UNSUPPORTED_SOURCE');
  });
});

describe('checkOutputs', () => {
  const dir = path.join(tmp, 'check');
  mkdirSync(dir);
  const input = path.join(dir, 'in.mp4');
  writeFileSync(input, 'video');
  symlinkSync(input, path.join(dir, 'alias.mp4'));

  it('accepts new files in writable folders (missing folders included)', () => {
    expect(() =>
      checkOutputs(
        [
          { flag: '--out', file: path.join(dir, 'a/b/r.csv') },
          { flag: '--annotate', file: path.join(dir, 'v.mp4') },
        ],
        [input],
      ),
    ).not.toThrow();
  });

  it('refuses the input (also through a symlink), two outputs on one file, and pseudo-filesystems', () => {
    expect(code(() => checkOutputs([{ flag: '--out', file: input }], [input]))).toBe('ERR_BAD_OPTION');
    expect(
      code(() => checkOutputs([{ flag: '--annotate', file: path.join(dir, 'alias.mp4') }], [input])),
    ).toBe('ERR_BAD_OPTION');
    const same = path.join(dir, 'same.mp4');
    expect(
      code(() =>
        checkOutputs(
          [
            { flag: '--out', file: same },
            { flag: '--annotate', file: same },
          ],
          [],
        ),
      ),
    ).toBe('ERR_BAD_OPTION');
    for (const file of ['/proc/x/y.csv', '/sys/r.csv', '/dev/r.csv'])
      expect(code(() => checkOutputs([{ flag: '--out', file }], []))).toBe('ERR_BAD_OPTION');
    expect(code(() => checkOutputs([{ flag: '--out', file: path.join(input, 'r.csv') }], []))).toBe(
      'ERR_BAD_OPTION',
    );
  });
});

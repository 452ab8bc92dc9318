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
import {
  assertNotAnInput,
  checkOutputs,
  createPartial,
  partialPath,
  PARTIAL_TRIES,
} from '../../src/cli/output-path.js';
import { makeDirSync } from '../../src/util/make-dir.js';
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

  it('never opens a file already under the .partial name: an input called so, a symlink, leftovers', () => {
    // Failed before the fix: `track in.mp4 --boxes b.partial.csv --out b.csv` truncated the boxes
    // file (the sink's temporary name) and renamed it to b.csv.
    const dir = path.join(tmp, 'taken');
    mkdirSync(dir);
    const file = path.join(dir, 'b.csv');
    writeFileSync(partialPath(file), 'frame,id,x,y,w,h\n0,1,1,2,3,4\n');
    const input = path.join(dir, 'input.txt');
    writeFileSync(input, 'precious');
    symlinkSync(input, path.join(dir, 'b.partial-2.csv'));
    const sink = openResultSink(file);
    sink.write(result(0));
    expect(existsSync(path.join(dir, 'b.partial-3.csv'))).toBe(true);
    sink.close();
    expect(readFileSync(partialPath(file), 'utf8')).toBe('frame,id,x,y,w,h\n0,1,1,2,3,4\n');
    expect(readFileSync(input, 'utf8')).toBe('precious');
    expect(readFileSync(file, 'utf8').trimEnd().split('\n')).toHaveLength(2);
    expect(existsSync(path.join(dir, 'b.partial-3.csv'))).toBe(false);
  });

  it('gives up with ERR_BAD_OPTION when every temporary name is taken, and discard() keeps the old file', () => {
    const dir = path.join(tmp, 'full');
    mkdirSync(dir);
    const file = path.join(dir, 'r.csv');
    writeFileSync(file, 'earlier results\n');
    for (let n = 1; n <= PARTIAL_TRIES; n++)
      writeFileSync(n === 1 ? partialPath(file) : path.join(dir, `r.partial-${n}.csv`), '');
    expect(code(() => createPartial(file))).toBe('ERR_BAD_OPTION');
    rmSync(partialPath(file));
    const sink = openResultSink(file);
    sink.discard();
    sink.discard();
    expect(readFileSync(file, 'utf8')).toBe('earlier results\n');
    expect(existsSync(partialPath(file))).toBe(false);
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

  it('quotes a malformed --boxes line or --box with its control bytes escaped', () => {
    // Failed before the fix: the line was echoed raw, so `ESC]0;…BEL` retitled the terminal.
    const title = '\u001b]0;pwned\u0007';
    for (const [text, fn] of [
      [`0,1,${title}\n`, (t: string) => parseBoxesCsv(t, 'b.csv')],
      [`${title}0,1,1,2,3,4\n`, (t: string) => parseBoxesCsv(`frame,id,x,y,w,h\n${t}`, 'b.csv')],
      [`x,1,1,2\u009b31m,3,4`, (t: string) => parseBoxesCsv(`h\n${t}`, 'b.csv')],
      [`1,2,3,${title}`, (t: string) => parseBoxArg(t)],
    ] as const) {
      let message = '';
      try {
        fn(text);
      } catch (e) {
        message = `${(e as SiamError).message} ${String((e as SiamError).hint)}`;
      }
      expect(message, JSON.stringify(text)).toMatch(/ERR_BAD_BOX|line|--box/);
      expect([...message].filter((c) => c < ' ' || (c >= '\u007f' && c <= '\u009f'))).toEqual([]);
      expect(message).toMatch(/\\u00(1b|9b)/);
    }
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

  it('judges by real path: a symlink into /proc, two outputs through a symlinked folder', () => {
    // Failed before the fix (as root): the /proc check was lexical, so `--out procl/x/r.csv` passed
    // and the recursive mkdir under /proc then spun for ever.
    const procl = path.join(dir, 'procl');
    symlinkSync('/proc', procl);
    for (const file of [path.join(procl, 'x', 'r.csv'), path.join(procl, 'r.csv')]) {
      expect(() => checkOutputs([{ flag: '--out', file }], [])).toThrow(/is under \/proc/);
    }
    const real = path.join(dir, 'real');
    mkdirSync(real);
    symlinkSync(real, path.join(dir, 'alias'));
    expect(
      code(() =>
        checkOutputs(
          [
            { flag: '--out', file: path.join(real, 'new', 'r.csv') },
            { flag: '--segments-out', file: path.join(dir, 'alias', 'new', 'r.csv') },
          ],
          [],
        ),
      ),
    ).toBe('ERR_BAD_OPTION');
    expect(code(() => assertNotAnInput(path.join(dir, 'alias.mp4'), [input]))).toBe('ERR_BAD_OPTION');
    expect(code(() => assertNotAnInput(path.join(dir, 'other.mp4'), [input]))).toBeUndefined();
  });

  it('makes folders with one mkdir each: under /proc it fails instead of spinning', () => {
    // Node's recursive mkdir never returns there; this must throw (ENOENT) at once.
    const procl = path.join(dir, 'procl2');
    symlinkSync('/proc', procl);
    expect(() => makeDirSync(path.join(procl, 'siamstream-x', 'y'))).toThrow(
      expect.objectContaining({ code: 'ENOENT' }),
    );
    expect(code(() => openResultSink(path.join(procl, 'siamstream-x', 'r.csv')))).toBe('ERR_BAD_OPTION');
    makeDirSync(path.join(dir, 'm', 'n', 'o'));
    makeDirSync(path.join(dir, 'm', 'n', 'o'));
    expect(existsSync(path.join(dir, 'm', 'n', 'o'))).toBe(true);
  });
});

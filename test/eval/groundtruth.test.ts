import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SiamError } from '../../src/errors.js';
import {
  firstValidBox,
  formatBoxLine,
  formatGroundTruth,
  parseGroundTruth,
  readGroundTruth,
  writeGroundTruth,
} from '../../src/eval/groundtruth.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'siam-gt-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function expectEvalError(fn: () => unknown, message: RegExp): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SiamError);
    expect((e as SiamError).code).toBe('ERR_EVAL_DATA');
    expect((e as SiamError).message).toMatch(message);
    expect((e as SiamError).hint).toBeTruthy();
    return;
  }
  throw new Error('expected ERR_EVAL_DATA');
}

describe('parseGroundTruth', () => {
  it('reads commas, tabs and spaces, decimals and CRLF', () => {
    const gt = parseGroundTruth('1,2,3,4\r\n5\t6\t7\t8\n9 10  11 12\n292.23,128.36,145.96,132.47\n\n');
    expect(gt).toEqual([
      { x: 1, y: 2, width: 3, height: 4 },
      { x: 5, y: 6, width: 7, height: 8 },
      { x: 9, y: 10, width: 11, height: 12 },
      { x: 292.23, y: 128.36, width: 145.96, height: 132.47 },
    ]);
  });

  it('reads comma + space separators', () => {
    expect(parseGroundTruth('1, 2, 3, 4')).toEqual([{ x: 1, y: 2, width: 3, height: 4 }]);
  });

  it('turns nan lines (any case, any field) into null', () => {
    const gt = parseGroundTruth('1,2,3,4\nnan,nan,nan,nan\nNaN NaN NaN NaN\n1,NaN,3,4\n5,6,7,8\n');
    expect(gt).toEqual([
      { x: 1, y: 2, width: 3, height: 4 },
      null,
      null,
      null,
      { x: 5, y: 6, width: 7, height: 8 },
    ]);
  });

  it('throws ERR_EVAL_DATA naming the line for a malformed line', () => {
    expectEvalError(
      () => parseGroundTruth('1,2,3,4\n1,2,3\n', 'gt.txt'),
      /gt\.txt:2: expected 4 fields, got 3/,
    );
    expectEvalError(() => parseGroundTruth('1,2,3,4\n1,2,x,4\n', 'gt.txt'), /gt\.txt:2: not a number/);
    expectEvalError(() => parseGroundTruth('1,2,3,4\n1,2,3,4,5\n'), /:2: expected 4 fields, got 5/);
    expectEvalError(() => parseGroundTruth('1,2,3,4\n\n5,6,7,8\n'), /:2: blank line/);
    expectEvalError(() => parseGroundTruth('0x10,2,3,4\n'), /:1: not a number/);
    expectEvalError(() => parseGroundTruth('\n\n'), /no box lines/);
  });

  it('quotes a binary line with its control characters escaped, never raw', () => {
    const binary = '\u0000\u0001PK\u0003\u0004\u001b[31m' + 'x'.repeat(100);
    let message = '';
    try {
      parseGroundTruth(binary, 'box.bin');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^box\.bin:1: /);
    const controls = [...message].filter((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
    expect(controls).toEqual([]);
    expect(message).toContain('\\u0000');
    expect(message.length).toBeLessThan(200);
  });

  it('finds the first valid box', () => {
    const gt = parseGroundTruth('nan,nan,nan,nan\n5,6,7,8\n');
    expect(firstValidBox(gt)).toEqual({ index: 1, box: { x: 5, y: 6, width: 7, height: 8 } });
    expectEvalError(() => firstValidBox([null, null]), /no valid box/);
  });
});

describe('reading and writing files', () => {
  it('round-trips boxes through a file, 2 decimals at most', async () => {
    const file = path.join(tmp, 'pred.txt');
    const boxes = [
      { x: 1.234, y: -0.001, width: 30, height: 40.5 },
      null,
      { x: 0, y: 0, width: 1e-3, height: 2 },
    ];
    await writeGroundTruth(file, boxes);
    expect(formatGroundTruth(boxes)).toBe('1.23,0,30,40.5\nnan,nan,nan,nan\n0,0,0,2\n');
    expect(await readGroundTruth(file)).toEqual([
      { x: 1.23, y: 0, width: 30, height: 40.5 },
      null,
      { x: 0, y: 0, width: 0, height: 2 },
    ]);
    expect(formatBoxLine({ x: 100, y: 200.5, width: 10.25, height: 3 })).toBe('100,200.5,10.25,3');
  });

  it('throws ERR_EVAL_DATA for a missing file', async () => {
    await expect(readGroundTruth(path.join(tmp, 'absent.txt'))).rejects.toMatchObject({
      code: 'ERR_EVAL_DATA',
    });
  });

  it('names the file in parse errors', async () => {
    const file = path.join(tmp, 'bad.txt');
    writeFileSync(file, '1,2,3,4\nfoo\n');
    await expect(readGroundTruth(file)).rejects.toThrow(/bad\.txt:2/);
  });
});

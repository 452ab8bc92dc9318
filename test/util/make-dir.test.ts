/**
 * makeDir / makeDirSync: `mkdir -p` that ends. Node's recursive mkdir retries ENOENT under /proc
 * for ever (issue 27 item 7); these make each missing folder once and fail at the first refusal,
 * also through a symlink into /proc. The CLI's results file goes through the sync form.
 */
import { mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openResultSink } from '../../src/cli/outputs.js';
import { makeDir, makeDirSync } from '../../src/util/make-dir.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'siam-make-dir-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const file = path.join(root, 'a-file');
writeFileSync(file, 'not a folder');
const procLink = path.join(root, 'procl');
symlinkSync('/proc', procLink);

describe('makeDir', () => {
  it('makes each missing folder, and again is a no-op', async () => {
    const deep = path.join(root, 'async', 'a', 'b', 'c');
    await makeDir(deep);
    await makeDir(deep);
    expect(readdirSync(path.join(root, 'async', 'a', 'b'))).toEqual(['c']);
  });

  it('refuses /proc (also through a symlink) and a file in the way at once', async () => {
    await expect(makeDir('/proc/siamstream-no-such-dir/onnx')).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(makeDir(path.join(procLink, 'siamstream-no-such-dir', 'x'))).rejects.toMatchObject({
      code: 'ENOENT',
    });
    await expect(makeDir(path.join(file, 'x'))).rejects.toMatchObject({ code: 'ENOTDIR' });
    await expect(makeDir(file)).rejects.toMatchObject({ code: 'ENOTDIR' });
  });

  it('concurrent calls for the same folders all succeed', async () => {
    const deep = path.join(root, 'race', 'a', 'b');
    await Promise.all(Array.from({ length: 8 }, () => makeDir(deep)));
    expect(readdirSync(path.join(root, 'race', 'a'))).toEqual(['b']);
  });
});

describe('makeDirSync', () => {
  it('makes each missing folder; refuses /proc, a symlink into it and a file in the way', () => {
    const deep = path.join(root, 'sync', 'a', 'b');
    makeDirSync(deep);
    makeDirSync(deep);
    expect(readdirSync(path.join(root, 'sync', 'a'))).toEqual(['b']);
    expect(() => makeDirSync('/proc/siamstream-no-such-dir/x')).toThrow(
      expect.objectContaining({ code: 'ENOENT' }),
    );
    expect(() => makeDirSync(path.join(procLink, 'siamstream-no-such-dir', 'x'))).toThrow(
      expect.objectContaining({ code: 'ENOENT' }),
    );
    expect(() => makeDirSync(path.join(file, 'x'))).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
  });

  it("track's results file through a symlink into /proc is ERR_BAD_OPTION, not a thread stuck for ever", () => {
    // Before: mkdirSync({ recursive: true }) spun inside this call (the test could not even time out).
    expect(() => openResultSink(path.join(procLink, 'siamstream-no-such-dir', 'r.csv'))).toThrow(
      expect.objectContaining({ code: 'ERR_BAD_OPTION' }),
    );
  });
});

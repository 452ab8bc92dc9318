/**
 * The ONNX export cache survives its own damage and an unusable folder (issue 27, item 5 and the
 * cache part of item 7): a truncated, emptied or overwritten file is noticed by the hash of its
 * bytes in its name, removed and rebuilt; a folder that cannot be written (a file in its way, a
 * path under /proc) costs the cache, never the run; concurrent writers each use their own
 * temporary file. And a real trunk opens from a damaged cache. Files of the naming before the
 * bytes' hash (`<name>-<key>.onnx`) are removed when the model is written again.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { cachedExport } from '../../src/backend/onnx/cache.js';
import { OnnxTrunk } from '../../src/track/onnx-trunk.js';
import { SLOW_TEST_TIMEOUT_MS } from '../helpers/timeouts.js';

// Real processes, decoding or training: each test's deadlock guard is 10 min (test/helpers/timeouts.ts).
vi.setConfig({ testTimeout: SLOW_TEST_TIMEOUT_MS });

let root: string;
const saved = process.env.SIAMSTREAM_CACHE_DIR;
let stderr: string[] = [];

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'siam-onnx-cache-'));
});
afterAll(async () => {
  if (saved === undefined) delete process.env.SIAMSTREAM_CACHE_DIR;
  else process.env.SIAMSTREAM_CACHE_DIR = saved;
  await rm(root, { recursive: true, force: true });
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** Points the cache at a fresh folder under `root` and records stderr. */
async function freshCache(name: string): Promise<string> {
  const dir = path.join(root, name);
  process.env.SIAMSTREAM_CACHE_DIR = dir;
  stderr = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr.push(String(chunk));
    return true;
  });
  return dir;
}

const DAMAGE: Record<string, (file: string, size: number) => Promise<void>> = {
  truncated: (file, size) => truncate(file, Math.floor(size / 2)),
  'emptied (0 bytes)': (file) => truncate(file, 0),
  'overwritten with random bytes of the same length': (file, size) => writeFile(file, randomBytes(size)),
};

describe('ONNX export cache: damaged files', () => {
  for (const [how, damage] of Object.entries(DAMAGE)) {
    it(`a cached file ${how} is rebuilt, said once on stderr, and repaired on disk`, async () => {
      await freshCache(how.split(' ')[0]);
      const model = new Uint8Array(randomBytes(4096));
      let builds = 0;
      const build = (): Uint8Array => {
        builds++;
        return model;
      };
      const first = await cachedExport('m', 'k1', build);
      expect(first.exported).toBe(true);
      expect(first.file).toBeDefined();
      await damage(first.file!, model.length);

      const second = await cachedExport('m', 'k1', build);
      expect(second.exported).toBe(true); // before the fix: the damaged bytes, exported false
      expect(builds).toBe(2);
      expect(Buffer.from(second.bytes).equals(Buffer.from(model))).toBe(true);
      expect(Buffer.from(await readFile(second.file!)).equals(Buffer.from(model))).toBe(true);
      const said = stderr.filter((l) => l.includes('is damaged'));
      expect(said).toHaveLength(1);
      expect(said[0]).toContain(first.file!);
      expect(said[0]).toMatch(/rebuilding it\.\n$/);

      const third = await cachedExport('m', 'k1', build);
      expect([third.exported, builds]).toEqual([false, 2]); // the repaired file is read again
      expect(await readdir(path.dirname(first.file!))).toEqual([path.basename(first.file!)]);
    });
  }

  it('concurrent writers of the same model each write their own temporary file and leave one whole file', async () => {
    await freshCache('concurrent');
    const model = new Uint8Array(randomBytes(1 << 20));
    const runs = await Promise.all(Array.from({ length: 6 }, () => cachedExport('m', 'k2', () => model)));
    for (const r of runs) expect(Buffer.from(r.bytes).equals(Buffer.from(model))).toBe(true);
    const files = await readdir(path.dirname(runs[0].file!));
    expect(files).toEqual([path.basename(runs[0].file!)]); // no .partial left behind
    expect(Buffer.from(await readFile(runs[0].file!)).equals(Buffer.from(model))).toBe(true);
  });
});

describe('ONNX export cache: files of the previous naming', () => {
  it('writing a model removes its `<name>-<key>.onnx` files, and only those (no link followed)', async () => {
    const dir = path.join(await freshCache('previous'), 'onnx');
    await mkdir(dir, { recursive: true });
    const key = (): string => randomBytes(12).toString('hex'); // 24 hex digits, as exportKey's
    const stale = [`m-${key()}.onnx`, `m-${key()}.onnx`];
    const kept = [
      `other-${key()}.onnx`, // another model's
      `m-x-${key()}.onnx`, // another model named m-x
      `m-${key()}.onnx.bak`,
      `m-${key().slice(1)}.onnx`, // 23 digits
      `m-${key()}-0123456789abcdef.onnx`, // the current naming, another key
    ];
    for (const f of [...stale, ...kept]) await writeFile(path.join(dir, f), 'x');
    // A link and a folder under old names: neither they nor the link's target are touched.
    const target = path.join(root, 'link-target.onnx');
    await writeFile(target, 'keep me');
    const link = `m-${key()}.onnx`;
    const folder = `m-${key()}.onnx`;
    await symlink(target, path.join(dir, link));
    await mkdir(path.join(dir, folder));

    const r = await cachedExport('m', 'k6', () => new Uint8Array([7, 8, 9]));
    expect(r.exported).toBe(true);
    const left = await readdir(dir);
    expect(left.sort()).toEqual([...kept, link, folder, path.basename(r.file!)].sort()); // before: stale too
    expect(await readFile(target, 'utf8')).toBe('keep me');
  });
});

describe('ONNX export cache: a folder that cannot be written', () => {
  it('under /proc: fails fast (no endless mkdir), runs without the cache, warns once with ERR_CACHE_UNWRITABLE', async () => {
    await freshCache('unused');
    process.env.SIAMSTREAM_CACHE_DIR = '/proc/siamstream-no-such-dir';
    const model = new Uint8Array([1, 2, 3]);
    // Before the fix this never settled: Node's recursive mkdir retries ENOENT under /proc for ever.
    const a = await cachedExport('m', 'k3', () => model);
    const b = await cachedExport('other', 'k4', () => model);
    expect(a).toEqual({ bytes: model, exported: true });
    expect(b).toEqual({ bytes: model, exported: true });
    const warnings = stderr.filter((l) => l.includes('ERR_CACHE_UNWRITABLE'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^siamstream: warning: ERR_CACHE_UNWRITABLE: cannot write the model cache in \/proc\/siamstream-no-such-dir\/onnx .*\(hint: set SIAMSTREAM_CACHE_DIR/,
    );
  });

  it('a file where the folder should be: runs without the cache', async () => {
    const blocker = path.join(root, 'a-file');
    await writeFile(blocker, 'not a folder');
    await freshCache('unused2');
    process.env.SIAMSTREAM_CACHE_DIR = blocker;
    const model = new Uint8Array([4, 5, 6]);
    expect(await cachedExport('m', 'k5', () => model)).toEqual({ bytes: model, exported: true });
    expect(stderr.join('')).toMatch(/ERR_CACHE_UNWRITABLE: .*ENOTDIR/);
    expect(await readFile(blocker, 'utf8')).toBe('not a folder');
  });
});

describe('ONNX export cache: a real model', () => {
  it('the trunk opens and gives the same features after its cached file was damaged', async () => {
    const dir = await freshCache('trunk');
    const pixels = Float32Array.from({ length: 2 * 64 * 64 * 3 }, (_, i) => (i * 37) % 256);
    const embed = async (): Promise<Float32Array> => {
      const trunk = await OnnxTrunk.load('stride16');
      try {
        return (await trunk.embedPixels(pixels, 2, 64)).data.slice();
      } finally {
        await trunk.dispose();
      }
    };
    const want = await embed();
    const [file] = await readdir(path.join(dir, 'onnx'));
    expect(file).toMatch(/^trunk-stride16-.*\.onnx$/);
    await truncate(path.join(dir, 'onnx', file), 100); // before the fix: a protobuf error on every open
    const got = await embed();
    expect(got).toEqual(want);
    expect(stderr.filter((l) => l.includes('is damaged'))).toHaveLength(1);
    expect(await readdir(path.join(dir, 'onnx'))).toEqual([file]);
  });
});

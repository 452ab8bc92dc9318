/**
 * The package as a user installs it: one `npm pack` (its `prepack` builds dist/, as a publish
 * does), installed into two empty ESM TypeScript projects: one with the optional dependencies
 * (onnxruntime-node), one with `--omit=optional`. Each type-checks the README's library example
 * against the published `.d.ts` files with `skipLibCheck: false` (no devDependency's or optional
 * package's types may be needed) and runs it: ONNX Runtime in the first, TF.js in the second,
 * the same boxes within 1 px. Child processes are async: a blocking one stalls vitest's worker.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { REPO_ROOT } from '../helpers/shared-data.js';
import { SLOW_TEST_TIMEOUT_MS } from '../helpers/timeouts.js';

// Real processes, decoding or training: each test's deadlock guard is 10 min (test/helpers/timeouts.ts).
vi.setConfig({ testTimeout: SLOW_TEST_TIMEOUT_MS });

const exec = promisify(execFile);
// The user's defaults: no engine or backend forced from outside.
const { SIAMSTREAM_ENGINE: _engine, SIAMSTREAM_BACKEND: _backend, ...userEnv } = process.env;
const ENV = { ...userEnv, ONNXRUNTIME_NODE_INSTALL: 'skip' };

/** The first ```ts block under "## As a library" in the README: what a user copies. */
function readmeExample(): string {
  const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const section = readme.split(/^## As a library$/m)[1]?.split(/^## /m)[0] ?? '';
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('README.md has no ```ts block under "## As a library"');
  return block[1];
}

interface Output {
  stdout: string;
  stderr: string;
  code: number;
}

/** Runs a command to its end; a non-zero exit is returned, not thrown, so its output shows. */
async function run(cmd: string, args: string[], cwd: string): Promise<Output> {
  try {
    const { stdout, stderr } = await exec(cmd, args, { cwd, env: ENV, maxBuffer: 64 << 20 });
    return { stdout, stderr, code: 0 };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; code?: number | string };
    return { stdout: err.stdout ?? '', stderr: err.stderr ?? String(e), code: Number(err.code) || 1 };
  }
}

let root: string;
const consumers = { full: '', lean: '' };

/** An empty strict ESM TypeScript project with the tarball installed (`omitOptional`: none of our optional deps). */
async function makeConsumer(name: string, tarball: string, omitOptional: boolean): Promise<string> {
  const dir = path.join(root, name);
  await mkdir(dir);
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }));
  const compilerOptions = {
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    target: 'ES2022',
    strict: true,
    skipLibCheck: false,
    outDir: 'out',
  };
  await writeFile(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['main.ts'] }));
  await writeFile(path.join(dir, 'main.ts'), readmeExample());
  // Everything is in npm's cache after our own npm ci: prefer it to the network.
  const install = await run(
    'npm',
    [
      ...['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'],
      ...(omitOptional ? ['--omit=optional'] : []),
      ...[tarball, 'typescript@5', '@types/node@20'],
    ],
    dir,
  );
  if (install.code !== 0) throw new Error(`npm install in ${name} failed:\n${install.stderr}`);
  return dir;
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'siam-install-'));
  // One pack for both consumers.
  const pack = await run('npm', ['pack', '--silent', '--pack-destination', root], REPO_ROOT);
  if (pack.code !== 0) throw new Error(`npm pack failed:\n${pack.stderr}`);
  const tarball = path.join(
    root,
    (await readdir(root)).find((f) => f.endsWith('.tgz'))!,
  );
  [consumers.full, consumers.lean] = await Promise.all([
    makeConsumer('full', tarball, false),
    makeConsumer('lean', tarball, true),
  ]);
}, 600_000);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

/** Every file under `dir`, relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

interface Row {
  frame: number;
  box: { x: number; y: number; width: number; height: number };
  lost: boolean;
}

describe('the installed package', () => {
  it('holds dist/ with maps that carry their sources, no .ts source, and no install script', async () => {
    const pkg = path.join(consumers.full, 'node_modules/siamstream');
    const files = await filesUnder(pkg);
    expect(files).toContain('dist/cli/main.js');
    expect(files).toContain('samples/tracking/video.mp4');
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    const maps = files.filter((f) => f.endsWith('.js.map'));
    expect(maps.length).toBeGreaterThan(10);
    const map = JSON.parse(await readFile(path.join(pkg, 'dist/index.js.map'), 'utf8')) as {
      sourcesContent?: string[];
    };
    expect(map.sourcesContent?.[0]).toMatch(/export/);
    const manifest = JSON.parse(await readFile(path.join(pkg, 'package.json'), 'utf8')) as {
      scripts?: Record<string, string>;
    };
    for (const script of ['preinstall', 'install', 'postinstall', 'prepare'])
      expect(manifest.scripts?.[script]).toBeUndefined();
    // The lean install has neither the ONNX runtime nor the packaged ffmpeg.
    expect(existsSync(path.join(consumers.lean, 'node_modules/onnxruntime-node'))).toBe(false);
    expect(existsSync(path.join(consumers.full, 'node_modules/onnxruntime-node'))).toBe(true);
    expect(existsSync(path.join(consumers.full, 'node_modules/@ffmpeg-installer/ffmpeg'))).toBe(false);
  }, 60_000);

  it("type-checks the README's example with skipLibCheck false, with and without the optional dependencies", async () => {
    const [full, lean] = await Promise.all(
      [consumers.full, consumers.lean].map((dir) =>
        run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', '.'], dir),
      ),
    );
    expect(full.stdout + full.stderr).toBe(''); // the compiler's errors, if any
    expect(full.code).toBe(0);
    expect(lean.stdout + lean.stderr).toBe('');
    expect(lean.code).toBe(0);
  }, 300_000);

  it('runs it: on ONNX Runtime with onnxruntime-node, on TF.js without it, the same boxes within 1 px', async () => {
    const rows = (o: Output): Row[] =>
      o.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Row);
    // One after the other: each engine gets the cores to itself.
    const full = await run(process.execPath, ['out/main.js'], consumers.full);
    expect(full.stderr).toBe('');
    expect(full.code).toBe(0);
    const lean = await run(process.execPath, ['out/main.js'], consumers.lean);
    expect(lean.code).toBe(0);
    // auto fell back to TF.js and said so once.
    expect(lean.stderr).toMatch(/onnxruntime-node is not available .*using the tfjs engine/);
    const [onnx, tfjs] = [rows(full), rows(lean)];
    expect(onnx.length).toBeGreaterThan(100);
    expect(tfjs.map((r) => r.frame)).toEqual(onnx.map((r) => r.frame));
    const worst = Math.max(
      ...onnx.flatMap((a, i) => {
        const b = tfjs[i].box;
        return [a.box.x - b.x, a.box.y - b.y, a.box.width - b.width, a.box.height - b.height].map(Math.abs);
      }),
    );
    expect(worst).toBeLessThanOrEqual(1);
    expect(tfjs.map((r) => r.lost)).toEqual(onnx.map((r) => r.lost));
    // Each install's own command says which engine runs.
    const [fullDoctor, leanDoctor] = await Promise.all(
      [consumers.full, consumers.lean].map((dir) =>
        run(process.execPath, ['node_modules/siamstream/bin/siamstream.js', 'doctor'], dir),
      ),
    );
    expect(fullDoctor.stdout).toMatch(/^engine: onnx /m);
    expect(leanDoctor.stdout).toMatch(/^engine: tfjs/m);
  }, 600_000);
});

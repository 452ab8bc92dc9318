/**
 * The package as a user installs it: `npm pack`, install the tarball into an empty ESM
 * TypeScript project, type-check a program against the published `.d.ts` files with
 * `skipLibCheck: false` (they must not need our devDependencies' types), and run it: it decodes
 * the bundled sample and tracks it through the public API alone.
 *
 * Every child process is awaited, never run with execFileSync: npm takes a minute or more on a
 * busy machine, and a blocked worker misses vitest's RPC deadline ("Timeout calling
 * onTaskUpdate") and turns the run red although every assertion held. The tarball is packed once
 * per run; each consumer project installs it into a folder of its own.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/shared-data.js';

const PROGRAM = `import { lastValueFrom, toArray } from 'rxjs';
import { createTracker, decode, track, type Box, type TrackResult } from 'siamstream';

const sample = process.argv[2];
const box: Box = { x: 18, y: 102, width: 44, height: 36 };
const tracker = await createTracker({ preset: 'fast' });
const results: TrackResult[] = await lastValueFrom(decode(sample).pipe(track(box, { tracker }), toArray()));
tracker.dispose();
console.log(JSON.stringify({ frames: results.length, engine: tracker.options.engine, last: results.at(-1)?.box }));
`;

const execFileAsync = promisify(execFile);
const ENV = { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' };

/** Runs `cmd` in `cwd` without blocking the worker; rejects with its output if it fails. */
async function run(cwd: string, cmd: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return execFileAsync(cmd, args, { cwd, encoding: 'utf8', env: ENV, maxBuffer: 64 << 20 });
}

/** The folder that holds the tarball and the consumer projects (removed after the file). */
let root: string;
/** The tarball `npm pack` made, once for the whole file. */
let tarball: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'siam-install-'));
  // --ignore-scripts: packs the dist/ that npm ci built, without rebuilding it under the CLI tests' feet.
  await run(REPO_ROOT, 'npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', root]);
  const name = (await readdir(root)).find((f) => f.endsWith('.tgz'));
  if (!name) throw new Error(`npm pack left no tarball in ${root}`);
  tarball = path.join(root, name);
}, 300_000);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

/**
 * A consumer project in `root/<name>`: an ESM package with a strict tsconfig and PROGRAM as
 * main.ts, the tarball installed with `extraInstallArgs` (e.g. `--omit=optional`).
 */
async function consumerProject(name: string, extraInstallArgs: string[] = []): Promise<string> {
  const dir = path.join(root, name);
  await mkdir(dir);
  await writeFile(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: 'user-app', private: true, type: 'module' }),
  );
  await writeFile(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        target: 'ES2022',
        strict: true,
        skipLibCheck: false,
        outDir: 'out',
      },
      files: ['main.ts'],
    }),
  );
  await writeFile(path.join(dir, 'main.ts'), PROGRAM);
  // Everything is in npm's cache after our own npm ci: prefer it to the network.
  await run(dir, 'npm', [
    'install',
    '--prefer-offline',
    '--no-audit',
    '--no-fund',
    '--loglevel=error',
    ...extraInstallArgs,
    tarball,
    'rxjs@7',
    'typescript@5',
    '@types/node@20',
  ]);
  return dir;
}

describe('the installed package', () => {
  it('type-checks a user program with skipLibCheck false, and the program tracks the bundled sample', async () => {
    const dir = await consumerProject('default');
    // tsc prints its errors on stdout and exits 2: show them as the failure.
    const typeCheck = await run(dir, 'npx', ['tsc', '-p', '.']).then(
      (r) => ({ ...r, code: 0 }),
      (e: { stdout?: string; stderr?: string; code?: number }) => ({
        stdout: e.stdout ?? String(e),
        stderr: e.stderr ?? '',
        code: e.code ?? 1,
      }),
    );
    expect(typeCheck.stdout + typeCheck.stderr).toBe(''); // the compiler's errors, if any
    expect(typeCheck.code).toBe(0);
    const sample = path.join(dir, 'node_modules/siamstream/samples/tracking/video.mp4');
    const { stdout } = await run(dir, 'node', ['out/main.js', sample]);
    const out = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      frames: number;
      engine: string;
      last: { x: number; width: number };
    };
    expect(out.frames).toBeGreaterThan(100);
    expect(['onnx', 'tfjs']).toContain(out.engine);
    expect(out.last.width).toBeGreaterThan(10);
  }, 600_000);
});

/**
 * The package as a user installs it: `npm pack`, install the tarball into an empty ESM
 * TypeScript project, type-check a program against the published `.d.ts` files with
 * `skipLibCheck: false` (they must not need our devDependencies' types), and run it: it decodes
 * the bundled sample and tracks it through the public API alone.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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

let dir: string;
const run = (cmd: string, args: string[]): string =>
  execFileSync(cmd, args, {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' },
  });

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'siam-install-'));
  // --ignore-scripts: packs the dist/ that npm ci built, without rebuilding it under the CLI tests' feet.
  execFileSync('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', dir], {
    cwd: REPO_ROOT,
    stdio: 'ignore',
  });
  const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'))!;
  writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: 'user-app', private: true, type: 'module' }),
  );
  writeFileSync(
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
  writeFileSync(path.join(dir, 'main.ts'), PROGRAM);
  // Everything is in npm's cache after our own npm ci: prefer it to the network.
  run('npm', [
    'install',
    '--prefer-offline',
    '--no-audit',
    '--no-fund',
    '--loglevel=error',
    `./${tarball}`,
    'rxjs@7',
    'typescript@5',
    '@types/node@20',
  ]);
}, 300_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the installed package', () => {
  it('type-checks a user program with skipLibCheck false, and the program tracks the bundled sample', () => {
    const typeCheck = spawnSync('npx', ['tsc', '-p', '.'], { cwd: dir, encoding: 'utf8' });
    expect(typeCheck.stdout + typeCheck.stderr).toBe(''); // the compiler's errors, if any
    expect(typeCheck.status).toBe(0);
    const sample = path.join(dir, 'node_modules/siamstream/samples/tracking/video.mp4');
    const out = JSON.parse(run('node', ['out/main.js', sample]).trim().split('\n').at(-1)!) as {
      frames: number;
      engine: string;
      last: { x: number; width: number };
    };
    expect(out.frames).toBeGreaterThan(100);
    expect(['onnx', 'tfjs']).toContain(out.engine);
    expect(out.last.width).toBeGreaterThan(10);
  }, 120_000);
});

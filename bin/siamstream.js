#!/usr/bin/env node
// The installed command: runs the compiled CLI. The package ships dist/ (built by `prepack`); a
// source checkout has no install script to build it (npm asks users to approve those), so the
// first run there builds it once.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/main.js', import.meta.url);
const buildConfig = new URL('../tsconfig.build.json', import.meta.url);
if (!existsSync(entry) && existsSync(buildConfig)) {
  process.stderr.write('siamstream: building dist/ from src/ once (npm run build)…\n');
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', fileURLToPath(buildConfig)], { stdio: ['ignore', 2, 2] });
}
const { main } = await import(entry.href);
await main(process.argv);

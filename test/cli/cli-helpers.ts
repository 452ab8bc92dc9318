/**
 * Helpers for the CLI process tests: run `node --import tsx src/cli/main.ts …` from the repo
 * root, and cut a short clip out of the generated sample so the tracker runs stay short.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { resolveFfmpeg } from '../../src/decode/index.js';
import { REPO_ROOT } from '../helpers/shared-data.js';

import { SAMPLE_GT, SAMPLE_VIDEO } from '../helpers/sample.js';

export { SAMPLE_DIR, SAMPLE_VIDEO, SAMPLE_GT, requireSample } from '../helpers/sample.js';

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts the CLI as a child process (cwd = repo root). */
export function spawnCli(args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SIAMSTREAM_DEBUG: '' },
  });
}

/** Collects a child's output and exit. */
export function collect(child: ChildProcess): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

export function runCli(args: string[]): Promise<CliRun> {
  return collect(spawnCli(args));
}

/**
 * A sequence folder `dir` holding the first `frames` frames of the sample (re-encoded, so the
 * cut is exact) and the matching ground-truth lines.
 */
export function makeShortSequence(dir: string, frames: number): void {
  mkdirSync(dir, { recursive: true });
  execFileSync(resolveFfmpeg().path, [
    ...['-hide_banner', '-loglevel', 'error', '-y', '-i', SAMPLE_VIDEO, '-frames:v', String(frames)],
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', path.join(dir, 'video.mp4')],
  ]);
  const lines = readFileSync(SAMPLE_GT, 'utf8').trimEnd().split('\n').slice(0, frames);
  writeFileSync(path.join(dir, 'groundtruth.txt'), `${lines.join('\n')}\n`);
}

/** Child pids of `pid` (via pgrep), empty if none or pgrep is missing. */
export function childPids(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** True while a process with this pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

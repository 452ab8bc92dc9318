/**
 * `siamstream track` on inputs that are not plain whole files (issue 27, items 9 and 12):
 * - a file served over http ends at its end, every frame tracked once (it was replayed for ever);
 * - a truncated matroska file (no frame count in its container; ffmpeg says "File ended
 *   prematurely") warns, and fails with ERR_TRUNCATED_INPUT under --strict (it was accepted);
 * - an audio-only file fails with ERR_NO_VIDEO_STREAM, not ffmpeg's advice about `-map`.
 * The fixtures are made here with ffmpeg (async), from the generated sample.
 */
import { spawn } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { resolveFfmpeg } from '../../src/decode/index.js';
import { SAMPLE_GT, SAMPLE_VIDEO, requireSample, runCli } from './cli-helpers.js';
import { SLOW_TEST_TIMEOUT_MS } from '../helpers/timeouts.js';

// Real processes, decoding or training: each test's deadlock guard is 10 min (test/helpers/timeouts.ts).
vi.setConfig({ testTimeout: SLOW_TEST_TIMEOUT_MS });

const tmp = mkdtempSync(path.join(tmpdir(), 'siam-track-inputs-'));
const MKV = path.join(tmp, 'cut.mkv');
const AUDIO = path.join(tmp, 'tone.m4a');
let server: http.Server | undefined;
let base = '';
let requests = 0;

function ffmpeg(args: string[]): Promise<void> {
  const child = spawn(resolveFfmpeg().path, ['-v', 'error', '-y', ...args], { stdio: 'ignore' });
  return new Promise((resolve, reject) =>
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exited ${code}`)))),
  );
}

beforeAll(async () => {
  requireSample();
  const whole = path.join(tmp, 'whole.mkv');
  await Promise.all([
    ffmpeg(['-i', SAMPLE_VIDEO, '-c', 'copy', whole]),
    ffmpeg(['-f', 'lavfi', '-i', 'sine=d=0.3', AUDIO]),
  ]);
  const bytes = readFileSync(whole);
  writeFileSync(MKV, bytes.subarray(0, Math.floor(bytes.length * 0.4)));
  server = http.createServer((req, res) => {
    requests++;
    res.writeHead(200, { 'content-type': 'video/mp4' });
    createReadStream(SAMPLE_VIDEO).pipe(res);
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  rmSync(tmp, { recursive: true, force: true });
});

const firstBox = (): string => readFileSync(SAMPLE_GT, 'utf8').split('\n')[0];

describe('siamstream track on other inputs', () => {
  it('http://…/file.mp4 ends at the end of the file, one row a frame, one request', async () => {
    const csv = path.join(tmp, 'http.csv');
    requests = 0;
    const r = await runCli(['track', `${base}/video.mp4`, '--box', firstBox(), '--out', csv]);
    expect(r.code, r.stderr).toBe(0);
    const rows = readFileSync(csv, 'utf8').trimEnd().split('\n').slice(1);
    expect(rows.map((l) => Number(l.split(',')[0]))).toEqual(Array.from({ length: 180 }, (_, i) => i));
    expect(requests).toBe(1);
  }, 180_000);

  it('a truncated .mkv: a warning, and ERR_TRUNCATED_INPUT with --strict (results kept)', async () => {
    const csv = path.join(tmp, 'mkv.csv');
    const lenient = await runCli(['track', MKV, '--box', firstBox(), '--out', csv]);
    expect(lenient.code, lenient.stderr).toBe(0);
    expect(lenient.stderr).toMatch(/warning: read \d+ frames, then the file ended before its container said/);
    const strict = await runCli(['track', MKV, '--box', firstBox(), '--out', csv, '--strict']);
    expect(strict.code).toBe(2);
    expect(strict.stderr).toMatch(/ERR_TRUNCATED_INPUT: read \d+ frames, .*File ended prematurely/);
    const rows = readFileSync(csv, 'utf8').trimEnd().split('\n').length - 1;
    expect(rows).toBeGreaterThan(10);
    expect(rows).toBeLessThan(180);
  }, 180_000);

  it('an audio-only file: ERR_NO_VIDEO_STREAM', async () => {
    const r = await runCli(['track', AUDIO, '--box', '1,1,8,8', '--out', path.join(tmp, 'never.csv')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/ERR_NO_VIDEO_STREAM: .*tone\.m4a has no video stream/);
    expect(r.stderr).not.toMatch(/trailing '\?'/);
  }, 60_000);
});

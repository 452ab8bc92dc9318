/**
 * `siamstream eval` as a process, with the real tracker, on a tiny data folder made from the
 * generated sample (one sequence: its first frames and ground truth, nan lines included).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseGroundTruth } from '../../src/eval/groundtruth.js';
import { parseXml } from '../eval/svg.js';
import { requireSample, makeShortSequence, runCli } from './cli-helpers.js';
import { SLOW_TEST_TIMEOUT_MS } from '../helpers/timeouts.js';

// Real processes, decoding or training: each test's deadlock guard is 10 min (test/helpers/timeouts.ts).
vi.setConfig({ testTimeout: SLOW_TEST_TIMEOUT_MS });

const tmp = mkdtempSync(path.join(tmpdir(), 'siam-cli-eval-'));
const data = path.join(tmp, 'data');
const FRAMES = 60;
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('siamstream eval (real tracker, generated sample)', () => {
  beforeAll(() => requireSample());
  beforeAll(() => makeShortSequence(path.join(data, 'sample'), FRAMES));

  it('writes <seq>.txt, summary.json and success.svg; --json keeps stdout to the JSON', async () => {
    const out = path.join(tmp, 'out');
    const r = await runCli(['eval', '--data', data, '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const printed = JSON.parse(r.stdout);
    const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
    expect(printed).toEqual(summary);
    expect(Object.keys(summary.sequences)).toEqual(['sample']);
    const s = summary.sequences.sample;
    for (const key of ['auc', 'p20', 'fps']) expect(typeof s[key]).toBe('number');
    expect(s.frames).toBe(FRAMES);
    expect(s.auc).toBeGreaterThanOrEqual(0);
    expect(s.auc).toBeLessThanOrEqual(20 / 21 + 1e-12);
    expect(summary.mean).toEqual({ auc: s.auc, p20: s.p20 });
    expect(summary.fps).toBeGreaterThan(0);
    expect(r.stderr).toContain('| sample |'); // the table went to stderr

    const pred = parseGroundTruth(readFileSync(path.join(out, 'sample.txt'), 'utf8'));
    const gt = parseGroundTruth(readFileSync(path.join(data, 'sample', 'groundtruth.txt'), 'utf8'));
    expect(pred).toHaveLength(FRAMES);
    expect(pred[0]).toEqual(gt[0]); // frame 1 counts with the init box
    const svg = parseXml(readFileSync(path.join(out, 'success.svg'), 'utf8'));
    expect(svg.filter((e) => e.name === 'polyline')).toHaveLength(1);
  });

  it('prints the table on stdout without --json, and refuses an unknown sequence', async () => {
    const out = path.join(tmp, 'out2');
    const [table, unknown] = await Promise.all([
      runCli(['eval', '--data', data, '--out', out, '--seqs', 'sample']),
      runCli(['eval', '--data', data, '--out', path.join(tmp, 'out3'), '--seqs', 'nope']),
    ]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/\| sample \| 60 \| 320x240 \|/);
    expect(table.stdout).toContain('**mean**');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('ERR_EVAL_DATA');
    expect(existsSync(path.join(tmp, 'out3', 'summary.json'))).toBe(false);
  });
});

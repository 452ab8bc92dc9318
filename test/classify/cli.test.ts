import { execFile } from 'node:child_process';
import { mkdtemp, rm, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { initBackend } from '../../src/backend/backend.js';
import { createClipClassifier } from '../../src/classify/index.js';
import { disposeClipModel, loadClipModel } from '../../src/classify/model.js';
import { PROTOTYPES_WEIGHT } from '../../src/classify/openset.js';
import { decode, resolveFfmpeg } from '../../src/decode/index.js';
import { lastValueFrom, toArray } from 'rxjs';
import { movingSquareFrames } from '../helpers/clip-model.js';
import { REPO_ROOT } from '../helpers/shared-data.js';
import { SLOW_TEST_TIMEOUT_MS } from '../helpers/timeouts.js';

// Real processes, decoding or training: each test's deadlock guard is 10 min (test/helpers/timeouts.ts).
vi.setConfig({ testTimeout: SLOW_TEST_TIMEOUT_MS });

const run = promisify(execFile);
const SAMPLES = path.join(REPO_ROOT, 'samples/actions');
const cli = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: REPO_ROOT,
    maxBuffer: 16 << 20,
  });

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'siam-cli-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('siamstream train + classify on samples/actions', () => {
  it('trains a model folder, then labels files as one JSON line each (and CSV)', async () => {
    const model = path.join(tmp, 'model');
    const train = await cli(
      'train',
      '--data',
      SAMPLES,
      '--out',
      model,
      '--epochs',
      '2',
      '--crop-views',
      '1',
      '--clip-length',
      '8',
    );
    const summary = JSON.parse(train.stdout.trim());
    // stderr is a pipe here, not a TTY: a line per epoch instead of a bar.
    expect(train.stderr).toMatch(/^train: epoch 1\/2, loss \d/m);
    expect(train.stderr).toMatch(/^train: epoch 2\/2, loss \d/m);
    expect(summary).toMatchObject({
      model,
      labels: ['grow', 'move_down', 'move_left', 'move_right', 'move_up'],
      clips: 20,
      epochs: 2,
    });
    const meta = JSON.parse(await readFile(path.join(model, 'classifier.json'), 'utf8'));
    expect(meta).toMatchObject({ clipLength: 8, fps: 10, inputSize: { width: 128, height: 96 } });

    const files = [path.join(SAMPLES, 'grow/grow-4.mp4'), path.join(SAMPLES, 'move_up/move_up-4.mp4')];
    const out = await cli('classify', ...files, '--model', model);
    const lines = out.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[0].file).toBe(files[0]);
    expect(Object.keys(lines[0].scores)).toHaveLength(5);
    expect(lines[0].windows.length).toBeGreaterThanOrEqual(2);
    expect(lines[0].windows[0]).toMatchObject({ startFrame: 0, endFrame: 7, startMs: 0 });
    expect(lines[0].label).toMatch(/^(grow|move_)/);

    const csv = await cli(
      'classify',
      files[0],
      '--model',
      model,
      '--format',
      'csv',
      '--window',
      '8',
      '--stride',
      '8',
    );
    const rows = csv.stdout.trim().split('\n');
    expect(rows[0]).toBe(
      'file,window,startMs,endMs,startFrame,endFrame,label,score_grow,score_move_down,score_move_left,score_move_right,score_move_up',
    );
    expect(rows[rows.length - 1]).toMatch(/,whole,/);
  });

  it('says unknown for what is unlike its training clips; the threshold is saved, loaded and can be overridden', async () => {
    const model = path.join(tmp, 'model'); // trained by the test above
    const summary = JSON.parse(await readFile(path.join(model, 'classifier.json'), 'utf8'));
    const { threshold, sameAnchor, unrelatedAnchor, prototypes } = summary.openSet;
    expect(unrelatedAnchor).toBeLessThan(threshold);
    expect(threshold).toBeLessThan(sameAnchor);
    expect(threshold).toBeCloseTo((sameAnchor + unrelatedAnchor) / 2, 6);
    await initBackend('wasm');
    const loaded = await loadClipModel(model);
    try {
      expect(loaded.config.openSet).toEqual(summary.openSet);
      expect(loaded.weights[PROTOTYPES_WEIGHT].shape[0]).toBe(prototypes);
    } finally {
      disposeClipModel(loaded);
    }
    // Noise is unlike every training clip: unknown, though the scores still name a class.
    const c = await createClipClassifier({ model, flowInWorker: false });
    try {
      const frames = movingSquareFrames(16, c.inputWidth, c.inputHeight).map((f) => ({
        ...f,
        data: f.data.map((_, k) => (Math.imul(k, 2654435761) + f.index * 97) & 255),
      }));
      const r = await c.classify(frames);
      expect(r.label).toBe('unknown');
      expect(r.familiarity).toBeLessThan(threshold);
      expect(Object.keys(r.scores)).toHaveLength(5);
      // A threshold of 0 never says unknown: the same frames get their likeliest class.
      const open = await createClipClassifier({ model, flowInWorker: false, unknownThreshold: 0 });
      try {
        const all = await open.classify(frames.map((f) => ({ ...f, index: f.index + 1000 })));
        expect(all.label).not.toBe('unknown');
        expect(all.familiarity).toBeCloseTo(r.familiarity as number, 5);
      } finally {
        await open.dispose();
      }
    } finally {
      await c.dispose();
    }
    // A training clip is as familiar as can be; --unknown-threshold 1 makes everything unknown.
    const clip = path.join(SAMPLES, 'move_up/move_up-4.mp4');
    const known = JSON.parse((await cli('classify', clip, '--model', model)).stdout.trim());
    expect(known.label).toBe('move_up');
    expect(known.windows[0].familiarity).toBeGreaterThan(threshold);
    const strict = JSON.parse(
      (await cli('classify', clip, '--model', model, '--unknown-threshold', '1')).stdout.trim(),
    );
    expect(strict.label).toBe('unknown');
  });

  it('--segments: two known actions with a stretch of neither between them (a generated video)', async () => {
    const model = path.join(tmp, 'model'); // trained by the first test
    // grow (1.6 s), 2 s of a Mandelbrot zoom (like no training clip), move_up (1.6 s): 5.2 s at 10 fps.
    const long = path.join(tmp, 'long.mp4');
    await run(resolveFfmpeg().path, [
      '-v',
      'error',
      '-y',
      '-i',
      path.join(SAMPLES, 'grow/grow-4.mp4'),
      '-f',
      'lavfi',
      '-i',
      'mandelbrot=size=160x120:rate=10',
      '-i',
      path.join(SAMPLES, 'move_up/move_up-4.mp4'),
      '-filter_complex',
      '[0:v]fps=10,scale=160:120,setsar=1[a];[1:v]trim=duration=2,setpts=PTS-STARTPTS,format=yuv420p,setsar=1[b];' +
        '[2:v]fps=10,scale=160:120,setsar=1[c];[a][b][c]concat=n=3:v=1:a=0,format=yuv420p',
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      long,
    ]);
    const vtt = path.join(tmp, 'out', 'long.vtt');
    const annotated = path.join(tmp, 'out', 'long-labels.mp4');
    const out = await cli(
      'classify',
      long,
      '--model',
      model,
      '--segments',
      '--segments-out',
      vtt,
      '--annotate',
      annotated,
    );
    const segments = out.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { label: string; startMs: number; endMs: number; score: number | null });
    expect(segments.map((s) => s.label)).toEqual(['grow', 'unknown', 'move_up']);
    expect(segments[0].startMs).toBe(0);
    expect(segments[2].endMs).toBeCloseTo(5200, -2);
    // The stretch of neither is where the Mandelbrot zoom is (1.6–3.6 s), give or take a window.
    expect(segments[1].startMs).toBeGreaterThan(1600 - 800);
    expect(segments[1].startMs).toBeLessThan(1600 + 800);
    expect(segments[1].endMs).toBeGreaterThan(3600 - 800);
    expect(segments[1].endMs).toBeLessThan(3600 + 800);
    expect(segments[1].score).toBeNull();
    const cues = [...(await readFile(vtt, 'utf8')).matchAll(/-->.*\n(\S+)/g)].map((m) => m[1]);
    expect(cues).toEqual(['grow', 'unknown', 'move_up']);
    // The annotated copy: every frame, each with its segment's colour in the timeline under the
    // playhead (a palette colour for an action, grey for unknown; H.264 blurs the exact values).
    const frames = await lastValueFrom(decode(annotated).pipe(toArray()));
    expect(frames).toHaveLength(52);
    for (const s of segments) {
      const f = frames[Math.round((s.startMs + s.endMs) / 2 / 100)];
      const x = Math.round(((s.startMs + s.endMs) / 2 / 5200) * f.width);
      const o = ((f.height - 1) * f.width + x - 4) * 3; // just left of the playhead
      const [r, g, b] = [f.data[o], f.data[o + 1], f.data[o + 2]];
      const spread = Math.max(r, g, b) - Math.min(r, g, b);
      if (s.label === 'unknown') expect(spread, `${s.label} at ${x}`).toBeLessThan(40);
      else expect(spread, `${s.label} at ${x}`).toBeGreaterThan(80);
    }
  });

  it('reports coded errors: a missing model folder, a one-class folder', async () => {
    const missing = await cli(
      'classify',
      path.join(SAMPLES, 'grow/grow-1.mp4'),
      '--model',
      path.join(tmp, 'nope'),
    ).catch((e) => e);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/ERR_MODEL_MISSING/);
    const one = await cli('train', '--data', path.join(SAMPLES, 'grow'), '--out', path.join(tmp, 'x')).catch(
      (e) => e,
    );
    expect(one.code).toBe(2);
    expect(one.stderr).toMatch(/ERR_DATASET_(EMPTY|ONE_CLASS)/);
  });
});

import { mkdtemp, rm, mkdir, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { initBackend, tf } from '../../src/backend/backend.js';
import { cropViews, flippedLabel, windowStarts, randomWindow } from '../../src/classify/augment.js';
import { createClipClassifier } from '../../src/classify/classifier.js';
import { decodeClip, scanDataset } from '../../src/classify/dataset.js';
import { disposeClipModel } from '../../src/classify/model.js';
import { splitValidation, trainClassifier, validateTrainOptions } from '../../src/classify/train.js';
import { SiamError } from '../../src/errors.js';
import { REPO_ROOT } from '../helpers/shared-data.js';
import { mulberry32 } from '../../src/util/prng.js';
import { SLOW_TEST_TIMEOUT_MS } from '../helpers/timeouts.js';

// Real processes, decoding or training: each test's deadlock guard is 10 min (test/helpers/timeouts.ts).
vi.setConfig({ testTimeout: SLOW_TEST_TIMEOUT_MS });

const SAMPLES = path.join(REPO_ROOT, 'samples/actions');
const LABELS = ['grow', 'move_down', 'move_left', 'move_right', 'move_up'];
/** Small and fast settings for tests: the defaults are for real data. */
const FAST = {
  epochs: 25,
  cropViews: 1,
  clipLength: 8,
  windowsPerClip: 4,
  validationSplit: 0,
  batchSize: 20,
};

let tmp: string;
beforeAll(async () => {
  await initBackend('wasm');
  tmp = await mkdtemp(path.join(os.tmpdir(), 'siam-train-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A training folder of symlinks: `takes` of each label in `labels`. */
async function folder(name: string, labels: string[], takes: number[]): Promise<string> {
  const dir = path.join(tmp, name);
  for (const label of labels) {
    await mkdir(path.join(dir, label), { recursive: true });
    for (const t of takes)
      await symlink(
        path.join(SAMPLES, label, `${label}-${t}.mp4`),
        path.join(dir, label, `${label}-${t}.mp4`),
      );
  }
  return dir;
}

describe('dataset errors', () => {
  it('an empty folder gives ERR_DATASET_EMPTY', async () => {
    await mkdir(path.join(tmp, 'empty/a'), { recursive: true });
    const err = await trainClassifier(path.join(tmp, 'empty')).catch((e) => e);
    expect(err).toBeInstanceOf(SiamError);
    expect(err.code).toBe('ERR_DATASET_EMPTY');
    expect(err.message).toMatch(/No usable clips/);
    await expect(scanDataset(path.join(tmp, 'missing'))).rejects.toMatchObject({ code: 'ERR_DATASET_EMPTY' });
  });

  it('a folder with one class gives ERR_DATASET_ONE_CLASS', async () => {
    const dir = await folder('one', ['grow'], [1, 2]);
    const err = await trainClassifier(dir).catch((e) => e);
    expect(err).toBeInstanceOf(SiamError);
    expect(err.code).toBe('ERR_DATASET_ONE_CLASS');
    expect(err.message).toMatch(/one class/);
  });

  it('an unreadable clip is reported as an ERR_CLIP_UNREADABLE warning and skipped', async () => {
    const dir = await folder('broken', ['grow', 'move_up'], [1, 2]);
    await writeFile(path.join(dir, 'grow', 'broken.mp4'), 'not a video');
    const warnings: SiamError[] = [];
    const { model, skipped } = await trainClassifier(dir, {
      ...FAST,
      epochs: 1,
      onWarning: (w) => warnings.push(w),
    });
    expect(warnings.map((w) => w.code)).toEqual(['ERR_CLIP_UNREADABLE']);
    expect(warnings[0].message).toMatch(/broken\.mp4/);
    expect(skipped).toHaveLength(1);
    expect(model.config.training).toMatchObject({ clips: 4 });
    disposeClipModel(model);
  });

  it('rejects bad options with ERR_BAD_OPTION naming the field', () => {
    expect(() => validateTrainOptions({ epochs: 0 })).toThrow(/`epochs`/);
    expect(() => validateTrainOptions({ flip: 'sideways' as never })).toThrow(/`flip`/);
  });
});

describe('augmentation and splits', () => {
  it('flips swap left/right labels, keep the others, and refuse a side label without its mirror', () => {
    expect(flippedLabel('move_left', LABELS, 'auto')).toBe(LABELS.indexOf('move_right'));
    expect(flippedLabel('grow', LABELS, 'auto')).toBe(LABELS.indexOf('grow'));
    expect(flippedLabel('wave_left', ['wave_left', 'clap'], 'auto')).toBe(-1);
    expect(flippedLabel('grow', LABELS, 'none')).toBe(-1);
    expect(cropViews(3)).toHaveLength(3);
  });

  it('windows cover a clip, speed jitter stays in range, validation split is stratified', () => {
    expect(windowStarts(20, 8, 4)).toEqual([0, 4, 8, 12]);
    expect(windowStarts(5, 8, 4)).toEqual([0]);
    const rnd = mulberry32(3);
    for (let i = 0; i < 50; i++) {
      const w = randomWindow(30, 8, 1.25, rnd);
      expect(w.speed).toBeGreaterThanOrEqual(0.8 - 1e-9);
      expect(w.speed).toBeLessThanOrEqual(1.25 + 1e-9);
      expect(w.positions[7]).toBeLessThanOrEqual(29 + 1e-9);
    }
    const clips = [0, 0, 0, 0, 0, 1, 1, 1, 2, 2].map((labelIndex) => ({ labelIndex }));
    const { train, val } = splitValidation(clips, 0.2, 1);
    expect(val.map((c) => c.labelIndex).sort()).toEqual([0, 1]);
    expect(train).toHaveLength(8);
  });
});

describe('training on the generated samples', () => {
  it('labels held-out clips: ≥ 4 of 5 right (trained on takes 1–3, tested on take 4)', async () => {
    const dir = await folder('samples', LABELS, [1, 2, 3]);
    const { model, history } = await trainClassifier(dir, FAST);
    expect(history[history.length - 1].loss).toBeLessThan(history[0].loss);
    const classifier = await createClipClassifier({ model });
    let right = 0;
    for (const label of LABELS) {
      const frames = await decodeClip(path.join(SAMPLES, label, `${label}-4.mp4`), model.config);
      const before = tf.memory().numTensors;
      const r = await classifier.classify(frames);
      expect(tf.memory().numTensors).toBe(before);
      classifier.reset();
      if (r.label === label) right++;
    }
    classifier.dispose();
    disposeClipModel(model);
    expect(right).toBeGreaterThanOrEqual(4);
  });
});

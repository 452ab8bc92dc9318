/**
 * A window of one frame has no motion, so it gets no motion class: `unknown`, its scores kept
 * (issue 27 item 12 — a 1-frame clip used to get a motion label). Two frames are enough for one.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { initBackend } from '../../src/backend/backend.js';
import { createClipClassifier, type ClipClassifier } from '../../src/classify/classifier.js';
import { classifyFile } from '../../src/classify/classify-file.js';
import { disposeClipModel, saveClipModel, type ClipModel } from '../../src/classify/model.js';
import { UNKNOWN_LABEL } from '../../src/classify/openset.js';
import { resolveFfmpeg } from '../../src/decode/index.js';
import { movingSquareFrames, randomClipModel } from '../helpers/clip-model.js';
import { SAMPLE } from '../decode/helpers.js';
import { REPO_ROOT } from '../helpers/shared-data.js';
import { SLOW_TEST_TIMEOUT_MS } from '../helpers/timeouts.js';

// Real processes, decoding or training: each test's deadlock guard is 10 min (test/helpers/timeouts.ts).
vi.setConfig({ testTimeout: SLOW_TEST_TIMEOUT_MS });

let dir: string;
let model: ClipModel;
let classifier: ClipClassifier;
beforeAll(async () => {
  await initBackend('wasm');
  dir = await mkdtemp(path.join(os.tmpdir(), 'siam-short-clip-'));
  model = randomClipModel();
  classifier = await createClipClassifier({ model, flowInWorker: false });
});
afterAll(async () => {
  await classifier.dispose();
  disposeClipModel(model);
  await rm(dir, { recursive: true, force: true });
});

/** The sample's first frame alone, in an mp4 at `fps`. */
async function oneFrameFile(fps: number): Promise<string> {
  const file = path.join(dir, `one-frame-${fps}fps.mp4`);
  await promisify(execFile)(resolveFfmpeg().path, [
    ...['-hide_banner', '-loglevel', 'error', '-y', '-i', SAMPLE, '-frames:v', '1'],
    ...['-r', String(fps), '-c:v', 'libx264', '-pix_fmt', 'yuv420p', file],
  ]);
  return file;
}

const sum = (scores: Record<string, number>): number => Object.values(scores).reduce((a, b) => a + b, 0);

describe('a clip too short for motion', () => {
  it('one frame is unknown with its scores; two frames get a class', async () => {
    const frames = movingSquareFrames(2);
    classifier.reset();
    const one = await classifier.classify(frames.slice(0, 1));
    expect(one.label).toBe(UNKNOWN_LABEL); // before: one of a, b, c
    expect(sum(one.scores)).toBeCloseTo(1, 5);
    expect(one).toMatchObject({ startFrame: 0, endFrame: 0 });
    classifier.reset();
    const two = await classifier.classify(frames);
    expect(model.config.labels).toContain(two.label);
  });

  it("a one-frame video file is labelled unknown as a whole, at the model's rate or not", async () => {
    for (const fps of [model.config.fps, 30]) {
      const r = await classifyFile(classifier, await oneFrameFile(fps));
      expect(r.windows).toHaveLength(1); // 30 fps before: ERR_CLIP_UNREADABLE 'gave no frames'
      expect(r.windows[0].label).toBe(UNKNOWN_LABEL);
      expect(r.label).toBe(UNKNOWN_LABEL);
    }
  });

  it('`siamstream classify` of a one-frame 30 fps file prints unknown and exits 0', async () => {
    const folder = path.join(dir, 'model');
    await saveClipModel(model, folder);
    // execFile rejects on a non-zero exit (2 before: the file 'gave no frames').
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'classify', await oneFrameFile(30), '--model', folder],
      { cwd: REPO_ROOT },
    );
    const line = JSON.parse(stdout.trim());
    expect(line.label).toBe(UNKNOWN_LABEL);
    expect(line.windows).toHaveLength(1);
  });
});

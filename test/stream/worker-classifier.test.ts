/**
 * The live server's labelling stage (worker-classifier.ts): the classifier in its own thread,
 * frames thinned to the model's rate, labels carrying the source's frame numbers, and the thread
 * released on unsubscribe (the promise the server waits for before exiting).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Subject } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { initBackend } from '../../src/backend/backend.js';
import { disposeClipModel, saveClipModel } from '../../src/classify/model.js';
import { classifyInWorker } from '../../src/stream/worker-classifier.js';
import type { ClipLabel, Frame } from '../../src/types.js';
import { randomClipModel } from '../helpers/clip-model.js';
import { SLOW_TEST_TIMEOUT_MS } from '../helpers/timeouts.js';

// Real processes, decoding or training: each test's deadlock guard is 10 min (test/helpers/timeouts.ts).
vi.setConfig({ testTimeout: SLOW_TEST_TIMEOUT_MS });

let dir: string;
beforeAll(async () => {
  await initBackend('wasm');
  dir = await mkdtemp(path.join(os.tmpdir(), 'siam-live-classify-'));
  const model = randomClipModel(['a', 'b']); // windows of 6 at 10 fps
  await saveClipModel(model, path.join(dir, 'model'));
  disposeClipModel(model);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Frame `i` of a 30 fps source: a bright square moving 2 px a frame. */
function frame(i: number, w = 96, h = 72): Frame {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      data.fill(
        x >= 10 + 2 * i && x < 30 + 2 * i && y >= 20 && y < 40 ? 220 : 40,
        (y * w + x) * 3,
        (y * w + x) * 3 + 3,
      );
  return { index: i, timestampMs: (i * 1000) / 30, width: w, height: h, data };
}

describe('classifyInWorker', () => {
  it("labels the model's rate out of a 30 fps source, in the source's frame numbers, and releases its thread", async () => {
    const frames = new Subject<Frame>();
    const releases: Promise<void>[] = [];
    const labels: ClipLabel[] = [];
    const done = new Promise<void>((resolve, reject) =>
      frames
        .pipe(classifyInWorker({ model: path.join(dir, 'model'), onReleased: (p) => releases.push(p) }))
        .subscribe({ next: (l) => labels.push(l), error: reject, complete: resolve }),
    );
    // Frames before the thread is ready are dropped: feed the source until two windows came back.
    let i = 0;
    for (; labels.length < 2 && i < 3000; i++) {
      frames.next(frame(i));
      await new Promise((r) => setTimeout(r, 5));
    }
    const full = labels.slice(); // whole windows (the tail at completion may be shorter)
    frames.complete();
    await done;
    expect(full.length).toBeGreaterThanOrEqual(2);
    for (const [k, l] of labels.entries()) {
      expect(['a', 'b']).toContain(l.label);
      expect(l.endFrame).toBeLessThan(i);
      if (k > 0) expect(l.startFrame).toBeGreaterThan(labels[k - 1].startFrame);
    }
    // A model frame is at least 75 ms after the previous one (10 fps, a quarter period of slack),
    // i.e. every third source frame or later: a window of 6 spans ≥ 15 source frames, where the
    // classifier's own consecutive numbering would span 5.
    for (const l of full) expect(l.endFrame - l.startFrame).toBeGreaterThanOrEqual(15);
    expect(releases).toHaveLength(1);
    await expect(releases[0]).resolves.toBeUndefined();
  });
});

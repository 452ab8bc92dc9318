/**
 * Backpressure: `all` loses no frame and keeps memory bounded however slow the consumer is;
 * `latest` gives a slow consumer the newest frame and counts the stale ones it drops.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { concatMap, lastValueFrom, map, take, toArray } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import { createFrameDemand, decode } from '../../src/decode/index.js';
import type { Frame } from '../../src/types.js';
import { SAMPLE, SAMPLE_FRAMES } from './helpers.js';
import { SLOW_TEST_TIMEOUT_MS } from '../helpers/timeouts.js';

// Real processes, decoding or training: each test's deadlock guard is 10 min (test/helpers/timeouts.ts).
vi.setConfig({ testTimeout: SLOW_TEST_TIMEOUT_MS });

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** Resolves once `pred` holds (polled): a consumer that waits for ffmpeg, not for a clock. */
async function until(pred: () => boolean): Promise<void> {
  while (!pred()) await sleep(2);
}
const MB = 1024 * 1024;

// Collect garbage before each memory sample, so what is measured is what is held.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
function heldArrayBuffers(): number {
  gc();
  return process.memoryUsage().arrayBuffers;
}

describe("backpressure 'all' with a FrameDemand", () => {
  it('delivers every frame, in order, to an async consumer, never more than maxInFlight at once', async () => {
    const demand = createFrameDemand({ maxInFlight: 2 });
    let working = 0;
    let maxWorking = 0;
    const indices = await lastValueFrom(
      decode(SAMPLE, { demand, maxSide: 64 }).pipe(
        demand.mapAsync(async (f: Frame) => {
          working++;
          maxWorking = Math.max(maxWorking, working);
          await sleep(f.index % 10 === 0 ? 8 : 0); // a consumer that is sometimes slow
          working--;
          return f.index;
        }),
        toArray(),
      ),
    );
    expect(indices).toEqual(Array.from({ length: SAMPLE_FRAMES }, (_, i) => i));
    expect(demand.peakInFlight).toBeLessThanOrEqual(2);
    expect(maxWorking).toBe(1);
    expect(demand.inFlight).toBe(0);
  });

  it('works around a 1-in-1-out operator with ackEach, with concurrency', async () => {
    const demand = createFrameDemand({ maxInFlight: 3 });
    const out = await lastValueFrom(
      decode(SAMPLE, { demand, maxSide: 32 }).pipe(
        map((f) => f.index),
        demand.ackEach(),
        toArray(),
      ),
    );
    expect(out).toHaveLength(SAMPLE_FRAMES);
    const demand2 = createFrameDemand({ maxInFlight: 4 });
    const out2 = await lastValueFrom(
      decode(SAMPLE, { demand: demand2, maxSide: 32 }).pipe(
        demand2.mapAsync(async (f) => {
          await sleep(1);
          return f.index;
        }, 3),
        toArray(),
      ),
    );
    expect(out2.sort((a, b) => a - b)).toEqual(Array.from({ length: SAMPLE_FRAMES }, (_, i) => i));
    expect(demand2.peakInFlight).toBeLessThanOrEqual(4);
  });

  it('keeps memory bounded: a slow consumer holds a few frames, where plain concatMap holds them all', async () => {
    const slowConsumer = async (f: Frame): Promise<number> => {
      await sleep(20);
      peak = Math.max(peak, heldArrayBuffers() - before);
      return f.index;
    };
    // Control: without a demand, ffmpeg decodes the whole sample (180 × 230 KB = 41 MB) into
    // concatMap's buffer in the first few hundred ms, while the consumer is still on frame 2.
    let before = heldArrayBuffers();
    let peak = 0;
    await lastValueFrom(decode(SAMPLE).pipe(concatMap(slowConsumer), take(30), toArray()));
    expect(peak).toBeGreaterThan(25 * MB);

    // With a demand, ffmpeg is held back: two frames in flight, plus pipe buffers.
    const demand = createFrameDemand({ maxInFlight: 2 });
    before = heldArrayBuffers();
    peak = 0;
    const frames = await lastValueFrom(
      decode(SAMPLE, { demand, loop: true }).pipe(demand.mapAsync(slowConsumer), take(60), toArray()),
    );
    expect(frames).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(demand.peakInFlight).toBeLessThanOrEqual(2);
    expect(peak).toBeLessThan(4 * MB);
  });
});

describe("backpressure 'latest'", () => {
  it('drops stale frames for a slow consumer, counts them, and always ends with the newest', async () => {
    const demand = createFrameDemand({ maxInFlight: 1 });
    let dropped = 0;
    const indices = await lastValueFrom(
      decode(SAMPLE, { demand, backpressure: 'latest', maxSide: 64, onDropped: (n) => (dropped = n) }).pipe(
        demand.mapAsync(async (f: Frame) => {
          // Slow on the first frame: held until ffmpeg, read flat out meanwhile, has dropped one.
          if (f.index === 0) await until(() => dropped > 0);
          return f.index;
        }),
        toArray(),
      ),
    );
    expect(dropped).toBeGreaterThan(0);
    expect(indices.length).toBeLessThan(SAMPLE_FRAMES);
    expect(indices.length + dropped).toBe(SAMPLE_FRAMES);
    expect(indices.every((v, i) => i === 0 || v > indices[i - 1])).toBe(true);
    expect(indices.at(-1)).toBe(SAMPLE_FRAMES - 1);
  });

  it('holds one waiting frame at most while ffmpeg runs flat out', async () => {
    const demand = createFrameDemand({ maxInFlight: 1 });
    let dropped = 0;
    const before = heldArrayBuffers();
    let peak = 0;
    const got = await lastValueFrom(
      decode(SAMPLE, { demand, backpressure: 'latest', loop: true, onDropped: (n) => (dropped = n) }).pipe(
        demand.mapAsync(async (f: Frame) => {
          const seen = dropped;
          await until(() => dropped >= seen + 2); // ffmpeg decoded on meanwhile: two more dropped
          peak = Math.max(peak, heldArrayBuffers() - before);
          return f;
        }),
        take(12),
        toArray(),
      ),
    );
    expect(got).toHaveLength(12); // ffmpeg decoded on (2+ frames dropped) while each one was worked on
    // Held: the frame being worked on, one waiting frame, pipe buffers (< 2 MB). Here ffmpeg
    // churns ~150 MB/s of frames that are dropped, and V8 frees their backing stores lazily even
    // after gc(), so samples read up to ~30 MB; keeping every frame would be > 150 MB.
    expect(peak).toBeLessThan(64 * MB);
  });

  it('without a demand, hands a synchronous consumer every frame', async () => {
    let dropped = 0;
    const frames = await lastValueFrom(
      decode(SAMPLE, { backpressure: 'latest', maxSide: 32, onDropped: (n) => (dropped = n) }).pipe(
        toArray(),
      ),
    );
    expect(frames).toHaveLength(SAMPLE_FRAMES);
    expect(dropped).toBe(0);
  });
});

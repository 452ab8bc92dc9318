/**
 * The preview schedule of the ClientHub, on a simulated clock: a 30 fps source with jitter gives
 * `previewMaxFps` previews a second (not fewer because frames arrive a little early), never more,
 * and no burst after a pause.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ClientHub, type HubSocket } from '../../src/stream/hub.js';
import type { JpegEncoder } from '../../src/stream/jpeg-encoder.js';
import type { StampedFrame } from '../../src/stream/pipeline.js';

/** A socket that writes everything at once. */
function instantSocket(): HubSocket {
  return {
    bufferedAmount: 0,
    readyState: 1,
    send: (_d: unknown, _o: unknown, cb: (err?: Error) => void) => cb(),
    on: () => undefined,
    ping: () => undefined,
    close: () => undefined,
    terminate: () => undefined,
  } as unknown as HubSocket;
}

/** Feeds frames at the given times (ms) and returns the times at which a preview was encoded. */
async function previewTimes(times: number[], maxFps: number): Promise<number[]> {
  let clock = 0;
  vi.spyOn(performance, 'now').mockImplementation(() => clock);
  const encoded: number[] = [];
  const encoder = {
    busy: false,
    encode: async () => {
      encoded.push(clock);
      return { jpeg: new Uint8Array([0xff, 0xd8, 0xff, 0xd9]), width: 8, height: 8, encodeMs: 0 };
    },
  } as unknown as JpegEncoder;
  const hub = new ClientHub({ encoder, previewMaxSide: 640, previewMaxFps: maxFps, queue: {} });
  hub.add(instantSocket());
  const frame = { index: 0, timestampMs: 0, width: 8, height: 8, data: new Uint8Array(8 * 8 * 3) };
  for (const [i, t] of times.entries()) {
    clock = t;
    hub.onFrame({ frame: { ...frame, index: i }, decodedAt: t } as StampedFrame);
    await new Promise((r) => setImmediate(r)); // the encode resolves and the preview is sent
  }
  return encoded;
}

afterEach(() => vi.restoreAllMocks());

describe('preview schedule', () => {
  it('a jittered 30 fps source gives 15 previews a second at previewMaxFps 15, evenly spread', async () => {
    // Frames every 33.3 ms, each up to ±3 ms off (deterministic jitter).
    const times = Array.from({ length: 300 }, (_, i) => 1000 + i * (1000 / 30) + 3 * Math.sin(i * 1.7));
    const got = await previewTimes(times, 15);
    const seconds = (times[times.length - 1] - times[0]) / 1000;
    expect(got.length / seconds).toBeGreaterThan(14.5);
    expect(got.length / seconds).toBeLessThanOrEqual(15.2);
    const gaps = got.slice(1).map((t, i) => t - got[i]);
    expect(Math.min(...gaps.slice(1))).toBeGreaterThan(1000 / 15 / 2); // never two frames in a row after the first
  });

  it('never exceeds previewMaxFps with a faster source, and does not catch up after a pause', async () => {
    const fast = Array.from({ length: 600 }, (_, i) => i * (1000 / 60)); // 60 fps for 10 s
    const got = await previewTimes(fast, 10);
    expect(got.length).toBeLessThanOrEqual(10 * 10 + 1);
    expect(got.length).toBeGreaterThanOrEqual(10 * 10 - 1);
    vi.restoreAllMocks();
    // A 2 s gap in the frames: afterwards, previews resume at the same pace, not in a burst.
    const gapped = [
      ...Array.from({ length: 30 }, (_, i) => i * 33.3),
      ...Array.from({ length: 30 }, (_, i) => 3000 + i * 33.3),
    ];
    const after = (await previewTimes(gapped, 10)).filter((t) => t >= 3000);
    const gaps = after.slice(1).map((t, i) => t - after[i]);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1000 / 10 / 2);
  });
});

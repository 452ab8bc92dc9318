/**
 * The re-centred second search (`recentreBeyond`): a target found far off the search's centre is
 * searched again around where it was found, in the same frame — and only then. Counted on the
 * trunk's calls, with the real trunk, on a generated target that jumps.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveEngine } from '../../src/backend/engine.js';
import { iou } from '../../src/eval/metrics.js';
import { createInProcessEmbedder, type Embedder } from '../../src/track/embedder.js';
import { SiamMultiTracker } from '../../src/track/multi-tracker.js';
import { resolveTrackerOptions } from '../../src/track/params.js';
import type { Box } from '../../src/types.js';
import { renderSequence } from '../helpers/synthetic.js';

/** Frame at which the 36×36 target jumps 36 px (0.67 of the region's half side: 3·36/2 = 54 px). */
const JUMP_AT = 12;

const seq = renderSequence({
  seed: 0x7ec3,
  frames: 20,
  target: (f) => ({ cx: 120 + f + (f >= JUMP_AT ? 36 : 0), cy: 120, width: 36, height: 36 }),
});

let inner: Embedder;
/** The trunk, counting its calls; a tracker's dispose() leaves it to afterAll. */
let trunk: Embedder;
/** Trunk calls and crops since the last reset. */
const calls = { embeds: 0, crops: 0 };

beforeAll(async () => {
  inner = await createInProcessEmbedder({
    engine: await resolveEngine('auto'),
    backend: 'auto',
    threads: 1,
    layer: 'both',
  });
  trunk = {
    embed(pixels, count, size) {
      calls.embeds++;
      calls.crops += count;
      return inner.embed(pixels, count, size);
    },
    numTensors: () => inner.numTensors(),
    dispose: async () => {},
  };
});

afterAll(() => inner?.dispose());

/** Per frame after the first: trunk calls, and the IoU of the reported box. */
async function run(recentreBeyond: number): Promise<Array<{ embeds: number; iou: number }>> {
  const tracker = new SiamMultiTracker(resolveTrackerOptions({ recentreBeyond }), trunk);
  await tracker.add(seq.frames[0], seq.gt[0] as Box, 1);
  const out = [];
  for (let i = 1; i < seq.frames.length; i++) {
    calls.embeds = 0;
    const [r] = await tracker.update(seq.frames[i]);
    out.push({ embeds: calls.embeds, iou: iou(r.box, seq.gt[i] as Box) });
  }
  await tracker.dispose();
  return out;
}

describe('re-centred search (default preset)', () => {
  let withIt: Array<{ embeds: number; iou: number }>;

  it('searches a second time on the frame of the jump, and only on frames far off centre', async () => {
    expect(resolveTrackerOptions().recentreBeyond).toBeGreaterThan(0);
    withIt = await run(resolveTrackerOptions().recentreBeyond);
    expect(withIt[JUMP_AT - 1].embeds).toBe(2);
    // At 1 px a frame the peak is near the centre: one trunk call a frame.
    expect(withIt.slice(0, JUMP_AT - 1).every((f) => f.embeds === 1)).toBe(true);
    expect(withIt[JUMP_AT - 1].iou).toBeGreaterThan(0.7);
  });

  it('never searches twice with recentreBeyond 0, and then follows the jump less well', async () => {
    const without = await run(0);
    expect(without.every((f) => f.embeds === 1)).toBe(true);
    expect(without[JUMP_AT - 1].iou).toBeLessThan(withIt[JUMP_AT - 1].iou - 0.2);
  });
});

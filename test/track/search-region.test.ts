/** Where the searcher looks: the region's shape for an elongated target (`longSideFraction`). */
import { describe, expect, it } from 'vitest';
import { resolveTrackerOptions } from '../../src/track/params.js';
import { Searcher } from '../../src/track/searcher.js';
import { TargetState } from '../../src/track/target.js';
import type { Frame } from '../../src/types.js';

const frame: Frame = {
  index: 1,
  timestampMs: 33,
  width: 640,
  height: 480,
  data: new Uint8Array(640 * 480 * 3),
};

function regions(box: { x: number; y: number; width: number; height: number }, longSideFraction: number) {
  const searcher = new Searcher(resolveTrackerOptions({ longSideFraction }));
  const state = new TargetState(box);
  const first = searcher.planFirst(state).regions[0];
  const near = searcher.planNear(frame, state, 2).regions[0]; // frame 2: the current size only
  return {
    first: { w: first.side, h: first.sideY ?? first.side },
    near: { w: near.side, h: near.sideY ?? near.side },
  };
}

describe('search region', () => {
  it('is square, 3·√(w·h), for a target no longer than 45 % of that', () => {
    const r = regions({ x: 100, y: 100, width: 40, height: 30 }, 0.45);
    const side = 3 * Math.sqrt(40 * 30);
    expect(r.first).toEqual({ w: side, h: side });
    expect(r.near).toEqual({ w: side, h: side });
  });

  it("is stretched along an elongated target's length until it spans 45 % of it, at init and after", () => {
    const side = 3 * Math.sqrt(60 * 15); // 90 px: the 60 px length would span 67 %
    for (const [box, along] of [
      [{ x: 100, y: 100, width: 60, height: 15 }, 'w'],
      [{ x: 100, y: 100, width: 15, height: 60 }, 'h'],
    ] as const) {
      const r = regions(box, 0.45);
      const across = along === 'w' ? 'h' : 'w';
      expect(r.first[along]).toBeCloseTo(60 / 0.45, 9);
      expect(r.first[across]).toBeCloseTo(side, 9);
      expect(r.near[along]).toBeCloseTo(r.first[along], 9);
      expect(r.near[across]).toBeCloseTo(r.first[across], 9);
    }
  });

  it('is square whatever the target with longSideFraction 0', () => {
    const r = regions({ x: 100, y: 100, width: 60, height: 15 }, 0);
    expect(r.first).toEqual({ w: 90, h: 90 });
  });
});

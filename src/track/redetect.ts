/**
 * Where to look for a lost target. Right after a loss the target is most likely near where it
 * vanished, so the search first widens there (searcher.ts); after a while every second lost
 * frame sweeps one tile of the whole frame instead, nearest tiles first, so the cost of a lost
 * frame stays bounded (one widened trunk pass) however large the frame is. The stored filter is
 * correlated with each tile; a confident peak takes the target back (the thresholds of the lost
 * state, tracker.ts). This is the "global search" of long-term trackers (e.g. Kalal et al.,
 * TLD, PAMI 2012; Zhu et al., DaSiamRPN, ECCV 2018, §4.3, local-to-global search region).
 */

/** A tile centre in pixels. */
export interface TileCentre {
  cx: number;
  cy: number;
}

/**
 * Tile centres covering a `width`×`height` frame so that any target centre lies within
 * (`stepX`/2, `stepY`/2) of one, ordered by distance from (`fromX`, `fromY`).
 */
export function tileCentres(
  width: number,
  height: number,
  stepX: number,
  stepY: number,
  fromX: number,
  fromY: number,
): TileCentre[] {
  const nx = Math.max(1, Math.ceil(width / stepX));
  const ny = Math.max(1, Math.ceil(height / stepY));
  const tiles: TileCentre[] = [];
  for (let j = 0; j < ny; j++)
    for (let i = 0; i < nx; i++) tiles.push({ cx: ((i + 0.5) * width) / nx, cy: ((j + 0.5) * height) / ny });
  const d = (t: TileCentre): number => (t.cx - fromX) ** 2 + (t.cy - fromY) ** 2;
  return tiles.sort((a, b) => d(a) - d(b));
}

/** The round-robin over the tiles of one loss. */
export class TileSweep {
  private tiles: TileCentre[] = [];
  private next = 0;

  /** Starts a sweep (called once per loss, when the global search begins). */
  start(tiles: TileCentre[]): void {
    this.tiles = tiles;
    this.next = 0;
  }

  get active(): boolean {
    return this.tiles.length > 0;
  }

  /** The next tile, cycling. */
  take(): TileCentre {
    const t = this.tiles[this.next];
    this.next = (this.next + 1) % this.tiles.length;
    return t;
  }

  stop(): void {
    this.tiles = [];
    this.next = 0;
  }
}

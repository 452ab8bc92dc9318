/**
 * Crops and embeds the searches of one frame together: the regions of every plan of the same crop
 * size are cut into one pixel buffer and go through the trunk in one call (one backend call for
 * all targets' tracking crops; a lost target's widened crop is another size and another call).
 * Each plan gets its own slice of the features, a view, not a copy.
 */
import type { Frame } from '../types.js';
import { cropPatchesJs, meanColour, type Region } from './crop.js';
import type { Embedder } from './embedder.js';
import type { FeatureBatch } from './embedding.js';

/** What a search asks to embed. */
export interface CropRequest {
  regions: readonly Region[];
  size: number;
}

/** The features of each request, in order, and where the time went. */
export interface Embedded {
  batches: FeatureBatch[];
  cropMs: number;
  trunkMs: number;
}

export class CropEmbedder {
  private pixels = new Float32Array(0);

  constructor(
    private readonly embedder: Embedder,
    private readonly crop: 'js' | 'backend',
  ) {}

  async embed(frame: Frame, requests: readonly CropRequest[]): Promise<Embedded> {
    const batches: FeatureBatch[] = new Array<FeatureBatch>(requests.length);
    const bySize = new Map<number, number[]>();
    requests.forEach((r, i) => bySize.set(r.size, [...(bySize.get(r.size) ?? []), i]));
    const mean = meanColour(frame);
    let cropMs = 0;
    let trunkMs = 0;
    for (const [size, members] of bySize) {
      const regions = members.flatMap((i) => requests[i].regions);
      let batch: FeatureBatch;
      let t0 = performance.now();
      if (this.crop === 'backend' && this.embedder.embedRegions) {
        // Cropped on the backend: counted as trunk time.
        batch = await this.embedder.embedRegions(frame, regions, size, mean);
      } else {
        const length = regions.length * size * size * 3;
        if (this.pixels.length < length) this.pixels = new Float32Array(length);
        cropPatchesJs(frame, regions, size, mean, this.pixels);
        const t1 = performance.now();
        cropMs += t1 - t0;
        t0 = t1;
        batch = await this.embedder.embed(this.pixels, regions.length, size);
      }
      trunkMs += performance.now() - t0;
      const per = batch.side * batch.side * batch.channels;
      let offset = 0;
      for (const i of members) {
        const count = requests[i].regions.length;
        batches[i] = { ...batch, data: batch.data.subarray(offset * per, (offset + count) * per), count };
        offset += count;
      }
    }
    return { batches, cropMs, trunkMs };
  }
}

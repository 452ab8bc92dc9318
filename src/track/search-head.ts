/**
 * The correlation-filter side of one frame: spectra of the search features at each scale, the
 * response r̂ = Σ_l ŵ_l* ∘ ẑ_l (CFNet Eq. 4), its peak, sub-cell position and PSR; learning
 * from the first frame and updating the template on a confident frame; and the widened search
 * used while the target is lost (the spatial filter zero-padded onto a larger grid, as CFNet
 * correlates its cropped template with a larger search region). Buffers are allocated once per
 * grid size.
 */
import type { CorrelationFilter } from './correlation-filter.js';
import { circularDistance, cosineWindow, gaussianLabel } from './grid-maps.js';
import type { FeatureBatch } from './embedding.js';
import { nextPowerOfTwo } from './fft2d.js';
import { coarsePeak, PeakRefiner, peakToSidelobe, type Peak } from './response.js';
import type { FeatureNorm } from './params.js';
import { SpectralGrid } from './spectral-grid.js';

/** What one scale's response says: signed displacement in cells from the crop centre, peak, PSR. */
export interface ScaleReading {
  index: number;
  dy: number;
  dx: number;
  value: number;
  psr: number;
}

/** Buffers for the widened search on an M×M grid. */
interface WideGrid {
  grid: SpectralGrid;
  filter: Float64Array[];
  search: Float64Array[];
  spectrum: Float64Array;
  resp: Float64Array;
  refiner: PeakRefiner;
  valid: boolean;
}

/** Cells excluded around the peak when measuring the sidelobe. */
const PSR_EXCLUDE_CELLS = 2;

export class SearchHead {
  readonly window: Float64Array;
  private readonly weighted: Float64Array;
  private readonly spectra: Float64Array[][];
  private readonly label: Float64Array;
  private readonly labelF: Float64Array;
  private readonly spectrum: Float64Array;
  private readonly resp: Float64Array;
  private readonly refiner: PeakRefiner;
  private readonly wide = new Map<number, WideGrid>();
  private lastBatch: FeatureBatch | undefined;
  /** Per-channel gains: each block of channels to unit mean energy per cell. */
  private readonly gains: Float64Array;
  private readonly patchGains: Float64Array;

  constructor(
    readonly cf: CorrelationFilter,
    readonly cells: number,
    maxScales: number,
    private readonly upsample: number,
    private readonly norm: FeatureNorm,
    windowFlat = 0,
  ) {
    this.gains = new Float64Array(cf.channels).fill(1);
    this.patchGains = new Float64Array(cf.channels).fill(1);
    const n = cf.n;
    this.window = cosineWindow(cells, windowFlat);
    this.weighted = new Float64Array(cells * cells);
    this.spectra = Array.from({ length: maxScales }, () => cf.allocSpectra());
    this.label = new Float64Array(n * n);
    this.labelF = new Float64Array(2 * n * n);
    this.spectrum = new Float64Array(2 * n * n);
    this.resp = new Float64Array(n * n);
    this.refiner = new PeakRefiner(n, upsample);
  }

  private features(batch: FeatureBatch, i: number): Float32Array {
    const per = batch.side * batch.side * batch.channels;
    return batch.data.subarray(i * per, (i + 1) * per);
  }

  /**
   * Gains that bring each block of channels of packed `features` (f×f cells, spectral-grid.ts) to
   * unit mean energy per cell of its own grid, so that λ means the same for every target and layer.
   */
  private blockGains(features: Float32Array, out: Float64Array): Float64Array {
    const { fine, coarse, packed } = this.cf.grid;
    const cells = features.length / packed;
    const energy = (from: number, to: number): number => {
      let e = 0;
      for (let p = 0; p < cells; p++)
        for (let l = from; l < to; l++) e += features[p * packed + l] * features[p * packed + l];
      return e;
    };
    out.fill(1 / Math.sqrt(energy(0, fine) / cells + 1e-12), 0, fine);
    // The coarse block has a quarter of the cells, each spread over four packed cells.
    if (coarse > 0) out.fill(1 / Math.sqrt(energy(fine, packed) / (cells / 4) + 1e-12), fine, fine + coarse);
    return out;
  }

  private gainsFor(features: Float32Array): Float64Array {
    return this.norm === 'patch' ? this.blockGains(features, this.patchGains) : this.gains;
  }

  /**
   * Trains the filter on the exemplar (patch 0 of `batch`), target centred; returns its
   * self-response. `mask` (f×f, optional) replaces the cosine window on the training features.
   */
  learnFirst(batch: FeatureBatch, sigma: number, mask?: Float64Array): ScaleReading {
    const xf = this.spectra[0];
    const x = this.features(batch, 0);
    // The exemplar's own gains (what gainsFor() would recompute under 'patch' norm, too).
    this.cf.grid.spectra(x, this.cells, mask ?? this.window, this.blockGains(x, this.gains), xf);
    this.train(xf, sigma, 0, 0, 1);
    if (mask) this.cf.grid.spectra(x, this.cells, this.window, this.gains, xf);
    return this.read(xf, 0, 0);
  }

  /**
   * Template update from patch `index` of the last search, the label centred on the found peak;
   * `mask` as in {@link learnFirst}.
   */
  learn(
    index: number,
    sigma: number,
    dy: number,
    dx: number,
    rate: number,
    windowed: boolean,
    mask?: Float64Array,
  ): void {
    const xf = this.spectra[index];
    if ((mask || !windowed) && this.lastBatch) {
      const x = this.features(this.lastBatch, index);
      this.cf.grid.spectra(x, this.cells, mask ?? this.window, this.gainsFor(x), xf);
    }
    this.train(xf, sigma, dy, dx, rate);
  }

  private train(xf: Float64Array[], sigma: number, dy: number, dx: number, rate: number): void {
    gaussianLabel(this.cf.n, sigma, dy, dx, this.label);
    this.cf.fft.forwardReal(this.label, this.labelF);
    this.cf.train(xf, this.labelF, rate);
    for (const g of this.wide.values()) g.valid = false;
  }

  /**
   * Responses of every patch of `batch` (the scales); `inFrame[i]`, when given, weights patch i's
   * cells by how far inside the frame they are (grid-maps.ts `inFrameWeights`).
   */
  search(
    batch: FeatureBatch,
    influence: number,
    windowed: boolean,
    inFrame: ReadonlyArray<Float64Array | undefined> = [],
  ): ScaleReading[] {
    this.lastBatch = batch;
    const readings: ScaleReading[] = [];
    for (let i = 0; i < batch.count; i++) {
      const zf = this.spectra[i];
      const z = this.features(batch, i);
      let window = windowed ? this.window : null;
      const weights = inFrame[i];
      if (weights) {
        for (let c = 0; c < weights.length; c++) this.weighted[c] = (window ? window[c] : 1) * weights[c];
        window = this.weighted;
      }
      this.cf.grid.spectra(z, this.cells, window, this.gainsFor(z), zf);
      readings.push(this.read(zf, i, influence));
    }
    return readings;
  }

  private read(zf: Float64Array[], index: number, influence: number): ScaleReading {
    const { cf, spectrum, resp } = this;
    cf.responseSpectrum(zf, spectrum);
    cf.fft.inverseReal(spectrum, resp);
    const coarse = coarsePeak(resp, cf.n, influence);
    const peak: Peak = this.refiner.refine(spectrum, coarse);
    const psr = peakToSidelobe(resp, cf.n, coarse, PSR_EXCLUDE_CELLS);
    return { index, dy: peak.dy, dx: peak.dx, value: peak.value, psr };
  }

  /** The widened search while lost: one large patch, no window, no displacement penalty. */
  searchWide(batch: FeatureBatch): ScaleReading {
    const f = batch.side;
    const m = nextPowerOfTwo(f);
    const g = this.wideGrid(m);
    const n = this.cf.n;
    if (!g.valid) {
      this.cf.spectraOnGrid(g.grid, Math.round(this.cells / 2 - n / 2), g.filter);
      g.valid = true;
    }
    const z = this.features(batch, 0);
    g.grid.spectra(z, f, null, this.gainsFor(z), g.search);
    g.grid.cross(g.filter, g.search, g.spectrum);
    g.grid.fft.inverseReal(g.spectrum, g.resp);
    const coarse = coarsePeak(g.resp, m, 0);
    const peak = g.refiner.refine(g.spectrum, coarse);
    const psr = peakToSidelobe(g.resp, m, coarse, PSR_EXCLUDE_CELLS);
    // The filter sits where the exemplar's centre was; the wide crop's centre is (f − cells)/2 further.
    const shift = (f - this.cells) / 2;
    return {
      index: 0,
      dy: circularDistance(peak.dy - shift, m),
      dx: circularDistance(peak.dx - shift, m),
      value: peak.value,
      psr,
    };
  }

  private wideGrid(m: number): WideGrid {
    let g = this.wide.get(m);
    if (!g) {
      const { fine, coarse } = this.cf.grid;
      const grid = new SpectralGrid(m, { fine, coarse });
      g = {
        grid,
        filter: grid.alloc(),
        search: grid.alloc(),
        spectrum: new Float64Array(2 * m * m),
        resp: new Float64Array(m * m),
        refiner: new PeakRefiner(m, this.upsample),
        valid: false,
      };
      this.wide.set(m, g);
    }
    return g;
  }
}

/**
 * Cost of the correlation-filter head per frame, in JS (fft.js): spectra of C channels,
 * response, sub-cell peak, PSR, and a template update, for the grid sizes the presets use; the
 * default's 32 + 88 channels both as one 120-channel grid (the stride-16 block resampled onto the
 * stride-8 grid, as until 2026-11-30) and as the fine + coarse grids it uses now (spectral-grid.ts).
 *
 *   node --import tsx/esm bench/correlation-filter.ts [--json out.json]
 */
import { writeFileSync } from 'node:fs';
import { CorrelationFilter } from '../src/track/correlation-filter.js';
import { cosineWindow, gaussianLabel } from '../src/track/grid-maps.js';
import { coarsePeak, PeakRefiner, peakToSidelobe } from '../src/track/response.js';
import { Fft2d, nextPowerOfTwo } from '../src/track/fft2d.js';
import type { ChannelBlocks } from '../src/track/spectral-grid.js';

interface Row {
  cells: number;
  fft: number;
  channels: string;
  spectraMs: number;
  responseMs: number;
  peakMs: number;
  trainMs: number;
  fft2dUs: number;
}

function time(fn: () => void, reps: number): number {
  for (let i = 0; i < Math.max(3, reps / 10); i++) fn();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) fn();
  return (performance.now() - t0) / reps;
}

const rows: Row[] = [];
for (const [cells, blocks] of [
  [16, { fine: 32, coarse: 0 }],
  [24, { fine: 32, coarse: 0 }],
  [32, { fine: 32, coarse: 0 }],
  [24, { fine: 120, coarse: 0 }],
  [24, { fine: 32, coarse: 88 }],
] as Array<[number, ChannelBlocks]>) {
  const n = nextPowerOfTwo(cells);
  const cf = new CorrelationFilter(n, blocks, 0.01);
  const channels = blocks.coarse ? `${blocks.fine}+${blocks.coarse}/2` : String(blocks.fine);
  const feats = Float32Array.from({ length: cells * cells * cf.grid.packed }, () => Math.random());
  const win = cosineWindow(cells);
  const xf = cf.allocSpectra();
  const y = new Float64Array(n * n);
  gaussianLabel(n, 1.2, 0, 0, y);
  const yf = new Float64Array(2 * n * n);
  cf.fft.forwardReal(y, yf);
  cf.grid.spectra(feats, cells, win, 1, xf);
  cf.train(xf, yf, 1);
  const spectrum = new Float64Array(2 * n * n);
  const resp = new Float64Array(n * n);
  const refiner = new PeakRefiner(n, 8);
  const fft = new Fft2d(n);
  const plane = Float64Array.from({ length: n * n }, () => Math.random());
  const out = new Float64Array(2 * n * n);
  rows.push({
    cells,
    fft: n,
    channels,
    spectraMs: time(() => cf.grid.spectra(feats, cells, win, 1, xf), 200),
    responseMs: time(() => {
      cf.responseSpectrum(xf, spectrum);
      cf.fft.inverseReal(spectrum, resp);
    }, 200),
    peakMs: time(() => {
      const c = coarsePeak(resp, n, 0.2);
      refiner.refine(spectrum, c);
      peakToSidelobe(resp, n, c, 2);
    }, 200),
    trainMs: time(() => cf.train(xf, yf, 0.01), 200),
    fft2dUs: time(() => fft.forwardReal(plane, out), 1000) * 1000,
  });
}

console.log('cells  fft  ch        spectra ms  response ms  peak ms  train ms  one 2-D FFT µs  per scale ms');
for (const r of rows) {
  const perScale = r.spectraMs + r.responseMs + r.peakMs;
  console.log(
    `${String(r.cells).padStart(5)} ${String(r.fft).padStart(4)} ${r.channels.padStart(9)} ${r.spectraMs.toFixed(3).padStart(11)} ${r.responseMs.toFixed(3).padStart(12)} ${r.peakMs.toFixed(3).padStart(8)} ${r.trainMs.toFixed(3).padStart(9)} ${r.fft2dUs.toFixed(1).padStart(15)} ${perScale.toFixed(3).padStart(13)}`,
  );
}
const json = process.argv.indexOf('--json');
if (json > 0 && process.argv[json + 1]) writeFileSync(process.argv[json + 1], JSON.stringify(rows, null, 1));

/**
 * The OTB success plot as a standalone SVG: x = overlap threshold, y = success rate, one curve
 * per sequence and their mean (thicker), with the AUC of each curve in the legend.
 *
 * Hand-written SVG text rather than a plotting library: the figure is a few polylines and
 * labels, a charting dependency (and a DOM to render it in Node) would outweigh it.
 */
import { OTB_THRESHOLDS, mean } from './metrics.js';

/** One curve of the plot. */
export interface SuccessCurveSeries {
  name: string;
  /** Success rate per threshold, same length as the thresholds. */
  curve: readonly number[];
  /** Area under the curve, shown in the legend. */
  auc: number;
}

/** Options of {@link renderSuccessPlot}. */
export interface SuccessPlotOptions {
  /** @default OTB_THRESHOLDS */
  thresholds?: readonly number[];
  /** @default 'Success plot (OTB one-pass evaluation)' */
  title?: string;
  /** Adds the mean curve (thicker, black) when there is more than one series. @default true */
  mean?: boolean;
  /** Label of the mean curve. @default 'mean' */
  meanLabel?: string;
}

// Layout in SVG user units.
const WIDTH = 720;
const HEIGHT = 480;
const PLOT = { left: 60, top: 40, width: 420, height: 380 };
const LEGEND_X = PLOT.left + PLOT.width + 20;

/** A colour-blind-friendly palette (Okabe & Ito; its yellow, too faint on white, swapped for Tol's wine), repeated. */
const PALETTE = ['#E69F00', '#56B4E9', '#009E73', '#882255', '#0072B2', '#D55E00', '#CC79A7', '#999999'];

function escapeXml(s: string): string {
  return s.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!,
  );
}

const px = (t: number): number => PLOT.left + t * PLOT.width;
const py = (s: number): number => PLOT.top + (1 - s) * PLOT.height;
const f = (v: number): string => (Number.isFinite(v) ? v.toFixed(1) : '0');

function polyline(
  thresholds: readonly number[],
  curve: readonly number[],
  colour: string,
  width: number,
): string {
  const points = thresholds.map((t, i) => `${f(px(t))},${f(py(Number.isFinite(curve[i]) ? curve[i] : 0))}`);
  return `<polyline class="curve" fill="none" stroke="${colour}" stroke-width="${width}" points="${points.join(' ')}"/>`;
}

function axes(): string[] {
  const out: string[] = [
    `<rect x="${PLOT.left}" y="${PLOT.top}" width="${PLOT.width}" height="${PLOT.height}" fill="none" stroke="#333"/>`,
  ];
  for (let i = 0; i <= 10; i += 2) {
    const v = i / 10;
    out.push(
      `<line x1="${f(px(v))}" y1="${PLOT.top}" x2="${f(px(v))}" y2="${PLOT.top + PLOT.height}" stroke="#ddd"/>`,
      `<line x1="${PLOT.left}" y1="${f(py(v))}" x2="${PLOT.left + PLOT.width}" y2="${f(py(v))}" stroke="#ddd"/>`,
      `<text x="${f(px(v))}" y="${PLOT.top + PLOT.height + 16}" text-anchor="middle">${v.toFixed(1)}</text>`,
      `<text x="${PLOT.left - 6}" y="${f(py(v) + 4)}" text-anchor="end">${v.toFixed(1)}</text>`,
    );
  }
  out.push(
    `<text x="${PLOT.left + PLOT.width / 2}" y="${HEIGHT - 12}" text-anchor="middle">Overlap threshold</text>`,
    `<text x="16" y="${PLOT.top + PLOT.height / 2}" text-anchor="middle" transform="rotate(-90 16 ${PLOT.top + PLOT.height / 2})">Success rate</text>`,
  );
  return out;
}

/**
 * Renders the success plot. Legend entries read `name [AUC]`, sorted by AUC (best first, the
 * benchmark's habit), the mean last.
 */
export function renderSuccessPlot(
  series: readonly SuccessCurveSeries[],
  options: SuccessPlotOptions = {},
): string {
  const thresholds = options.thresholds ?? OTB_THRESHOLDS;
  for (const s of series) {
    if (s.curve.length !== thresholds.length) {
      throw new RangeError(
        `Expected curve "${s.name}" to have ${thresholds.length} points, got ${s.curve.length}`,
      );
    }
  }
  const title = options.title ?? 'Success plot (OTB one-pass evaluation)';
  const coloured = series.map((s, i) => ({ ...s, colour: PALETTE[i % PALETTE.length], width: 1.5 }));
  const entries = [...coloured].sort((a, b) => (b.auc || 0) - (a.auc || 0));
  if ((options.mean ?? true) && series.length > 1) {
    const meanCurve = thresholds.map((_, i) => mean(series.map((s) => s.curve[i])));
    entries.push({
      name: options.meanLabel ?? 'mean',
      curve: meanCurve,
      auc: mean(meanCurve),
      colour: '#000',
      width: 3.5,
    });
  }
  const body: string[] = [
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`,
    `<text x="${PLOT.left + PLOT.width / 2}" y="24" text-anchor="middle" font-size="15">${escapeXml(title)}</text>`,
    ...axes(),
  ];
  // Thin sequence curves first, the mean on top.
  for (const e of entries) body.push(polyline(thresholds, e.curve, e.colour, e.width));
  entries.forEach((e, i) => {
    const y = PLOT.top + 10 + i * 20;
    const auc = Number.isFinite(e.auc) ? e.auc.toFixed(3) : 'n/a';
    body.push(
      `<line class="legend" x1="${LEGEND_X}" y1="${y}" x2="${LEGEND_X + 24}" y2="${y}" stroke="${e.colour}" stroke-width="${e.width}"/>`,
      `<text x="${LEGEND_X + 30}" y="${y + 4}">${escapeXml(e.name)} [${auc}]</text>`,
    );
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    ...body.map((l) => `  ${l}`),
    '</svg>',
    '',
  ].join('\n');
}

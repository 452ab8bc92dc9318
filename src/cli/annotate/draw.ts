/**
 * Drawing tracking results into an RGB24 frame, in plain JS. One target: the box outline (green
 * while tracked, red while lost), and a small panel in the top-left corner with a score bar and
 * the score (or LOST) in a 3×5 bitmap font. Several: each box in its id's colour, labelled with
 * the id and the score (or LOST) above it. No canvas dependency: a rectangle, a bar and a dozen
 * glyphs are a few loops over the byte buffer.
 */
import type { TargetResult } from '../../track/index.js';
import type { Box, TrackResult } from '../../types.js';

/** An RGB colour, 0–255 per channel. */
export type Rgb = readonly [number, number, number];

/** Box and bar colour while the target is tracked. */
export const GREEN: Rgb = [0, 220, 0];
/** Box and bar colour while the target is lost. */
export const RED: Rgb = [235, 30, 30];
/** Text, and the panels behind it. */
export const WHITE: Rgb = [255, 255, 255];
export const DARK: Rgb = [20, 20, 20];
const GREY: Rgb = [90, 90, 90];

/** An RGB24 image we draw into (row-major, 3 bytes a pixel). */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Fills the rectangle [x0, x1) × [y0, y1), clipped to the image. */
export function fillRect(img: RgbImage, x0: number, y0: number, x1: number, y1: number, colour: Rgb): void {
  const xa = Math.max(0, Math.round(x0));
  const xb = Math.min(img.width, Math.round(x1));
  const ya = Math.max(0, Math.round(y0));
  const yb = Math.min(img.height, Math.round(y1));
  for (let y = ya; y < yb; y++) {
    let o = (y * img.width + xa) * 3;
    for (let x = xa; x < xb; x++, o += 3) {
      img.data[o] = colour[0];
      img.data[o + 1] = colour[1];
      img.data[o + 2] = colour[2];
    }
  }
}

/** Draws the outline of `box`, `thickness` pixels wide, inside the box edges, clipped to the image. */
export function strokeBox(img: RgbImage, box: Box, colour: Rgb, thickness = 2): void {
  if (![box.x, box.y, box.width, box.height].every(Number.isFinite)) return;
  const x0 = box.x;
  const y0 = box.y;
  const x1 = box.x + box.width;
  const y1 = box.y + box.height;
  const t = Math.max(1, Math.min(thickness, box.width / 2, box.height / 2));
  fillRect(img, x0, y0, x1, y0 + t, colour);
  fillRect(img, x0, y1 - t, x1, y1, colour);
  fillRect(img, x0, y0, x0 + t, y1, colour);
  fillRect(img, x1 - t, y0, x1, y1, colour);
}

/** 3×5 glyphs, one string of 15 bits (row by row, top first) per character. */
const GLYPHS: Record<string, string> = {
  '0': '111101101101111',
  '1': '010110010010111',
  '2': '111001111100111',
  '3': '111001111001111',
  '4': '101101111001001',
  '5': '111100111001111',
  '6': '111100111101111',
  '7': '111001001001001',
  '8': '111101111101111',
  '9': '111101111001111',
  '.': '000000000000010',
  '-': '000000111000000',
  '#': '101111101111101',
  ' ': '000000000000000',
  _: '000000000000111',
  ':': '000010000010000',
  '/': '001001010100100',
  '?': '111001010000010',
  A: '010101111101101',
  B: '110101110101110',
  C: '011100100100011',
  D: '110101101101110',
  E: '111100110100111',
  F: '111100110100100',
  G: '011100101101011',
  H: '101101111101101',
  I: '111010010010111',
  J: '001001001101010',
  K: '101101110101101',
  L: '100100100100111',
  M: '101111111101101',
  N: '110101101101101',
  O: '010101101101010',
  P: '110101110100100',
  Q: '010101101110011',
  R: '110101110101101',
  S: '011100010001110',
  T: '111010010010010',
  U: '101101101101111',
  V: '101101101101010',
  W: '101101111111101',
  X: '101101010101101',
  Y: '101101010010010',
  Z: '111001010100111',
};

/** Width in pixels of `text` at `scale` (4 columns a glyph: 3 + 1 spacing). */
export function textWidth(text: string, scale: number): number {
  return Math.max(0, text.length * 4 - 1) * scale;
}

/** Draws `text` (digits, letters shown upper-case, `. - # _ : / ?` and space; others as `?`) with its top-left at (x, y). */
export function drawText(img: RgbImage, x: number, y: number, text: string, colour: Rgb, scale = 2): void {
  let cx = x;
  for (const ch of text.toUpperCase()) {
    const glyph = GLYPHS[ch] ?? GLYPHS['?'];
    for (let i = 0; i < 15; i++) {
      if (glyph[i] === '1') {
        const gx = cx + (i % 3) * scale;
        const gy = y + Math.floor(i / 3) * scale;
        fillRect(img, gx, gy, gx + scale, gy + scale, colour);
      }
    }
    cx += 4 * scale;
  }
}

/** The pixel scale of the panel for a frame size: 2 for SD, more for larger frames. */
export function panelScale(height: number): number {
  return Math.max(1, Math.round(height / 180));
}

/**
 * Draws `result` into `img` (in place): the box, then a panel with a score bar (full width =
 * score 1) and the score as text, `LOST` in red while the target is lost. The score shown is
 * clamped to [0, 1].
 */
export function drawResult(img: RgbImage, result: TrackResult): void {
  const colour = result.lost ? RED : GREEN;
  const s = panelScale(img.height);
  strokeBox(img, result.box, colour, Math.max(2, s));
  const score = Number.isFinite(result.score) ? Math.min(1, Math.max(0, result.score)) : 0;
  const label = `${result.lost ? 'LOST ' : ''}${score.toFixed(2)}`;
  const pad = 2 * s;
  const barW = 40 * s;
  const barH = 5 * s;
  const panelW = pad * 3 + barW + textWidth('LOST 0.00', s);
  const panelH = pad * 2 + barH;
  fillRect(img, 0, 0, panelW, panelH, DARK);
  fillRect(img, pad, pad, pad + barW, pad + barH, GREY);
  fillRect(img, pad, pad, pad + Math.round(barW * score), pad + barH, colour);
  drawText(img, pad * 2 + barW, pad, label, result.lost ? RED : WHITE, s);
}

/** Colours of target ids 1, 2, … (then round again): far apart in hue, none the lost red. */
export const ID_COLOURS: readonly Rgb[] = [
  [0, 220, 0],
  [255, 150, 0],
  [40, 150, 255],
  [255, 0, 255],
  [255, 230, 0],
  [0, 230, 230],
  [170, 100, 255],
  [255, 120, 170],
];

/** The colour of target `id`. */
export function idColour(id: number): Rgb {
  return ID_COLOURS[(((id - 1) % ID_COLOURS.length) + ID_COLOURS.length) % ID_COLOURS.length];
}

/**
 * Draws one frame's results into `img` (in place): a single target as {@link drawResult}; several
 * as boxes in their ids' colours (thin while lost), each labelled `#id score` or `#id LOST` on a
 * dark strip just above the box (inside it when the box touches the top).
 */
export function drawTargets(img: RgbImage, results: readonly TargetResult[]): void {
  if (results.length === 1) return drawResult(img, results[0]);
  const s = panelScale(img.height);
  for (const r of results) {
    const colour = idColour(r.id);
    strokeBox(img, r.box, colour, r.lost ? 1 : Math.max(2, s));
    const score = Number.isFinite(r.score) ? Math.min(1, Math.max(0, r.score)) : 0;
    const label = `#${r.id} ${r.lost ? 'LOST' : score.toFixed(2)}`;
    const h = 7 * s;
    const y = r.box.y >= h ? r.box.y - h : r.box.y;
    fillRect(img, r.box.x, y, r.box.x + textWidth(label, s) + 2 * s, y + h, DARK);
    drawText(img, r.box.x + s, y + s, label, r.lost ? RED : colour, s);
  }
}

/**
 * Input checks for the tracker: frames with consistent sizes, boxes inside the frame with a
 * positive, finite size (coded errors, STYLE.md §8).
 */
import { SiamError } from '../errors.js';
import type { Box, Frame } from '../types.js';

/** Throws `ERR_BAD_FRAME` unless `frame` is `width × height` RGB24 bytes. */
export function validateFrame(frame: Frame): void {
  const ok =
    frame != null &&
    Number.isInteger(frame.width) &&
    Number.isInteger(frame.height) &&
    frame.width > 0 &&
    frame.height > 0 &&
    frame.data instanceof Uint8Array &&
    frame.data.length === frame.width * frame.height * 3;
  if (!ok) {
    throw new SiamError(
      'ERR_BAD_FRAME',
      `Expected an RGB24 frame of width × height × 3 bytes, got ${frame?.width}x${frame?.height} with ${frame?.data?.length} bytes`,
    );
  }
}

/**
 * Throws `ERR_BAD_BOX` unless `box` has finite coordinates, a positive width and height, and
 * overlaps the frame.
 */
export function validateBox(box: Box, frame: Pick<Frame, 'width' | 'height'>): void {
  const text = box ? `{x: ${box.x}, y: ${box.y}, width: ${box.width}, height: ${box.height}}` : String(box);
  if (
    !box ||
    ![box.x, box.y, box.width, box.height].every((v) => typeof v === 'number' && Number.isFinite(v))
  ) {
    throw new SiamError('ERR_BAD_BOX', `Expected a box of four finite numbers, got ${text}`);
  }
  if (box.width <= 0 || box.height <= 0) {
    throw new SiamError('ERR_BAD_BOX', `Expected a box of positive width and height, got ${text}`);
  }
  if (box.x >= frame.width || box.y >= frame.height || box.x + box.width <= 0 || box.y + box.height <= 0) {
    throw new SiamError(
      'ERR_BAD_BOX',
      `Expected the box to overlap the ${frame.width}x${frame.height} frame, got ${text}`,
      {
        hint: 'Boxes are {x, y, width, height} in pixels with a top-left origin.',
      },
    );
  }
}

/** A box from its centre and size. */
export function boxFromCentre(cx: number, cy: number, width: number, height: number): Box {
  return { x: cx - width / 2, y: cy - height / 2, width, height };
}

/** The area where two boxes meet (0 when they do not). */
export function intersectionArea(a: Box, b: Box): number {
  const iw = Math.max(Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x), 0);
  const ih = Math.max(Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y), 0);
  return iw * ih;
}

/** Intersection over union, 0 for an empty union (OTB's overlap, src/eval/metrics.ts). */
export function iou(a: Box, b: Box): number {
  const inter = intersectionArea(a, b);
  const union = a.width * a.height + b.width * b.height - inter;
  return union > 0 ? inter / Math.max(union, 1e-12) : 0;
}

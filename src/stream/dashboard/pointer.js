// siamstream dashboard: the mouse on the video. A drag draws a box and starts a new target there
// (on the frame it was drawn on); a click on a target's box stops that target.

/** Drags shorter than this (source pixels, each side) are clicks. */
const MIN_SIDE = 4;

export function normalise(d) {
  return {
    x: Math.min(d.x0, d.x1),
    y: Math.min(d.y0, d.y1),
    width: Math.abs(d.x1 - d.x0),
    height: Math.abs(d.y1 - d.y0),
  };
}

/**
 * Wires the pointer on `video` (a canvas in source pixels). `state.drag` is the box being drawn
 * (app.js draws it); `onBox(box, frameIndex)` and `onClick(point, frameIndex)` get what the user did.
 */
export function attachPointer(video, state, { onBox, onClick }) {
  const toSource = (ev) => {
    const r = video.getBoundingClientRect();
    return {
      x: ((ev.clientX - r.left) * video.width) / r.width,
      y: ((ev.clientY - r.top) * video.height) / r.height,
    };
  };
  video.addEventListener('pointerdown', (ev) => {
    if (state.control === false) return;
    const p = toSource(ev);
    state.drag = { x0: p.x, y0: p.y, x1: p.x, y1: p.y, frameIndex: state.header?.frameIndex };
    video.setPointerCapture(ev.pointerId);
  });
  video.addEventListener('pointermove', (ev) => {
    if (!state.drag) return;
    const p = toSource(ev);
    state.drag.x1 = p.x;
    state.drag.y1 = p.y;
    state.dirty = true;
  });
  video.addEventListener('pointerup', () => {
    const d = state.drag;
    state.drag = null;
    state.dirty = true;
    if (!d) return;
    const b = normalise(d);
    if (b.width < MIN_SIDE && b.height < MIN_SIDE) {
      onClick({ x: d.x0, y: d.y0 }, d.frameIndex);
      return;
    }
    if (b.width < MIN_SIDE || b.height < MIN_SIDE) return;
    const box = {
      x: Math.round(b.x),
      y: Math.round(b.y),
      width: Math.round(b.width),
      height: Math.round(b.height),
    };
    onBox(box, d.frameIndex);
  });
}

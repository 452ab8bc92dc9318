// siamstream dashboard: the targets the server follows (protocol 2: docs/protocol.md) — each one's
// latest results by frame, its colour (the CLI's --annotate palette, by id), and the side list
// with its score, lost state and a remove button. app.js feeds it messages; pointer.js asks it
// which box was clicked.

/** The CLI's id colours (src/cli/annotate/draw.ts ID_COLOURS), so a target looks the same everywhere. */
const ID_COLOURS = ['#00dc00', '#ff9600', '#2896ff', '#ff00ff', '#ffe600', '#00e6e6', '#aa64ff', '#ff78aa'];

export function idColour(id) {
  return ID_COLOURS[(id - 1) % ID_COLOURS.length];
}

/** Results kept per target, by frame index, so the box drawn matches the picture shown. */
const KEPT = 90;

export class Targets {
  constructor(listElement, onRemove) {
    /** id → { id, initBox, last, byFrame: Map<frameIndex, track message> } in the server's order. */
    this.byId = new Map();
    this.list = listElement;
    this.onRemove = onRemove;
  }

  get ids() {
    return [...this.byId.keys()];
  }

  /** The id a new box gets: one more than the largest the server lists. */
  nextId() {
    return Math.max(0, ...this.ids) + 1;
  }

  /** A `hello` or `state`: the server's list of targets is the truth; results of the gone ones go. */
  setAll(targets) {
    const next = new Map();
    for (const t of targets) {
      const had = this.byId.get(t.id);
      const restarted =
        had && (JSON.stringify(had.initBox) !== JSON.stringify(t.initBox) || had.frameIndex !== t.frameIndex);
      next.set(t.id, had && !restarted ? had : { ...t, last: null, byFrame: new Map() });
    }
    this.byId = next;
    this.renderList();
  }

  /** A `track` message: kept for its frame; false when its target is not (any more) listed. */
  add(m) {
    const t = this.byId.get(m.result.id ?? 1);
    if (!t) return false;
    t.last = m;
    t.byFrame.set(m.result.frameIndex, m);
    if (t.byFrame.size > KEPT) t.byFrame.delete(t.byFrame.keys().next().value);
    this.renderRow(t);
    return true;
  }

  /** Each target's result for the frame shown (its latest if that frame's is not here). */
  forFrame(frameIndex) {
    const out = [];
    for (const t of this.byId.values()) {
      const m = (frameIndex !== undefined && t.byFrame.get(frameIndex)) || t.last;
      if (m) out.push(m.result);
    }
    return out;
  }

  /** The target whose drawn box holds point `p` (source pixels): the last drawn (on top) wins. */
  hit(p, frameIndex) {
    const shown = this.forFrame(frameIndex);
    for (let i = shown.length - 1; i >= 0; i--) {
      const b = shown[i].box;
      if (p.x >= b.x && p.x <= b.x + b.width && p.y >= b.y && p.y <= b.y + b.height) return shown[i].id;
    }
    return undefined;
  }

  renderList() {
    this.list.replaceChildren();
    if (this.byId.size === 0) {
      const empty = document.createElement('li');
      empty.className = 'muted';
      empty.textContent = 'none — drag a box over an object';
      this.list.append(empty);
    }
    for (const t of this.byId.values()) {
      const li = document.createElement('li');
      li.dataset.id = String(t.id);
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.background = idColour(t.id);
      const name = document.createElement('span');
      name.textContent = `#${t.id}`;
      const score = document.createElement('span');
      score.className = 'score';
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.textContent = '×';
      remove.title = `stop tracking #${t.id}`;
      remove.disabled = !this.onRemove;
      remove.addEventListener('click', () => this.onRemove?.(t.id));
      li.append(swatch, name, score, remove);
      this.list.append(li);
      this.renderRow(t);
    }
  }

  renderRow(t) {
    const score = this.list.querySelector(`li[data-id="${t.id}"] .score`);
    if (!score) return;
    const r = t.last?.result;
    score.textContent = r ? `${r.score.toFixed(2)}${r.lost ? ' lost' : ''}` : '–';
    score.classList.toggle('lost', Boolean(r?.lost));
  }
}

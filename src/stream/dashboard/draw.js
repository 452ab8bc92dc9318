// siamstream dashboard: what is drawn on the canvases (the picture's box, the label timeline, the
// rate sparklines). Pure drawing: every function gets its canvas and data; app.js owns the state.

export function drawBox(canvas, b, color, dashed, text) {
  const vctx = canvas.getContext('2d');
  // Sizes in CSS pixels, whatever the canvas's own resolution.
  const cssScale = canvas.width / Math.max(1, canvas.getBoundingClientRect().width);
  const lw = 2 * cssScale;
  vctx.save();
  vctx.strokeStyle = color;
  vctx.lineWidth = lw;
  vctx.setLineDash(dashed ? [6 * lw, 4 * lw] : []);
  vctx.strokeRect(b.x, b.y, b.width, b.height);
  vctx.font = `bold ${7 * lw}px system-ui, sans-serif`;
  const tw = vctx.measureText(text).width + 4 * lw;
  const ty = b.y > 10 * lw ? b.y - 9 * lw : b.y + b.height;
  vctx.fillStyle = color;
  vctx.fillRect(b.x - lw / 2, ty, tw, 9 * lw);
  vctx.fillStyle = '#000';
  vctx.fillText(text, b.x + 2 * lw, ty + 7 * lw);
  vctx.restore();
}

function colorFor(label) {
  let h = 0;
  for (const ch of label) h = (h * 31 + ch.charCodeAt(0)) % 360;
  return `hsl(${h} 65% 55%)`;
}

// The last minute: each window's label (opacity = its probability) and, under them, the
// segments (`segment` messages: started ones run to the newest window, `unknown` grey).
export function drawLabels(c, labels, segments = []) {
  const ctx = c.getContext('2d');
  ctx.clearRect(0, 0, c.width, c.height);
  const last = labels[labels.length - 1];
  if (!last) return;
  const spanMs = 60000;
  const t1 = last.endMs;
  const x = (t) => ((t - (t1 - spanMs)) / spanMs) * c.width;
  ctx.font = '11px system-ui, sans-serif';
  for (const l of labels) {
    if (l.endMs < t1 - spanMs) continue;
    const x0 = Math.max(0, x(l.startMs));
    const x1 = x(l.endMs);
    const p = l.scores[l.label] ?? 1;
    ctx.fillStyle = colorFor(l.label);
    ctx.globalAlpha = 0.35 + 0.65 * p;
    ctx.fillRect(x0, 10, Math.max(1, x1 - x0), 34);
    ctx.globalAlpha = 1;
    if (x1 - x0 > 40) {
      ctx.fillStyle = '#000';
      ctx.fillText(l.label, x0 + 3, 31);
    }
  }
  for (const s of segments) {
    const end = s.open ? t1 : s.endMs;
    if (end < t1 - spanMs) continue;
    const x0 = Math.max(0, x(s.startMs));
    ctx.fillStyle = s.label === 'unknown' ? '#8a939e' : colorFor(s.label);
    ctx.fillRect(x0, 47, Math.max(1, x(end) - x0 - 1), 7);
  }
  ctx.fillStyle = '#8a939e';
  ctx.fillText('−60 s', 2, 66);
  ctx.fillText('now', c.width - 24, 66);
}

export function sparkline(canvas, series, colors) {
  const ctx = canvas.getContext('2d');
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const values = series.flat().filter((v) => v !== null && Number.isFinite(v));
  const max = Math.max(1, ...values) * 1.1;
  ctx.fillStyle = '#8a939e';
  ctx.font = '10px system-ui, sans-serif';
  ctx.fillText(max.toFixed(0), 2, 10);
  series.forEach((ys, k) => {
    ctx.strokeStyle = colors[k];
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    let started = false;
    ys.forEach((y, i) => {
      if (y === null || !Number.isFinite(y)) return;
      const px = (i / (Math.max(ys.length, 30) - 1)) * canvas.width;
      const py = canvas.height - 2 - (y / max) * (canvas.height - 14);
      if (started) ctx.lineTo(px, py);
      else ctx.moveTo(px, py);
      started = true;
    });
    ctx.stroke();
  });
}

// siamstream dashboard: plain browser JS (no build step). Protocol: docs/protocol.md.
// One WebSocket to /ws; binary messages are JPEG previews ([u32 header length][JSON header][JPEG]),
// text messages are JSON with a `type`. Reconnects with exponential backoff. Drawing: draw.js.

import { drawBox, drawLabels, sparkline } from './draw.js';

const $ = (id) => document.getElementById(id);
const video = $('video');
const vctx = video.getContext('2d');

const state = {
  ws: null,
  attempt: 0,
  source: null,
  tracking: false,
  /** The last drawn preview and its header. */
  image: null,
  header: null,
  decoding: false,
  pendingFrame: null,
  /** Recent track results by frame index, so the box drawn matches the picture. */
  tracks: new Map(),
  lastTrack: null,
  labels: [],
  stats: [],
  drag: null,
  dirty: true,
  /** Counters read by the browser test. */
  counters: { frames: 0, tracks: 0, labels: 0, stats: 0, errors: 0, opens: 0 },
};
window.__siamstream = state;

const token = new URLSearchParams(location.search).get('token');

function setStatus(kind, text) {
  const el = $('status');
  el.dataset.state = kind;
  el.textContent = text;
}

function send(msg) {
  if (state.ws && state.ws.readyState === WebSocket.OPEN) state.ws.send(JSON.stringify(msg));
}

function connect() {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const url = `${proto}//${location.host}/ws${token ? `?token=${encodeURIComponent(token)}` : ''}`;
  setStatus('connecting', state.attempt ? `reconnecting (attempt ${state.attempt})…` : 'connecting…');
  const ws = new WebSocket(url);
  ws.binaryType = 'arraybuffer';
  state.ws = ws;
  ws.onopen = () => {
    state.attempt = 0;
    state.counters.opens++;
    setStatus('open', 'live');
    subscribe();
  };
  ws.onmessage = (ev) => (typeof ev.data === 'string' ? onText(ev.data) : onFrame(ev.data));
  ws.onclose = () => {
    state.ws = null;
    // Exponential backoff with jitter, capped at 10 s.
    const delay = Math.min(10000, 500 * 2 ** state.attempt) * (0.8 + 0.4 * Math.random());
    state.attempt++;
    setStatus('closed', `disconnected — retrying in ${(delay / 1000).toFixed(1)} s`);
    setTimeout(connect, delay);
  };
}

function subscribe() {
  const types = ['track', 'label', 'stats'];
  if ($('show-frames').checked) types.push('frame');
  send({ type: 'subscribe', types });
}

function onText(text) {
  let m;
  try {
    m = JSON.parse(text);
  } catch {
    return;
  }
  switch (m.type) {
    case 'hello':
      state.source = m.source;
      // A view-only token: watch, but no drawing and no stop (the server would refuse them).
      state.control = m.control !== false;
      $('stop').disabled = !state.control;
      if (!state.control) $('source').title = 'view only';
      setTracking(m.tracking);
      if (m.source) {
        resizeVideo(m.source.width, m.source.height);
        $('source').textContent =
          `${m.source.width}×${m.source.height} @ ${m.source.fps.toFixed(1)} fps${m.source.live ? ' (live)' : ''}`;
      }
      break;
    case 'state':
      setTracking(m.tracking);
      if (!m.tracking) {
        state.tracks.clear();
        state.lastTrack = null;
      }
      state.dirty = true;
      break;
    case 'track':
      state.counters.tracks++;
      state.lastTrack = m;
      state.tracks.set(m.result.frameIndex, m);
      if (state.tracks.size > 90) state.tracks.delete(state.tracks.keys().next().value);
      showTrack(m);
      state.dirty = true;
      break;
    case 'label':
      state.counters.labels++;
      state.labels.push(m.label);
      if (state.labels.length > 500) state.labels.shift();
      $('label-now').textContent =
        `${m.label.label} (${((m.label.scores[m.label.label] ?? 0) * 100).toFixed(0)} %)`;
      drawLabels($('labels'), state.labels);
      break;
    case 'stats':
      state.counters.stats++;
      state.stats.push(m);
      if (state.stats.length > 120) state.stats.shift();
      drawRates();
      break;
    case 'error':
      state.counters.errors++;
      $('last-error').hidden = false;
      $('last-error').textContent = `${m.code}: ${m.message}`;
      break;
  }
}

function setTracking(on) {
  state.tracking = on;
  $('stop').disabled = !on;
  $('ti-state').textContent = on ? 'yes' : 'no';
}

function showTrack(m) {
  const r = m.result;
  $('ti-score').textContent = `${r.score.toFixed(2)}${r.lost ? ' (lost)' : ''}`;
  $('ti-frame').textContent = String(r.frameIndex);
  $('ti-latency').textContent = `${(performance.timeOrigin + performance.now() - m.decodedAt).toFixed(0)} ms`;
}

function resizeVideo(w, h) {
  if (video.width !== w || video.height !== h) {
    video.width = w;
    video.height = h;
    state.dirty = true;
  }
}

// ---------------------------------------------------------------- frames

function onFrame(buf) {
  const view = new DataView(buf);
  const n = view.getUint32(0);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buf, 4, n)));
  const blob = new Blob([new Uint8Array(buf, 4 + n)], { type: 'image/jpeg' });
  // Keep only the newest frame waiting while one is being decoded.
  state.pendingFrame = { header, blob };
  if (!state.decoding) decodeNext();
}

function decodeNext() {
  const next = state.pendingFrame;
  state.pendingFrame = null;
  if (!next) return;
  state.decoding = true;
  createImageBitmap(next.blob)
    .then((bmp) => {
      if (state.image) state.image.close();
      state.image = bmp;
      state.header = next.header;
      state.counters.frames++;
      resizeVideo(next.header.sourceWidth, next.header.sourceHeight);
      state.dirty = true;
    })
    .catch(() => undefined)
    .finally(() => {
      state.decoding = false;
      decodeNext();
    });
}

// ---------------------------------------------------------------- drawing

function trackForFrame() {
  if (!state.tracking || !state.lastTrack) return null;
  if (state.header) {
    const exact = state.tracks.get(state.header.frameIndex);
    if (exact) return exact;
  }
  return state.lastTrack;
}

function render() {
  if (state.dirty) {
    state.dirty = false;
    vctx.fillStyle = '#000';
    vctx.fillRect(0, 0, video.width, video.height);
    if (state.image) vctx.drawImage(state.image, 0, 0, video.width, video.height);
    const t = trackForFrame();
    if (t)
      drawBox(
        video,
        t.result.box,
        t.result.lost ? '#ff5460' : '#3ddc84',
        t.result.lost,
        `${t.result.score.toFixed(2)}${t.result.lost ? ' lost' : ''}`,
      );
    if (state.drag) drawBox(video, normalise(state.drag), '#4aa3ff', true, 'new box');
  }
  requestAnimationFrame(render);
}

function drawRates() {
  const s = state.stats;
  sparkline(
    $('fps'),
    [s.map((m) => m.fpsIn), s.map((m) => m.fpsOut), s.map((m) => m.previewFps)],
    ['#4aa3ff', '#3ddc84', '#b48cff'],
  );
  sparkline(
    $('latency'),
    [s.map((m) => m.latencyMs.p50), s.map((m) => m.latencyMs.p95)],
    ['#3ddc84', '#ffb020'],
  );
  const m = s[s.length - 1];
  $('fps-now').textContent = `${m.fpsIn} / ${m.fpsOut} / ${m.previewFps}`;
  $('lat-now').textContent = m.latencyMs.p50 === null ? '' : `${m.latencyMs.p50} / ${m.latencyMs.p95} ms`;
  const d = m.dropped;
  $('drops').textContent =
    `dropped: decoder ${d.decoder}, tracker ${d.tracker}, preview ${d.clientFrames}, messages ${d.clientMessages} · clients ${m.clients}`;
}

// ---------------------------------------------------------------- drawing a box with the mouse

function toSource(ev) {
  const r = video.getBoundingClientRect();
  return {
    x: ((ev.clientX - r.left) * video.width) / r.width,
    y: ((ev.clientY - r.top) * video.height) / r.height,
  };
}

function normalise(d) {
  return {
    x: Math.min(d.x0, d.x1),
    y: Math.min(d.y0, d.y1),
    width: Math.abs(d.x1 - d.x0),
    height: Math.abs(d.y1 - d.y0),
  };
}

video.addEventListener('pointerdown', (ev) => {
  if (state.control === false) return;
  const p = toSource(ev);
  state.drag = {
    x0: p.x,
    y0: p.y,
    x1: p.x,
    y1: p.y,
    frameIndex: state.header ? state.header.frameIndex : undefined,
  };
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
  if (b.width < 4 || b.height < 4) return;
  const box = {
    x: Math.round(b.x),
    y: Math.round(b.y),
    width: Math.round(b.width),
    height: Math.round(b.height),
  };
  send({ type: 'init', box, ...(d.frameIndex === undefined ? {} : { frameIndex: d.frameIndex }) });
});

$('stop').addEventListener('click', () => send({ type: 'stop' }));
$('show-frames').addEventListener('change', subscribe);

connect();
requestAnimationFrame(render);

// siamstream dashboard: plain browser JS (no build step). Protocol: docs/protocol.md.
// One WebSocket to /ws; binary messages are JPEG previews ([u32 header length][JSON header][JPEG]),
// text messages are JSON with a `type`. Reconnects with exponential backoff. Drawing: draw.js;
// the targets and their list: targets.js; the mouse (draw a box to add a target, click one to
// stop it): pointer.js.

import { drawBox, drawLabels, sparkline } from './draw.js';
import { attachPointer, normalise } from './pointer.js';
import { idColour, Targets } from './targets.js';

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
  /** The targets and their recent results (targets.js). */
  targets: null,
  /** The latest track message of any target. */
  lastTrack: null,
  labels: [],
  /** Action segments, oldest first; the newest is `open` until its `end` arrives. */
  segments: [],
  stats: [],
  drag: null,
  dirty: true,
  /** Counters read by the browser test. */
  counters: { frames: 0, tracks: 0, labels: 0, stats: 0, errors: 0, opens: 0 },
};
state.targets = new Targets($('targets'), (id) => send({ type: 'stop', target: id }));
window.__siamstream = state;

const params = new URLSearchParams(location.search);
const token = params.get('token');
/** A camera server (`serve --redis`) shows the camera named here (`?camera=NAME`). */
const camera = params.get('camera');

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
  const query = new URLSearchParams();
  if (token) query.set('token', token);
  if (camera) query.set('camera', camera);
  const url = `${proto}//${location.host}/ws${query.size > 0 ? `?${query}` : ''}`;
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

/** A camera server's cameras: a menu that reopens the page on the one chosen. */
function showCameras(names, current) {
  const menu = $('camera');
  menu.hidden = false;
  menu.replaceChildren(
    ...names.map((n) => {
      const o = document.createElement('option');
      o.value = n;
      o.textContent = n;
      o.selected = n === current;
      return o;
    }),
  );
  menu.onchange = () => {
    const next = new URLSearchParams(location.search);
    next.set('camera', menu.value);
    location.search = `?${next}`;
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
      if (!state.control) {
        $('source').title = 'view only';
        state.targets.onRemove = null;
      }
      setTargets(m.targets ?? []);
      if (m.cameras) showCameras(m.cameras, m.camera);
      if (m.source) {
        resizeVideo(m.source.width, m.source.height);
        $('source').textContent =
          `${m.source.width}×${m.source.height} @ ${m.source.fps.toFixed(1)} fps${m.source.live ? ' (live)' : ''}`;
      }
      break;
    case 'state':
      setTargets(m.targets ?? []);
      if (!m.tracking) state.lastTrack = null;
      state.dirty = true;
      break;
    case 'track':
      if (!state.targets.add(m)) break; // a target stopped meanwhile
      state.counters.tracks++;
      state.lastTrack = m;
      showTrack(m);
      state.dirty = true;
      break;
    case 'label':
      state.counters.labels++;
      state.labels.push(m.label);
      if (state.labels.length > 500) state.labels.shift();
      $('label-now').textContent =
        `${m.label.label} (${((m.label.scores[m.label.label] ?? 0) * 100).toFixed(0)} %)`;
      drawLabels($('labels'), state.labels, state.segments);
      break;
    case 'segment': {
      const s = { ...m.segment, open: m.event === 'start' };
      const i = state.segments.findIndex((x) => x.startMs === s.startMs && x.label === s.label);
      if (i >= 0) state.segments[i] = s;
      else state.segments.push(s);
      if (state.segments.length > 200) state.segments.shift();
      if (m.event === 'start')
        $('segment-now').textContent = `${s.label} since ${(s.startMs / 1000).toFixed(1)} s`;
      drawLabels($('labels'), state.labels, state.segments);
      break;
    }
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

function setTargets(targets) {
  state.targets.setAll(targets);
  state.tracking = targets.length > 0;
  $('stop').disabled = !state.tracking || state.control === false;
  $('ti-state').textContent = String(targets.length);
}

function showTrack(m) {
  $('ti-frame').textContent = String(m.result.frameIndex);
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

function render() {
  if (state.dirty) {
    state.dirty = false;
    vctx.fillStyle = '#000';
    vctx.fillRect(0, 0, video.width, video.height);
    if (state.image) vctx.drawImage(state.image, 0, 0, video.width, video.height);
    // Each target in its colour, dashed while lost (its box is then the last confident one).
    for (const r of state.targets.forFrame(state.header?.frameIndex)) {
      const text = `#${r.id} ${r.lost ? 'lost' : r.score.toFixed(2)}`;
      drawBox(video, r.box, idColour(r.id), r.lost, text);
    }
    if (state.drag) drawBox(video, normalise(state.drag), '#ffffff', true, `new #${state.targets.nextId()}`);
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

// ---------------------------------------------------------------- the mouse

attachPointer(video, state, {
  onBox: (box, frameIndex) =>
    send({
      type: 'init',
      target: state.targets.nextId(),
      box,
      ...(frameIndex === undefined ? {} : { frameIndex }),
    }),
  onClick: (p, frameIndex) => {
    const id = state.targets.hit(p, frameIndex);
    if (id !== undefined) send({ type: 'stop', target: id });
  },
});

$('stop').addEventListener('click', () => send({ type: 'stop' }));
$('show-frames').addEventListener('change', subscribe);

connect();
requestAnimationFrame(render);

/**
 * Generates the project's own action clips, deterministically: a textured square on a textured
 * background moving left, right, up, down, or growing, 160x120, 15 fps, 1.6 s, four clips per
 * class, written to samples/actions/<label>/<label>-<n>.mp4. Pixels come from a seeded PRNG in JS
 * and are piped as rawvideo into ffmpeg (libx264, one thread, so the bytes are repeatable).
 *
 *   npx tsx samples/make-action-samples.ts [outDir]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from '../src/util/prng.js';

const W = 160;
const H = 120;
const FPS = 15;
const FRAMES = 24;
const CLIPS_PER_CLASS = 4;
const LABELS = ['grow', 'move_down', 'move_left', 'move_right', 'move_up'] as const;
type Label = (typeof LABELS)[number];

/** A smooth periodic RGB texture: a few random sinusoids per channel (compresses well, has gradients for the flow). */
function texture(
  rnd: () => number,
  base: [number, number, number],
  contrast: number,
): (x: number, y: number) => [number, number, number] {
  const waves = Array.from({ length: 3 }, () =>
    Array.from({ length: 4 }, () => ({ fx: (rnd() - 0.5) * 0.6, fy: (rnd() - 0.5) * 0.6, p: rnd() * 6.283 })),
  );
  return (x, y) =>
    base.map((b, c) => {
      let v = 0;
      for (const w of waves[c]) v += Math.sin(w.fx * x + w.fy * y + w.p);
      return Math.max(0, Math.min(255, b + (contrast * v) / 4));
    }) as [number, number, number];
}

function renderClip(label: Label, seed: number): Buffer {
  const rnd = mulberry32(seed);
  const bg = texture(rnd, [90 + 40 * rnd(), 90 + 40 * rnd(), 90 + 40 * rnd()], 40);
  const fg = texture(rnd, [150 + 80 * rnd(), 60 + 80 * rnd(), 40 + 80 * rnd()], 90);
  const speed = 2 + 1.5 * rnd(); // px per frame
  let size = 26 + 10 * rnd();
  let cx = W / 2 + (rnd() - 0.5) * 20;
  let cy = H / 2 + (rnd() - 0.5) * 16;
  const travel = speed * (FRAMES - 1);
  if (label === 'move_left') cx += travel / 2;
  if (label === 'move_right') cx -= travel / 2;
  if (label === 'move_up') cy += travel / 2;
  if (label === 'move_down') cy -= travel / 2;
  if (label === 'grow') size = 18 + 6 * rnd();
  const out = Buffer.alloc(W * H * 3 * FRAMES);
  for (let f = 0; f < FRAMES; f++) {
    const half = size / 2;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const inside = Math.abs(x - cx) <= half && Math.abs(y - cy) <= half;
        // The object's texture moves with it (coordinates relative to its centre), scaled as it grows.
        const px = inside ? fg(((x - cx) * 30) / size, ((y - cy) * 30) / size) : bg(x, y);
        const i = ((f * H + y) * W + x) * 3;
        out[i] = px[0];
        out[i + 1] = px[1];
        out[i + 2] = px[2];
      }
    }
    if (label === 'move_left') cx -= speed;
    if (label === 'move_right') cx += speed;
    if (label === 'move_up') cy -= speed;
    if (label === 'move_down') cy += speed;
    if (label === 'grow') size += speed * 1.2;
  }
  return out;
}

function encode(raw: Buffer, file: string): void {
  const args = [
    '-v',
    'error',
    '-y',
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    '-s',
    `${W}x${H}`,
    '-r',
    String(FPS),
    '-i',
    '-',
  ];
  args.push(
    '-c:v',
    'libx264',
    '-preset',
    'medium',
    '-crf',
    '30',
    '-pix_fmt',
    'yuv420p',
    '-threads',
    '1',
    '-bitexact',
    '-map_metadata',
    '-1',
    file,
  );
  const r = spawnSync(process.env.FFMPEG_PATH ?? 'ffmpeg', args, { input: raw });
  if (r.status !== 0) throw new Error(`ffmpeg failed for ${file}: ${r.stderr?.toString() ?? r.error}`);
}

const here = path.dirname(fileURLToPath(import.meta.url));
const outDir = path.resolve(process.argv[2] ?? path.join(here, 'actions'));
LABELS.forEach((label, li) => {
  mkdirSync(path.join(outDir, label), { recursive: true });
  for (let n = 1; n <= CLIPS_PER_CLASS; n++) {
    const file = path.join(outDir, label, `${label}-${n}.mp4`);
    encode(renderClip(label, 1000 * (li + 1) + n), file);
    console.log(file);
  }
});

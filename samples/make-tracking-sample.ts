/**
 * Generates `samples/tracking/` — a short synthetic tracking sequence with exact ground truth:
 * `video.mp4` (320x240, 30 fps, H.264 yuv420p; MPEG-4 part 2 if the ffmpeg has no libx264),
 * `groundtruth.txt` (one `x,y,w,h` line per frame, 0-based pixels, `nan,nan,nan,nan` while the
 * target is fully hidden) and `meta.json`, laid out like `../shared/data/tracking/<seq>/`.
 *
 * Every pixel is computed here from a seeded PRNG and piped into ffmpeg as rawvideo, so the same
 * run gives the same frames anywhere (the .mp4 bytes can differ between encoder versions; the
 * ground truth cannot). What is in it:
 * - a textured background (value noise + clutter rectangles) that the camera pans over;
 * - the target: a rounded patch with a checker/stripe texture drawn from the same colour palette
 *   as the background (so colour alone does not find it), which moves along a smooth path,
 *   rotates ±18°, breathes (aspect ±8 %) and changes scale (≈ 38 → 60 px);
 * - a textured pillar in front of everything that hides the target completely for ~15 frames.
 * The ground-truth box is the bounding box of the pixels the target covers (≥ 50 %), occluded
 * parts included (the OTB convention), and NaN when no target pixel is visible.
 *
 * Run: `npx tsx samples/make-tracking-sample.ts [--out samples/tracking] [--frames 180]`
 */
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveFfmpeg } from '../src/decode/index.js';
import { mulberry32 } from '../src/util/prng.js';
import { Image3, makeWorld, mix, pickColour, PALETTE, valueNoise, type RGB } from './synthetic-world.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Everything that shapes the sequence, in one place. */
export const SAMPLE = {
  width: 320,
  height: 240,
  fps: 30,
  frames: 180,
  seed: 20240611,
  /** Target base size in pixels (before scale), width × height of its unrotated extent. */
  targetW: 46,
  targetH: 38,
  /** Pillar (occluder) left edge and width, screen pixels. */
  pillarX: 196,
  pillarW: 60,
  /** x264 constant rate factor: 20 looks clean and still gives ~100 KB. */
  crf: 20,
};

/** mulberry32: a small, fast, seedable PRNG (public domain, Tommy Ettinger). */

/** The target's own texture in its frame (64×64): palette checker cells, a diagonal stripe, a dark eye. */
function makeTargetTexture(rnd: () => number): Image3 {
  const S = 64;
  const img = new Image3(S, S);
  const cells = 4;
  const colours: RGB[] = Array.from({ length: cells * cells }, () => pickColour(rnd));
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      let c = colours[Math.floor((y * cells) / S) * cells + Math.floor((x * cells) / S)];
      if (((x - y + 64) >> 2) % 3 === 0) c = mix(c, [40, 40, 44], 0.55); // diagonal stripes
      const dx = x - 42;
      const dy = y - 22;
      if (dx * dx + dy * dy < 49) c = [36, 32, 30]; // an "eye": breaks the symmetry, shows rotation
      img.set(x, y, c);
    }
  }
  return img;
}

/** Where everything is at frame `f` (all smooth functions of time). */
export function sceneAt(f: number, n: number) {
  const t = f / (n - 1);
  // Camera pan over the world (px), a slow drift with a wobble.
  const camX = 40 + 90 * t + 6 * Math.sin(f / 11);
  const camY = 30 + 14 * Math.sin(f / 23);
  // Target centre: left to right across the frame, bobbing up and down; passes behind the pillar.
  const cx = 40 + 250 * t + 10 * Math.sin(f / 9);
  const cy = 120 + 50 * Math.sin(f / 28) + 6 * Math.sin(f / 5);
  // Scale: grows, then shrinks (≈ 0.85 → 1.3 → 0.95).
  const scale = 1.08 + 0.22 * Math.sin(2 * Math.PI * (t - 0.1)) - 0.05 * t;
  const angle = ((18 * Math.PI) / 180) * Math.sin(f / 17);
  const breathe = 0.08 * Math.sin(f / 6);
  return { camX, camY, cx, cy, scale, angle, sx: 1 + breathe, sy: 1 - breathe };
}

/** Soft superellipse coverage of the target at object coords (u, v) ∈ [-1, 1]², ~1 px edge. */
function coverage(u: number, v: number, edge: number): number {
  const r = Math.pow(Math.pow(Math.abs(u), 4) + Math.pow(Math.abs(v), 4), 0.25);
  return Math.min(1, Math.max(0, (1 - r) / edge + 0.5));
}

interface Rendered {
  rgb: Uint8Array;
  box: [number, number, number, number] | null;
}

/** Renders one frame and its ground-truth box. */
function renderFrame(f: number, N: number, world: Image3, tex: Image3, pillar: Image3): Rendered {
  const { width: W, height: H, targetW, targetH, pillarX, pillarW } = SAMPLE;
  const s = sceneAt(f, N);
  const rgb = new Uint8Array(W * H * 3);
  const px = new Float32Array(3);
  const tx = new Float32Array(3);
  const halfW = (targetW / 2) * s.scale * s.sx;
  const halfH = (targetH / 2) * s.scale * s.sy;
  const cos = Math.cos(s.angle);
  const sin = Math.sin(s.angle);
  const edge = 1.5 / Math.min(halfW, halfH);
  const light = 1 + 0.06 * Math.sin(f / 20); // gentle global illumination change
  let x0 = W;
  let y0 = H;
  let x1 = -1;
  let y1 = -1;
  let visible = 0;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      world.sample(x + s.camX, y + s.camY, px);
      // Target: inverse-map the pixel centre into object coordinates.
      const dx = x + 0.5 - s.cx;
      const dy = y + 0.5 - s.cy;
      const u = (cos * dx + sin * dy) / halfW;
      const v = (-sin * dx + cos * dy) / halfH;
      let a = 0;
      if (Math.abs(u) < 1.2 && Math.abs(v) < 1.2) a = coverage(u, v, edge);
      if (a > 0) {
        tex.sample(((u + 1) / 2) * 63, ((v + 1) / 2) * 63, tx);
        for (let k = 0; k < 3; k++) px[k] = px[k] * (1 - a) + tx[k] * a;
      }
      const inPillar = x >= pillarX && x < pillarX + pillarW;
      if (a >= 0.5) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
        if (!inPillar) visible++;
      }
      if (inPillar) pillar.sample(x - pillarX, y, px);
      const o = (y * W + x) * 3;
      for (let k = 0; k < 3; k++) rgb[o + k] = Math.max(0, Math.min(255, Math.round(px[k] * light)));
    }
  }
  const box: Rendered['box'] = visible > 0 && x1 >= 0 ? [x0, y0, x1 - x0 + 1, y1 - y0 + 1] : null;
  return { rgb, box };
}

/** The pillar's texture: vertical planks of palette colours with grain. */
function makePillar(rnd: () => number): Image3 {
  const { pillarW, height } = SAMPLE;
  const img = new Image3(pillarW, height);
  const grain = valueNoise(pillarW, height, 5, rnd);
  for (let x = 0; x < pillarW; x++) {
    const plank = PALETTE[[4, 1, 2, 5][Math.floor(x / 16) % 4]];
    for (let y = 0; y < height; y++) img.set(x, y, mix(plank, [50, 44, 40], 0.35 * grain[y * pillarW + x]));
  }
  return img;
}

function hasEncoder(ffmpeg: string, name: string): boolean {
  try {
    return execFileSync(ffmpeg, ['-hide_banner', '-encoders'], { encoding: 'utf8' }).includes(` ${name} `);
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const arg = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const outDir = path.resolve(arg('--out') ?? path.join(here, 'tracking'));
  const frames = Number(arg('--frames') ?? SAMPLE.frames);
  if (!Number.isInteger(frames) || frames < 2)
    throw new Error(`--frames must be an integer >= 2, got ${arg('--frames')}`);
  mkdirSync(outDir, { recursive: true });
  const { width: W, height: H, fps } = SAMPLE;

  const rnd = mulberry32(SAMPLE.seed);
  const world = makeWorld(W + 200, H + 120, 70, rnd);
  const tex = makeTargetTexture(rnd);
  const pillar = makePillar(rnd);

  const ffmpeg = resolveFfmpeg().path;
  const x264 = hasEncoder(ffmpeg, 'libx264');
  const codecArgs = x264
    ? ['-c:v', 'libx264', '-preset', 'slow', '-crf', String(SAMPLE.crf), '-threads', '1']
    : ['-c:v', 'mpeg4', '-q:v', '5'];
  const videoPath = path.join(outDir, 'video.mp4');
  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    '-s',
    `${W}x${H}`,
    '-r',
    String(fps),
    '-i',
    'pipe:0',
    ...codecArgs,
    '-pix_fmt',
    'yuv420p',
    '-movflags',
    '+faststart',
    '-map_metadata',
    '-1',
    '-fflags',
    '+bitexact',
    '-flags:v',
    '+bitexact',
    videoPath,
  ];
  const child = spawn(ffmpeg, args, { stdio: ['pipe', 'inherit', 'inherit'] });
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`ffmpeg exited with code ${code}`)),
    );
  });

  const gt: string[] = [];
  let hidden = 0;
  for (let f = 0; f < frames; f++) {
    const { rgb, box } = renderFrame(f, frames, world, tex, pillar);
    gt.push(box ? box.join(',') : 'nan,nan,nan,nan');
    if (!box) hidden++;
    if (!child.stdin.write(rgb)) await new Promise((r) => child.stdin.once('drain', r));
  }
  child.stdin.end();
  await done;

  writeFileSync(path.join(outDir, 'groundtruth.txt'), `${gt.join('\n')}\n`);
  const first = gt[0].split(',').map(Number);
  const meta = {
    name: 'synthetic',
    dataset: 'siamstream samples (generated by samples/make-tracking-sample.ts)',
    n_frames: frames,
    n_valid_gt: frames - hidden,
    width: W,
    height: H,
    channels: 3,
    mp4: { width: W, height: H, frames, fps, codec: x264 ? 'h264' : 'mpeg4' },
    init_box_xywh0: first,
    gt_convention:
      'groundtruth.txt: x,y,w,h 0-based; bounding box of the target pixels (occluded parts included); nan,nan,nan,nan while fully hidden',
    attributes: 'SV, IPR, DEF, OCC (full, ~15 frames), BC (same palette), camera pan, illumination change',
    seed: SAMPLE.seed,
  };
  writeFileSync(path.join(outDir, 'meta.json'), `${JSON.stringify(meta, null, 1)}\n`);
  const kb = (statSync(videoPath).size / 1024).toFixed(0);
  process.stdout.write(
    `wrote ${videoPath} (${frames} frames, ${kb} KB, ${x264 ? 'libx264' : 'mpeg4'}), ${hidden} frames fully hidden\n`,
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e: unknown) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  });
}

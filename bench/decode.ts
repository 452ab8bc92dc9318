/**
 * Decode throughput: frames/s of `decode()` on a 1280x720 H.264 video, at full size and scaled to
 * 640x360, next to ffmpeg alone on the same file in the same run (the ceiling):
 * `ffmpeg -benchmark … -f null -` (decode only) and `ffmpeg -benchmark … -f rawvideo rgb24 > /dev/null`
 * (decode + RGB conversion, the exact pixel work `decode()` asks of ffmpeg, without Node).
 * Machines are shared: read the ratio to the ceiling, not the absolute figures.
 *
 *   node --import tsx/esm bench/decode.ts [--json out.json] [--file video.mp4] [--runs 3] [--packaged]
 *
 * `--packaged` adds rows for the static 2018 ffmpeg of @ffmpeg-installer (no `showinfo=checksum=0`).
 */
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { lastValueFrom, reduce } from 'rxjs';
import {
  decode,
  ffmpegCapabilities,
  probeVideo,
  resolveFfmpeg,
  type DecodeOptions,
} from '../src/decode/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));

interface Row {
  name: string;
  ffmpeg: string;
  size: string;
  frames: number;
  /** Median wall time of the runs, ms. */
  ms: number;
  fps: number;
  /** fps ÷ the ffmpeg-alone fps of the same size and binary. */
  ratio?: number;
  /**
   * CPU ms per frame (median), robust to a loaded machine: ffmpeg's own user+sys time from
   * `-benchmark` for ffmpeg rows; for decode() rows, this Node process's time only (parsing,
   * cutting and copying frames: the overhead on top of the ffmpeg row of the same size).
   */
  cpuMsPerFrame: number;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

interface RunResult {
  ms: number;
  frames: number;
  cpuMs: number;
}

/** Runs ffmpeg to completion, discarding stdout; resolves with wall ms, the frame count and CPU ms it printed. */
function runFfmpeg(bin: string, args: string[]): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(bin, ['-hide_banner', '-nostdin', '-benchmark', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stdout.resume(); // like a reader that keeps up: the same pipe decode() reads from
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const ms = performance.now() - t0;
      if (code !== 0) return reject(new Error(`ffmpeg exited with ${code}: ${stderr.slice(-500)}`));
      const counts = [...stderr.matchAll(/frame=\s*(\d+)/g)];
      const bench = /utime=([\d.]+)s stime=([\d.]+)s/.exec(stderr);
      const cpuMs = bench ? (Number(bench[1]) + Number(bench[2])) * 1000 : Number.NaN;
      resolve({ ms, frames: Number(counts[counts.length - 1]?.[1] ?? 0), cpuMs });
    });
  });
}

async function runDecode(file: string, options: DecodeOptions): Promise<RunResult> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const frames = await lastValueFrom(decode(file, options).pipe(reduce((n) => n + 1, 0)));
  const cpu = process.cpuUsage(cpu0);
  return { ms: performance.now() - t0, frames, cpuMs: (cpu.user + cpu.system) / 1000 };
}

async function main(): Promise<void> {
  const file = path.resolve(arg('--file') ?? path.join(here, '../../shared/data/tracking/boat1/video.mp4'));
  const runs = Number(arg('--runs') ?? 3);
  const jsonOut = arg('--json');
  if (!existsSync(file)) {
    process.stderr.write(`bench/decode: ${file} not found (give --file)\n`);
    process.exitCode = 1;
    return;
  }
  const info = await probeVideo(file);
  const binaries: { label: string; path: string }[] = [
    { label: resolveFfmpeg().source, path: resolveFfmpeg().path },
  ];
  if (process.argv.includes('--packaged')) {
    const packaged = (createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path: string }).path;
    binaries.push({ label: 'packaged', path: packaged });
  }
  const sizes: { label: string; opts: DecodeOptions; vf?: string }[] = [
    { label: `${info.width}x${info.height}`, opts: {} },
    { label: '640x360', opts: { width: 640, height: 360 }, vf: 'scale=640:360' },
  ];

  // Every configuration once per round, rounds repeated: load that drifts during the run (the
  // machine is shared) hits all configurations alike, and the ratios stay fair.
  interface Config {
    name: string;
    ffmpeg: string;
    size: string;
    /** Name of the ceiling configuration this one is divided by. */
    ceiling?: string;
    once: () => Promise<RunResult>;
  }
  const configs: Config[] = [];
  for (const bin of binaries) {
    const caps = ffmpegCapabilities(bin.path);
    const input = ['-i', file, '-map', '0:v:0', '-an'];
    const full = `${info.width}x${info.height}`;
    configs.push({
      name: 'ffmpeg → null (decode only)',
      ffmpeg: bin.label,
      size: full,
      once: () => runFfmpeg(bin.path, [...input, '-f', 'null', '-']),
    });
    for (const size of sizes) {
      const vf = [size.vf, 'format=rgb24'].filter(Boolean).join(',');
      const ceilingName = 'ffmpeg → rgb24 pipe (ceiling)';
      configs.push({
        name: ceilingName,
        ffmpeg: bin.label,
        size: size.label,
        once: () =>
          runFfmpeg(bin.path, [...input, '-vf', vf, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1']),
      });
      const showinfo = caps.showinfoChecksumOption ? 'showinfo=checksum=0' : 'showinfo';
      configs.push({
        name: `ffmpeg → rgb24 pipe + ${showinfo}`,
        ffmpeg: bin.label,
        size: size.label,
        ceiling: ceilingName,
        once: () =>
          runFfmpeg(bin.path, [
            ...input,
            '-vf',
            `${vf},${showinfo}`,
            '-f',
            'rawvideo',
            '-pix_fmt',
            'rgb24',
            'pipe:1',
          ]),
      });
      configs.push({
        name: 'decode() → Frame objects',
        ffmpeg: bin.label,
        size: size.label,
        ceiling: ceilingName,
        once: async () => {
          const saved = process.env.FFMPEG_PATH;
          process.env.FFMPEG_PATH = bin.path;
          try {
            return await runDecode(file, size.opts);
          } finally {
            if (saved === undefined) delete process.env.FFMPEG_PATH;
            else process.env.FFMPEG_PATH = saved;
          }
        },
      });
    }
  }

  await runFfmpeg(binaries[0].path, ['-i', file, '-f', 'null', '-']); // warm-up: page cache, libraries
  const times = configs.map(() => [] as number[]);
  const cpus = configs.map(() => [] as number[]);
  const frames = configs.map(() => 0);
  for (let round = 0; round < runs; round++) {
    for (const [i, c] of configs.entries()) {
      const r = await c.once();
      times[i].push(r.ms);
      cpus[i].push(r.cpuMs / r.frames);
      frames[i] = r.frames;
      process.stderr.write(
        `  round ${round + 1}/${runs}: ${c.name} ${c.ffmpeg} ${c.size}: ${((r.frames * 1000) / r.ms).toFixed(1)} fps\n`,
      );
    }
  }
  const rows: Row[] = configs.map((c, i) => {
    const ms = median(times[i]);
    return {
      name: c.name,
      ffmpeg: c.ffmpeg,
      size: c.size,
      frames: frames[i],
      ms: Math.round(ms),
      fps: Math.round((frames[i] * 10000) / ms) / 10,
      cpuMsPerFrame: Math.round(median(cpus[i]) * 100) / 100,
    };
  });
  configs.forEach((c, i) => {
    if (!c.ceiling) return;
    const j = configs.findIndex((d) => d.name === c.ceiling && d.ffmpeg === c.ffmpeg && d.size === c.size);
    rows[i].ratio = Math.round((rows[i].fps / rows[j].fps) * 100) / 100;
  });

  const header = '| what | ffmpeg | size | frames | ms (median) | frames/s | ÷ ceiling | CPU ms/frame |';
  const lines = [header, '|---|---|---|---:|---:|---:|---:|---:|'];
  for (const r of rows) {
    const cpu = `${r.cpuMsPerFrame}${r.name.startsWith('decode()') ? ' (Node side)' : ''}`;
    lines.push(
      `| ${r.name} | ${r.ffmpeg} | ${r.size} | ${r.frames} | ${r.ms} | ${r.fps} | ${r.ratio ?? ''} | ${cpu} |`,
    );
  }
  process.stdout.write(
    `decode benchmark: ${path.basename(path.dirname(file))}/${path.basename(file)} (${info.width}x${info.height}, ${info.frameCount ?? '?'} frames), median of ${runs} runs\n\n${lines.join('\n')}\n`,
  );
  if (jsonOut) {
    writeFileSync(
      jsonOut,
      `${JSON.stringify({ file, info, runs, rows, date: new Date().toISOString() }, null, 2)}\n`,
    );
    process.stdout.write(`\nwrote ${jsonOut}\n`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});

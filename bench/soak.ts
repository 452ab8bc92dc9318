/**
 * Soak: the real `siamstream serve` (its own process, as a user runs it) tracking the looped
 * sample for a long time, with a dashboard-like WebSocket client attached throughout (every stream
 * subscribed, every message read and previews decoded). Every `--every` seconds it reads the
 * server's RSS (VmRSS of /proc/<pid>/status), its open fds (/proc/<pid>/fd) and its children's RSS
 * (ffmpeg); at the end it prints the table, the RSS slope in MB/h by least squares over the
 * samples after the warm-up, and the fds at start and end.
 *
 *   node --import tsx/esm bench/soak.ts [--minutes 60] [--every 60] [--warmup 10] [--json out.json]
 *                                       [--source video] [--box x,y,w,h] [--preset fast|default]
 *
 * The warm-up defaults to 10 minutes, or a quarter of a shorter run. The server is stopped
 * (SIGTERM, then SIGKILL) when the soak ends, fails or gets SIGINT/SIGTERM/SIGHUP; if the soak
 * itself is killed outright, the server sees its stdin close and stops too.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { decodeFrameMessage, type ServerMessage } from '../src/stream/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(here, '..');
const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '60' },
    every: { type: 'string', default: '60' },
    warmup: { type: 'string' },
    source: { type: 'string', default: path.join(ROOT, 'samples/tracking/video.mp4') },
    box: { type: 'string', default: '18,102,44,36' }, // the sample's first box
    preset: { type: 'string' },
    json: { type: 'string' },
  },
});
const minutes = Number(args.minutes);
const everyS = Number(args.every);
const warmupMin = args.warmup === undefined ? Math.min(10, minutes / 4) : Number(args.warmup);
for (const [name, v] of [
  ['--minutes', minutes],
  ['--every', everyS],
  ['--warmup', warmupMin],
] as const) {
  if (!Number.isFinite(v) || v < 0 || (name !== '--warmup' && v === 0)) {
    console.error(`soak: ${name} must be a positive number`);
    process.exit(2);
  }
}
if (!existsSync(args.source)) {
  console.error(`[skip] ${args.source} is absent (npm run samples): nothing to soak.`);
  process.exit(0);
}

interface Sample {
  /** Seconds since the client attached. */
  seconds: number;
  rssMb: number;
  fds: number;
  /** RSS of the server's children (its ffmpeg), summed. */
  childRssMb: number;
  /** Messages the client had read by then. */
  track: number;
  frames: number;
}

/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den > 0 ? num / den : Number.NaN;
}

/** VmRSS of a process in MB, or NaN once it is gone. */
function rssMb(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** The process's children, from every thread's /proc children list. */
function children(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
      readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

// The server runs as the CLI does. Its stdin is a pipe from here that nothing writes: if this
// process dies, even by SIGKILL, the pipe ends and the preload below sends the server SIGTERM.
const parentWatch =
  "data:text/javascript,process.stdin.on('end',()=>process.kill(process.pid,'SIGTERM')).resume()";
const serveArgs = ['serve', '--source', args.source, '--loop', '--box', args.box, '--port', '0', '--json'];
if (args.preset) serveArgs.push('--preset', args.preset);
const server = spawn(
  process.execPath,
  ['--import', 'tsx', '--import', parentWatch, path.join(ROOT, 'src/cli/main.ts'), ...serveArgs],
  { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] },
);
const pid = server.pid as number;
let serverLog = '';
server.stderr.on('data', (d: Buffer) => {
  serverLog = (serverLog + d.toString('utf8')).slice(-4000); // the last lines, for a failure
});

let stopped = false;
/** Stops the server (SIGTERM, SIGKILL after 10 s); resolves once it has exited. */
function stopServer(): Promise<void> {
  stopped = true;
  if (server.exitCode !== null || server.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((r) => server.once('exit', () => r()));
  server.kill('SIGTERM');
  const hard = setTimeout(() => server.kill('SIGKILL'), 10_000);
  return exited.finally(() => clearTimeout(hard));
}
// Last resort on any exit path: a synchronous SIGKILL (a no-op once the server has exited).
process.on('exit', () => {
  if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
  process.on(sig, () => {
    console.error(`soak: ${sig}, stopping the server`);
    void stopServer().then(() => process.exit(130));
  });

async function main(): Promise<void> {
  const ws = await new Promise<string>((resolve, reject) => {
    let out = '';
    server.stdout.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve((JSON.parse(line) as { ws: string }).ws);
    });
    server.once('exit', (code, signal) =>
      reject(new Error(`serve exited (${code ?? signal}) before listening:\n${serverLog}`)),
    );
  });
  server.once('exit', (code, signal) => {
    if (!stopped) fail(new Error(`serve exited (${code ?? signal}) during the soak:\n${serverLog}`));
  });

  // The dashboard: reads every message, parses the JSON ones, decodes the previews' headers.
  const counts = { track: 0, frames: 0, other: 0 };
  const client = new WebSocket(ws);
  client.on('message', (data: Buffer, isBinary: boolean) => {
    if (isBinary) {
      decodeFrameMessage(data);
      counts.frames++;
    } else if ((JSON.parse(data.toString('utf8')) as ServerMessage).type === 'track') counts.track++;
    else counts.other++;
  });
  await new Promise<void>((resolve, reject) => {
    client.once('open', () => resolve());
    client.once('error', reject);
  });
  client.on('error', (e) => fail(new Error(`client: ${e.message}`)));
  client.on('close', () => {
    if (!stopped) fail(new Error(`the server closed the client's connection:\n${serverLog}`));
  });

  const t0 = performance.now();
  const samples: Sample[] = [];
  const sample = (): void => {
    const s: Sample = {
      seconds: (performance.now() - t0) / 1000,
      rssMb: rssMb(pid),
      fds: readdirSync(`/proc/${pid}/fd`).length,
      childRssMb: children(pid).reduce((a, c) => a + (rssMb(c) || 0), 0),
      track: counts.track,
      frames: counts.frames,
    };
    samples.push(s);
    console.error(
      `soak: ${(s.seconds / 60).toFixed(1)} min  rss ${s.rssMb.toFixed(1)} MB  fds ${s.fds}  ffmpeg ${s.childRssMb.toFixed(1)} MB  track ${s.track}  previews ${s.frames}`,
    );
  };
  sample();
  const endAt = t0 + minutes * 60_000;
  while (performance.now() < endAt) {
    await new Promise((r) => setTimeout(r, Math.min(everyS * 1000, endAt - performance.now())));
    sample();
  }
  stopped = true;
  client.close();
  await stopServer();

  const later = samples.filter((s) => s.seconds >= warmupMin * 60);
  const perHour = slope(
    later.map((s) => s.seconds / 3600),
    later.map((s) => s.rssMb),
  );
  const first = samples[0] as Sample;
  const last = samples.at(-1) as Sample;
  console.log(
    `soak: serve --source ${path.relative(ROOT, args.source)} --loop --box ${args.box}, one client reading everything, ${minutes} min, a sample every ${everyS} s`,
  );
  console.log(
    `${'min'.padStart(6)} ${'RSS MB'.padStart(8)} ${'fds'.padStart(5)} ${'ffmpeg MB'.padStart(10)} ${'track'.padStart(8)} ${'previews'.padStart(9)}`,
  );
  for (const s of samples)
    console.log(
      `${(s.seconds / 60).toFixed(1).padStart(6)} ${s.rssMb.toFixed(1).padStart(8)} ${String(s.fds).padStart(5)} ${s.childRssMb.toFixed(1).padStart(10)} ${String(s.track).padStart(8)} ${String(s.frames).padStart(9)}`,
    );
  console.log(
    `RSS slope after a ${warmupMin} min warm-up (${later.length} samples): ${perHour.toFixed(2)} MB/h; ` +
      `RSS ${first.rssMb.toFixed(1)} → ${last.rssMb.toFixed(1)} MB (max ${Math.max(...samples.map((s) => s.rssMb)).toFixed(1)}); ` +
      `fds ${first.fds} → ${last.fds} (max ${Math.max(...samples.map((s) => s.fds))})`,
  );
  if (args.json)
    writeFileSync(
      args.json,
      `${JSON.stringify({ minutes, everyS, warmupMin, slopeMbPerHour: perHour, fds: { start: first.fds, end: last.fds }, samples }, null, 1)}\n`,
    );
}

function fail(e: unknown): void {
  console.error(`soak: ${e instanceof Error ? e.message : String(e)}`);
  void stopServer().then(() => process.exit(1));
}

main().catch(fail);

/**
 * The dashboard side of bench/latency.ts. Run as its own process (as a real dashboard would be;
 * a client inside the server's process shares its event loop), or imported for
 * `--in-process-client`.
 *
 *   node --import tsx/esm bench/latency-client.ts <ws-url> <warm-up ms> <seconds>
 *
 * Prints one JSON line `{ track: number[], frame: number[] }`: decoded → received, in ms, from the
 * server's wall-clock `decodedAt` stamps (performance.timeOrigin + now(), comparable across
 * processes on one machine). With several targets, a frame's track latency is its last target's
 * (one message per target, sent together).
 */
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { decodeFrameMessage, type ServerMessage } from '../src/stream/index.js';

/** Latencies seen by one ws client, after `warmupMs`, for `seconds`. */
export function measureLatencies(
  url: string,
  warmupMs: number,
  seconds: number,
): Promise<{ track: number[]; frame: number[] }> {
  const now = (): number => performance.timeOrigin + performance.now();
  const track = new Map<number, number>(); // frame index → latency of its last track message
  const frame: number[] = [];
  let firstAt = 0;
  const ws = new WebSocket(url);
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    const at = now();
    firstAt ||= at;
    if (at - firstAt < warmupMs) return;
    if (isBinary) frame.push(at - decodeFrameMessage(data).header.decodedAt);
    else {
      const m = JSON.parse(data.toString('utf8')) as ServerMessage;
      if (m.type === 'track') track.set(m.result.frameIndex, at - m.decodedAt);
    }
  });
  return new Promise((resolve, reject) => {
    ws.on('open', () =>
      setTimeout(
        () => {
          ws.terminate();
          resolve({ track: [...track.values()], frame });
        },
        warmupMs + seconds * 1000,
      ),
    );
    ws.on('error', reject);
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [url, warmupMs, seconds] = process.argv.slice(2);
  measureLatencies(url as string, Number(warmupMs), Number(seconds)).then(
    (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
    (e: Error) => {
      process.stderr.write(`latency client: ${e.message}\n`);
      process.exit(1);
    },
  );
}

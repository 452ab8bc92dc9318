/**
 * The dashboard side of bench/latency.ts, in its own process as a real dashboard would be (a
 * client inside the server's process shares its event loop and inflates the figures).
 *
 *   node --import tsx bench/latency-client.ts <ws-url> <warm-up ms> <seconds>
 *
 * Prints one JSON line `{ track: number[], frame: number[] }`: decoded → received, in ms, from the
 * server's wall-clock `decodedAt` stamps (performance.timeOrigin + now(), comparable across
 * processes on one machine).
 */
import WebSocket from 'ws';
import { decodeFrameMessage, type ServerMessage } from '../src/stream/index.js';

const [url, warmupArg, secondsArg] = process.argv.slice(2);
const warmupMs = Number(warmupArg);
const seconds = Number(secondsArg);
const now = (): number => performance.timeOrigin + performance.now();
const track: number[] = [];
const frame: number[] = [];
let firstAt = 0;
const ws = new WebSocket(url as string);
ws.on('message', (data: Buffer, isBinary: boolean) => {
  const at = now();
  firstAt ||= at;
  if (at - firstAt < warmupMs) return;
  if (isBinary) frame.push(at - decodeFrameMessage(data).header.decodedAt);
  else {
    const m = JSON.parse(data.toString('utf8')) as ServerMessage;
    if (m.type === 'track') track.push(at - m.decodedAt);
  }
});
ws.on('open', () =>
  setTimeout(() => {
    process.stdout.write(`${JSON.stringify({ track, frame })}\n`);
    ws.terminate();
  }, warmupMs + seconds * 1000),
);
ws.on('error', (e) => {
  process.stderr.write(`latency client: ${e.message}\n`);
  process.exit(1);
});

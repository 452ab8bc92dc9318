/**
 * Process-tree checks for the lifetime tests (Linux /proc, read without blocking): who a process's
 * children are, whether a pid still runs, and a TCP server that accepts and never sends — a source
 * ffmpeg waits on for ever, so only a kill can end it.
 */
import { readdir, readFile } from 'node:fs/promises';
import net from 'node:net';

/** Direct children of `pid` (every thread's), empty once it is gone. */
export async function childrenOf(pid: number): Promise<number[]> {
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  const lists = await Promise.all(
    tasks.map((t) => readFile(`/proc/${pid}/task/${t}/children`, 'utf8').catch(() => '')),
  );
  return lists.flatMap((l) => l.split(/\s+/).filter(Boolean).map(Number));
}

/** The command name (`comm`) of `pid`, undefined once it is gone. */
export async function commandName(pid: number): Promise<string | undefined> {
  return (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => undefined))?.trim();
}

/**
 * True while `pid` runs. A zombie (`Z`: dead, not yet reaped — an orphan's new parent here may
 * never reap it) or a missing pid is not running.
 */
export async function isRunning(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return false;
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== 'Z' && state !== 'X';
}

/** Resolves true once `pid` no longer runs, false if it still does after `timeoutMs`. */
export async function waitStopped(pid: number, timeoutMs = 20_000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (!(await isRunning(pid))) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !(await isRunning(pid));
}

/** Polls until `find` returns a value (or `timeoutMs` passes: undefined). */
export async function pollFor<T>(
  find: () => Promise<T | undefined>,
  timeoutMs: number,
): Promise<T | undefined> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const v = await find();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  return undefined;
}

/** The first child of `pid` whose command name is `name`, within `timeoutMs`. */
export function childNamed(pid: number, name: string, timeoutMs = 120_000): Promise<number | undefined> {
  return pollFor(async () => {
    for (const c of await childrenOf(pid)) if ((await commandName(c)) === name) return c;
    return undefined;
  }, timeoutMs);
}

/** A TCP server that accepts connections and never sends a byte. */
export interface SilentServer {
  /** `tcp://127.0.0.1:<port>` (give a path for http). */
  url: string;
  /** Resolves at the first connection. */
  connected: Promise<void>;
  close(): void;
}

export async function silentTcpServer(): Promise<SilentServer> {
  const sockets: net.Socket[] = [];
  let onConnect!: () => void;
  const connected = new Promise<void>((r) => (onConnect = r));
  const server = net.createServer((s) => {
    sockets.push(s);
    s.on('error', () => undefined);
    onConnect();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `tcp://127.0.0.1:${port}`,
    connected,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

/**
 * A real `redis-server` for tests (Debian's package; .ci/run installs it): on a free port, data in
 * a temporary folder, no persistence unless asked (`persist`: the append-only file, fsync on every
 * write, so a restart on the same `dir` and `port` finds every job again). A machine without it fails with a message saying how to get
 * it: a skip would hide a dependency CI must have.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface TestRedis {
  url: string;
  port: number;
  dir: string;
  /** Stops the server (SIGTERM); its folder is deleted unless `keepData`. */
  stop(keepData?: boolean): Promise<void>;
}

/** Options of {@link startRedis}. */
export interface TestRedisOptions {
  /** Append-only file on, fsync always. */
  persist?: boolean;
  /** Restart on this port and folder (a server stopped with `keepData`). */
  port?: number;
  dir?: string;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Starts redis-server; resolves once it accepts connections. `password` requires AUTH. */
export async function startRedis(password?: string, options: TestRedisOptions = {}): Promise<TestRedis> {
  const port = options.port ?? (await freePort());
  const dir = options.dir ?? (await mkdtemp(path.join(os.tmpdir(), 'siam-redis-')));
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    ...(options.persist ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']),
  ];
  if (password) args.push('--requirepass', password);
  const child: ChildProcess = spawn(process.env.REDIS_SERVER ?? 'redis-server', args, {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start in 10 s:\n${out}`)), 10_000);
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        new Error(
          e.code === 'ENOENT'
            ? 'redis-server not found: apt-get install redis-server (or set REDIS_SERVER); .ci/run installs it'
            : `redis-server failed to start: ${e.message}`,
        ),
      );
    });
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const auth = password ? `:${encodeURIComponent(password)}@` : '';
  return {
    url: `redis://${auth}127.0.0.1:${port}`,
    port,
    dir,
    async stop(keepData = false) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      if (!keepData) await rm(dir, { recursive: true, force: true });
    },
  };
}

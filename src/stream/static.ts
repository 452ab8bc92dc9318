/**
 * Serves the dashboard's static files, and nothing else: a request path is decoded, normalised
 * and resolved inside the dashboard folder; anything that would leave it (`..`, encoded `%2e%2e`,
 * backslashes, NUL, a symlink pointing out), a dot-file, a directory or an unknown extension is a 404.
 */
import { existsSync, realpathSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * The dashboard folder: beside this module when run from `src/`, or `src/stream/dashboard` of the
 * package when run from `dist/` (package.json ships that folder).
 */
export function defaultDashboardDir(): string {
  const candidates = [path.join(here, 'dashboard'), path.resolve(here, '../../src/stream/dashboard')];
  return candidates.find((d) => existsSync(path.join(d, 'index.html'))) ?? (candidates[0] as string);
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/**
 * Maps a URL path to a file inside `root`, or null when it must not be served.
 * `root` must be an absolute, real (symlink-free) path.
 */
export function resolveStaticPath(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  if (decoded === '/' || decoded === '') decoded = '/index.html';
  const segments = decoded.split('/');
  // `..` and `.` never, and no dot-files or dot-folders either.
  if (segments.some((s) => s.startsWith('.'))) return null;
  const candidate = path.resolve(root, `.${path.posix.normalize(decoded)}`);
  if (!candidate.startsWith(root + path.sep)) return null;
  return candidate;
}

/** Handles GET/HEAD for the dashboard; answers 404/405 itself. */
export async function serveStatic(
  root: string,
  req: IncomingMessage,
  res: ServerResponse,
  extraHeaders: Record<string, string> = {},
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
    return;
  }
  const urlPath = requestPath(req);
  if (urlPath === undefined) {
    res.writeHead(400, { 'content-type': 'text/plain' }).end('bad request target\n');
    return;
  }
  const file = resolveStaticPath(root, urlPath);
  const type = file ? CONTENT_TYPES[path.extname(file)] : undefined;
  try {
    if (!file || !type) throw new Error('not served');
    // A symlink inside the folder must not lead out of it.
    const real = realpathSync(file);
    if (!real.startsWith(root + path.sep) || !(await stat(real)).isFile()) throw new Error('not served');
    const body = await readFile(real);
    res.writeHead(200, {
      'content-type': type,
      'content-length': body.length,
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'self'; connect-src 'self'; img-src 'self' blob: data:",
      'referrer-policy': 'no-referrer',
      ...extraHeaders,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  } catch {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  }
}

/** The path of a request's URL, or undefined when the request target is not a parsable URL (`//[`). */
export function requestPath(req: IncomingMessage): string | undefined {
  try {
    return new URL(req.url ?? '/', 'http://x').pathname;
  } catch {
    return undefined;
  }
}

/**
 * Who may talk to the server.
 *
 * - A non-loopback bind needs a token (option, else `SIAMSTREAM_TOKEN`); without one the server
 *   refuses to start (`ERR_INSECURE_BIND`) before anything is bound.
 * - With a token, the page, its assets and the WebSocket upgrade all need it: `?token=…` in the URL,
 *   `Authorization: Bearer …`, or the `siamstream_token` cookie the page sets on first load (so the
 *   browser's WebSocket, which cannot send headers, carries it too). Compared in constant time.
 * - Browsers send `Origin` on WebSocket upgrades; a page from another origin may not drive the
 *   tracker or read the camera (cross-site WebSocket hijacking), so a foreign `Origin` is refused.
 * - Without a token (loopback bind), the `Host` header must name a loopback address too: otherwise a
 *   page on `evil.example` could re-point its own name at 127.0.0.1 (DNS rebinding) and be
 *   "same-origin" with the server. With a token, the token is the protection and any `Host` goes.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { SiamError } from '../errors.js';

/** Cookie the page sets so that later requests (assets, the WebSocket) carry the token. */
export const TOKEN_COOKIE = 'siamstream_token';

/** True for addresses that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  // Exactly `localhost`: a subdomain is a name someone else may resolve (`evil.localhost`).
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || /^::ffff:127\./.test(h);
  return false;
}

/** Whitespace or a control character (C0, DEL, C1): never part of a token typed, pasted or put in a header. */
const NOT_IN_TOKEN = /[\s\p{Cc}]/u;

/**
 * Throws `ERR_INSECURE_BIND` when `host` is not loopback and there is no token. Call before binding.
 * @returns the token to use (the option, else the environment), or undefined.
 */
export function checkBind(
  host: string,
  token: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const effective = token ?? (env.SIAMSTREAM_TOKEN || undefined);
  if (effective !== undefined && (effective.length < 8 || NOT_IN_TOKEN.test(effective))) {
    throw new SiamError(
      'ERR_BAD_OPTION',
      'a token must be at least 8 characters long, without spaces or control characters',
      { hint: 'use e.g. `openssl rand -hex 16`' },
    );
  }
  if (!isLoopbackHost(host) && effective === undefined) {
    throw new SiamError('ERR_INSECURE_BIND', `refusing to bind ${host} without a token`, {
      hint: 'pass --token T (or set SIAMSTREAM_TOKEN), or bind 127.0.0.1 and use an SSH tunnel',
    });
  }
  return effective;
}

/** Constant-time string comparison (hashing first so lengths do not leak either). */
export function tokensEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** The token a request carries, from the query, the Authorization header or the cookie. */
export function requestToken(req: IncomingMessage): string | undefined {
  // Whatever a client sends here is untrusted: a malformed URL or percent-encoding means "no
  // token" (401 for this request), never an exception on the server's request path.
  let q: string | null = null;
  try {
    q = new URL(req.url ?? '/', 'http://x').searchParams.get('token');
  } catch {
    return undefined;
  }
  if (q) return q;
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  const cookie = req.headers.cookie;
  if (cookie) {
    for (const part of cookie.split(';')) {
      const [k, ...v] = part.trim().split('=');
      if (k !== TOKEN_COOKIE) continue;
      try {
        return decodeURIComponent(v.join('='));
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** What a connection may do: steer the tracker (`control`) or only watch (`view`). */
export type ClientRole = 'control' | 'view';

/**
 * The role a request's token grants: `control` for the token (or when none is required), `view`
 * for the view-only token, undefined for anything else (401).
 */
export function requestRole(
  req: IncomingMessage,
  token: string | undefined,
  viewToken?: string,
): ClientRole | undefined {
  if (token === undefined) return 'control';
  const given = requestToken(req);
  if (given === undefined) return undefined;
  if (tokensEqual(given, token)) return 'control';
  if (viewToken !== undefined && tokensEqual(given, viewToken)) return 'view';
  return undefined;
}

/**
 * Validates the view-only token: like the token, and only beside one (it narrows what a token
 * holder may do; it never replaces the token).
 */
export function checkViewToken(viewToken: string | undefined, token: string | undefined): void {
  if (viewToken === undefined) return;
  if (token === undefined) {
    throw new SiamError('ERR_BAD_OPTION', 'a view-only token needs a token too', {
      hint: 'pass --token T for who may steer, and --view-token V for who may only watch',
    });
  }
  if (viewToken.length < 8 || NOT_IN_TOKEN.test(viewToken) || viewToken === token) {
    throw new SiamError(
      'ERR_BAD_OPTION',
      'a view-only token must be at least 8 characters long, without spaces or control characters, and differ from the token',
      { hint: 'use e.g. `openssl rand -hex 16`' },
    );
  }
}

/** True when the request has no `Origin` (not a browser) or one whose host is the request's `Host`. */
export function isSameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/**
 * True when a token is required (it protects the server whatever the `Host`), or the request's
 * `Host` header names a loopback address (see the DNS-rebinding note above).
 */
export function isAllowedHost(req: IncomingMessage, token: string | undefined): boolean {
  if (token !== undefined) return true;
  const host = req.headers.host;
  if (host === undefined) return true; // HTTP/1.0 clients, not a browser
  try {
    return isLoopbackHost(new URL(`http://${host}`).hostname);
  } catch {
    return false;
  }
}

/** `Set-Cookie` value carrying the token for later requests from the same page. */
export function tokenCookie(token: string): string {
  return `${TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`;
}

/**
 * Redis connections for the queue stage: a URL checked and redacted (a password is never logged),
 * and a connection that fails fast with ERR_REDIS_UNAVAILABLE when nothing answers, instead of
 * ioredis's retrying forever in silence.
 */
import type { Redis as RedisClient, RedisOptions } from 'ioredis';
import { isSiamError, SiamError } from '../errors.js';

/** How long the first connection may take before ERR_REDIS_UNAVAILABLE. */
export const CONNECT_TIMEOUT_MS = 5000;

const HINT =
  'Start Redis (redis-server, or a managed Redis) and pass its URL, e.g. --redis redis://:password@host:6379/0.';

/** Query parameters ioredis takes as options that hold a secret (`?password=…`, `sentinelPassword`). */
const SECRET_PARAM = /pass|secret|token|auth/i;

/**
 * `url` with every secret replaced by `***`: the form that may appear in logs and errors. The one
 * place a Redis URL is made printable. Secrets are the password, the user (ioredis takes a lone
 * user, `redis://secret@host`, as the password) and query options such as `?password=…`.
 */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    if (u.username) u.username = '***';
    for (const key of [...u.searchParams.keys()]) if (SECRET_PARAM.test(key)) u.searchParams.set(key, '***');
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}

/** Checks a `redis://` or `rediss://` URL. @throws SiamError `ERR_BAD_OPTION` (redacted). */
export function checkRedisUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new SiamError(
      'ERR_BAD_OPTION',
      `Expected --redis to be a redis:// URL, got ${redactRedisUrl(url)}.`,
      {
        hint: HINT,
      },
    );
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new SiamError(
      'ERR_BAD_OPTION',
      `Expected --redis to be a redis:// or rediss:// URL, got ${redactRedisUrl(url)}.`,
      {
        hint: HINT,
      },
    );
  }
  return u;
}

/**
 * Where Redis is and how long to wait for it: a URL alone fails at once when nothing answers; with
 * `waitMs`, connecting is retried with exponential backoff (0.5 s, 1 s, 2 s … at most
 * {@link MAX_RETRY_DELAY_MS} between tries; `Infinity`: until it answers), each failed try told
 * to `onRetry`.
 */
export type RedisTarget =
  | string
  | {
      url: string;
      waitMs?: number;
      onRetry?: (error: SiamError, attempt: number, delayMs: number) => void;
    };

/** The longest pause between two connection tries. */
export const MAX_RETRY_DELAY_MS = 10_000;

/** The URL of a target. */
export function redisUrlOf(target: RedisTarget): string {
  return typeof target === 'string' ? target : target.url;
}

/**
 * A connected client (see {@link RedisTarget} for the waiting). BullMQ's workers need
 * `maxRetriesPerRequest: null` (their blocking calls must wait through a Redis restart); once
 * connected, the client reconnects on its own.
 * @throws SiamError `ERR_REDIS_UNAVAILABLE` when Redis does not answer (within the wait), `ERR_REDIS_AUTH`
 * at once when it refuses the password.
 */
export async function connectRedis(target: RedisTarget, options: RedisOptions = {}): Promise<RedisClient> {
  const t = typeof target === 'string' ? { url: target } : target;
  checkRedisUrl(t.url);
  const deadline = performance.now() + (t.waitMs ?? 0);
  for (let attempt = 1; ; attempt++) {
    try {
      return await connectOnce(t.url, options);
    } catch (e) {
      if (isSiamError(e, 'ERR_REDIS_AUTH')) throw e;
      const delayMs = Math.min(MAX_RETRY_DELAY_MS, 500 * 2 ** (attempt - 1));
      if (performance.now() + delayMs > deadline) throw e;
      t.onRetry?.(e as SiamError, attempt, delayMs);
      await new Promise((r) => setTimeout(r, delayMs));
    }
  }
}

/** Redis's replies to a wrong or missing password (ioredis then rejects with "Connection is closed"). */
const AUTH_REFUSED = /^(WRONGPASS|NOAUTH)\b|invalid password/i;

/**
 * One try: {@link CONNECT_TIMEOUT_MS} at most.
 * @throws SiamError `ERR_REDIS_AUTH` when Redis refused the credentials (never retried: a wrong
 * password stays wrong), else `ERR_REDIS_UNAVAILABLE`.
 */
async function connectOnce(url: string, options: RedisOptions): Promise<RedisClient> {
  const { Redis } = await import('ioredis');
  const client = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: true, ...options });
  // Reported through connect() and the commands that fail; the last one says why connect() did.
  let lastError: Error | undefined;
  client.on('error', (e: Error) => (lastError = e));
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer in ${CONNECT_TIMEOUT_MS} ms`)),
          CONNECT_TIMEOUT_MS,
        );
      }),
    ]);
    client.removeAllListeners('error');
    client.on('error', () => undefined);
    return client;
  } catch (cause) {
    client.disconnect();
    const printable = redactRedisUrl(url);
    if (lastError && AUTH_REFUSED.test(lastError.message)) {
      throw new SiamError(
        'ERR_REDIS_AUTH',
        `Redis at ${printable} refused the credentials: ${lastError.message.replace(/\.$/, '')}.`,
        {
          cause: lastError,
          hint: 'Check the password in the URL (redis://:password@host:6379, or the user and password of an ACL user: redis://user:password@host), or $SIAMSTREAM_REDIS.',
        },
      );
    }
    throw new SiamError(
      'ERR_REDIS_UNAVAILABLE',
      `Cannot reach Redis at ${printable}: ${(cause as Error).message.replaceAll(url, printable).replace(/\.$/, '')}.`,
      { cause, hint: HINT },
    );
  } finally {
    clearTimeout(timer);
  }
}

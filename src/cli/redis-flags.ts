/**
 * The Redis flags every queue command shares: `--redis` (default $SIAMSTREAM_REDIS, which keeps a
 * password out of `ps`) and `--redis-wait`, turned into a {@link RedisTarget} whose failed tries
 * are said on stderr (the URL redacted).
 */
import { SiamError } from '../errors.js';
import type { RedisTarget } from '../queue/redis.js';
import { numberFlag } from './flags.js';

/** The `--redis` URL, or $SIAMSTREAM_REDIS. @throws SiamError `ERR_BAD_OPTION` when neither is set. */
export function redisUrl(given: string | undefined): string {
  const url = given ?? process.env.SIAMSTREAM_REDIS;
  if (!url)
    throw new SiamError(
      'ERR_BAD_OPTION',
      'No Redis URL: give --redis redis://host:6379 or set SIAMSTREAM_REDIS.',
      {
        hint: 'One Redis serves every worker and submitter: docs/scale.md.',
      },
    );
  return url;
}

export const redisOption = '--redis <url>';
export const redisHelp = 'Redis URL, redis://[:password@]host:port[/db] (default: $SIAMSTREAM_REDIS)';
export const waitOption = '--redis-wait <s>';
export const waitHelp = 'while Redis does not answer, retry with backoff this long before giving up';

/**
 * `url` with a wait: each failed try is said on stderr with its code (the URL redacted) and the
 * time to the next. `waitS`: seconds, or Infinity (a worker waits for Redis as long as it takes).
 */
export function redisTarget(url: string, waitS: number): RedisTarget {
  return {
    url,
    waitMs: waitS * 1000,
    onRetry: (e, attempt, delayMs) =>
      process.stderr.write(
        `siamstream: ${e.code}: ${e.message} Retrying in ${(delayMs / 1000).toFixed(1)} s (try ${attempt + 1}).\n`,
      ),
  };
}

export function waitSeconds(v: string | undefined): number {
  const s = numberFlag('--redis-wait', v) ?? 30;
  if (s < 0) throw new SiamError('ERR_BAD_OPTION', `Expected --redis-wait to be >= 0 s, got "${v}".`);
  return s;
}

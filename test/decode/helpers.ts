/** Shared bits of the decode tests: collecting frames, waiting for a pid to be gone. */
import { lastValueFrom, toArray, type Observable } from 'rxjs';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/shared-data.js';
import type { Frame } from '../../src/types.js';

export const SAMPLE = path.join(REPO_ROOT, 'samples/tracking/video.mp4');
export const SAMPLE_FRAMES = 180;
export const SAMPLE_FPS = 30;

export function collect(frames$: Observable<Frame>): Promise<Frame[]> {
  return lastValueFrom(frames$.pipe(toArray()));
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Resolves true once `pid` is gone, false if it is still there after `timeoutMs`. */
export async function waitGone(pid: number, timeoutMs = 5000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return !isAlive(pid);
}

/** An error a promise rejected with (fails the test if it resolved). */
export async function rejection(
  p: Promise<unknown>,
): Promise<Error & { code?: string; details?: Record<string, unknown> }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}

/**
 * Real evaluation data lives beside the project in ../shared/data and is never committed.
 * Tests that need it skip with a message when it is absent (a user's fresh clone).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Absolute path of ../shared/data (relative to the repo root). */
export const SHARED_DATA = path.resolve(here, '../../../shared/data');

/** True when ../shared/data is present. */
export const hasSharedData: boolean = existsSync(path.join(SHARED_DATA, 'README.md'));

/** Call at the top of a test file that needs the data: logs why its tests are skipped. */
export function noteSharedDataSkip(what: string): void {
  if (!hasSharedData) {
    console.warn(`[skip] ${what}: ../shared/data is absent (expected at ${SHARED_DATA}).`);
  }
}

/** Repo root (absolute). */
export const REPO_ROOT = path.resolve(here, '../..');

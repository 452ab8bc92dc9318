/**
 * Test timeouts are deadlock guards, never speed bounds: a slow or busy machine only makes a test
 * take longer. vitest.config.ts's default (60 s) guards the many tests that take under a second;
 * a file whose tests start real processes (ffmpeg, redis-server, Chromium, CLI children), decode
 * real video or train a model sets this one for all its tests with `vi.setConfig`.
 */
export const SLOW_TEST_TIMEOUT_MS = 600_000;

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Deadlock guards, not speed bounds (test/helpers/timeouts.ts): files that start processes,
    // decode or train set 10 min for their tests; hooks start servers (redis-server, Chromium).
    testTimeout: 60_000,
    hookTimeout: 300_000,
    // Four files at once on two cores: many tests wait on children (ffmpeg, redis-server, Chromium,
    // workers), and a busy machine gives each process its share.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 4, minForks: 1 } },
  },
});

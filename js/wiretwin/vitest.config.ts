import { defineConfig } from 'vitest/config';

// The package's own tests: one `wiretwin serve` for the run (test/global-setup.ts), real
// pusher-js and discord.js clients against it.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],  // test-jest/ is jest's
    globalSetup: ['./test/global-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // The files share the twins: one file at a time, so one file's reset never cuts
    // another's clients off.
    fileParallelism: false,
  },
});

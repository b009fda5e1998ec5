import { defineConfig } from '@playwright/test';
import type { TwinsOptions } from 'wiretwin/playwright';

// The package's Playwright tests (test-playwright/): one `wiretwin serve` per worker, a
// reset before each test, and Debian's Chromium (/usr/bin/chromium; no browser download).
export default defineConfig<TwinsOptions>({
  testDir: './test-playwright',
  workers: 1,
  reporter: 'list',
  timeout: 20_000,
  expect: { timeout: 10_000 },
  use: {
    // Waits get 15 s (not the twin's 5) for a loaded machine running many suites at once.
    twinsOptions: { twins: ['pusher', 'discord'], waitTimeout: 15 },
    launchOptions: { executablePath: '/usr/bin/chromium' },
    screenshot: 'only-on-failure',
  },
});

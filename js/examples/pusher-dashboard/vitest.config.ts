import { defineConfig } from 'vitest/config';

// Component tests in jsdom against one Pusher twin for the run (src/global-setup.ts).
export default defineConfig({
  esbuild: { jsx: 'automatic' },
  resolve: {
    // pusher-js's browser build, as the app ships it: its websocket is the page's (jsdom's
    // WebSocket), where its "main" (Node) build would bring a websocket client of its own.
    alias: { 'pusher-js': 'pusher-js/dist/web/pusher.js' },
    // wiretwin/vitest imports vitest: the copy this project runs, not one beside wiretwin.
    dedupe: ['vitest'],
  },
  test: {
    environment: 'jsdom',
    globalSetup: ['./src/global-setup.ts'],
    setupFiles: ['./src/setup-tests.ts'],
    testTimeout: 15_000,
  },
});

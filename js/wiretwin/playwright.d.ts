// Types of wiretwin/playwright.
import type {
  PlaywrightTestArgs, PlaywrightTestOptions, PlaywrightWorkerArgs, PlaywrightWorkerOptions,
  TestType,
} from '@playwright/test';

import type { DiscordTwin, LavalinkTwin, PusherTwin, Settings, StartOptions, Twins } from './index.js';

export { expect } from '@playwright/test';

/** The twins a test gets. A twin that was not started throws when it is used, naming the
 * option that starts it (`settings` tells which are running). */
export interface RunningTwins extends Twins {
  readonly pusher: PusherTwin;
  readonly lavalink: LavalinkTwin;
  readonly discord: DiscordTwin;
}

/** Options for a worker's twins, set in the Playwright config's `use` or `test.use()`.
 * Tests with other values run in workers of their own. */
export interface TwinsWorkerOptions {
  /** How to start `wiretwin serve`: `twins`, `world`, `bin`, `virtualClock`, `adminToken`,
   * `waitTimeout`... (startTwins' options; `{}`: every twin, on free ports). */
  twinsOptions: StartOptions;
  /** Connect to twins already running instead of starting them: their settings, or the
   * path of the file `wiretwin serve --settings-file` wrote (default:
   * $WIRETWIN_SETTINGS_FILE). `twinsOptions.adminToken` and `waitTimeout` still apply. */
  twinsConnect: Settings | string | undefined;
}

/** Options for each test. */
export interface TwinsTestOptions {
  /** Reset every twin before the test (true by default); `{ disconnect: false }` keeps
   * the clients connected through the reset; false keeps the state. */
  twinsReset: boolean | { disconnect?: boolean };
}

/** Both, for `defineConfig<TwinsOptions>({ use: { twinsOptions: {...} } })`. */
export type TwinsOptions = TwinsWorkerOptions & TwinsTestOptions;

export interface TwinsWorkerFixtures {
  /** The worker's twins, not reset: for `beforeAll` hooks and worker fixtures. */
  workerTwins: RunningTwins;
}

export interface TwinsTestFixtures {
  /** The worker's twins, reset before each test (see `twinsReset`): an automatic fixture,
   * set up before the test's beforeEach hooks and other fixtures. */
  twins: RunningTwins;
}

/** Playwright's `test`, with the twins: `test('...', async ({ page, twins }) => {...})`. */
export const test: TestType<
  PlaywrightTestArgs & PlaywrightTestOptions & TwinsTestOptions & TwinsTestFixtures,
  PlaywrightWorkerArgs & PlaywrightWorkerOptions & TwinsWorkerOptions & TwinsWorkerFixtures
>;

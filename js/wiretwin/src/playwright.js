// Playwright glue: `test` from @playwright/test with the twins as fixtures. Each worker
// starts `wiretwin serve` once (or connects to twins already running), and the `twins`
// fixture resets them before each test.
import { test as base, expect } from '@playwright/test';

import { TWIN_NAMES, connectTwins, startTwins } from './twins.js';

export { expect };

/** The handle a test gets: a twin that was not started throws when it is used (instead of
 * being undefined), naming the option that starts it. Methods run on the handle itself. */
function guarded(twins) {
  return new Proxy(twins, {
    get(target, key) {
      const value = Reflect.get(target, key, target);
      if (value === undefined && TWIN_NAMES.includes(key)) {
        const running = TWIN_NAMES.filter((name) => target[name] !== undefined);
        throw new Error(`the ${key} twin is not running (running: ${running.join(', ') || 'none'}); `
          + `start it with twinsOptions: { twins: [..., '${key}'] } in test.use() or the `
          + 'Playwright config');
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

async function open(options, connect) {
  const source = connect ?? process.env.WIRETWIN_SETTINGS_FILE;
  if (source === undefined || source === '') return startTwins(options);
  return connectTwins(source, { adminToken: options.adminToken, waitTimeout: options.waitTimeout });
}

export const test = base.extend({
  // How to start `wiretwin serve` (startTwins' options). Worker-scoped: tests that use
  // other options run in workers of their own.
  twinsOptions: [{}, { scope: 'worker', option: true }],
  // Twins already running to connect to instead: their settings or the path of the file
  // `wiretwin serve --settings-file` wrote (default: $WIRETWIN_SETTINGS_FILE).
  twinsConnect: [undefined, { scope: 'worker', option: true }],
  // Reset before each test: true, false, or reset()'s options ({ disconnect: false }).
  twinsReset: [true, { option: true }],

  // The worker's twins, started on first use and stopped when the worker ends. Not reset:
  // for beforeAll/afterAll hooks and worker fixtures of your own. No fixture timeout:
  // startTwins() bounds the start itself (twinsOptions.timeout, 30 s) and says why it failed.
  workerTwins: [async ({ twinsOptions, twinsConnect }, use) => {
    const twins = await open(twinsOptions ?? {}, twinsConnect);
    try {
      await use(guarded(twins));
    } finally {
      await twins.stop();
    }
  }, { scope: 'worker', timeout: 0, title: 'wiretwin serve' }],

  // The worker's twins, reset. Automatic, so the reset comes first, before the test's
  // beforeEach hooks and other fixtures: a page a hook opens meets reset twins, and no
  // reset cuts its connection when the test asks for `twins` afterwards.
  twins: [async ({ workerTwins, twinsReset }, use) => {
    if (twinsReset) await workerTwins.reset(twinsReset === true ? undefined : twinsReset);
    await use(workerTwins);
  }, { auto: true }],
});

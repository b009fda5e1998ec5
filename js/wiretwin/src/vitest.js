// Vitest glue for test files: useTwins() connects a test file to the twins the global
// set-up (./vitest-setup.js) started, and resets them before each test.
import { beforeEach, inject } from 'vitest';

import { Twins } from './twins.js';
import { KEY } from './vitest-setup.js';

/** The twins the global set-up started, in a test file; every twin is reset before each
 * test (`reset: false` to keep state between tests, `{disconnect: false}` to keep the
 * clients connected through the reset). */
export function useTwins({ reset = true } = {}) {
  const provided = inject(KEY);
  if (!provided) {
    throw new Error("useTwins: no twins were provided; add a globalSetup file that does "
      + "`export default setupTwins()` (from 'wiretwin/vitest') to the vitest config");
  }
  const twins = new Twins(provided.settings, {
    adminToken: provided.adminToken ?? undefined, waitTimeout: provided.waitTimeout ?? undefined,
  });
  if (reset) {
    beforeEach(async () => {
      await twins.reset(reset === true ? undefined : reset);
    });
  }
  return twins;
}

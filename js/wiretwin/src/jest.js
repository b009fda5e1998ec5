// Jest glue for test files: useTwins() connects a test file to the twins jest's global
// set-up (./jest-setup.js) started, and resets them before each test.
import { readFileSync } from 'node:fs';

import { Twins } from './twins.js';

/** The twins the global set-up started, reset before each test of the file (unless
 * `reset: false`; `{disconnect: false}` keeps the clients connected). */
export function useTwins({ reset = true } = {}) {
  const file = process.env.WIRETWIN_JEST_SETTINGS;
  if (!file) {
    throw new Error("useTwins: no twins were started; set jest's globalSetup to a module "
      + "that does `export default setupTwins()` (from 'wiretwin/jest-setup')");
  }
  const provided = JSON.parse(readFileSync(file, 'utf8'));
  const twins = new Twins(provided.settings, {
    adminToken: provided.adminToken ?? undefined, waitTimeout: provided.waitTimeout ?? undefined,
  });
  if (reset) {
    globalThis.beforeEach(async () => {
      await twins.reset(reset === true ? undefined : reset);
    });
  }
  return twins;
}

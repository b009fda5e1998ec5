// Vitest's global set-up: start `wiretwin serve` once for the whole run and hand its
// settings to every test file (useTwins() in ./vitest.js reads them). A module of its own:
// a global set-up file runs outside the test context and must not import vitest.
import { startTwins } from './twins.js';

/** The key the settings are provided under (vitest's provide/inject). */
export const KEY = 'wiretwin';

/** A global set-up function for vitest's `globalSetup`: `export default setupTwins({...})`
 * in the set-up file. Starts the twins before the first test file, stops them after the
 * last. */
export function setupTwins(options = {}) {
  return async function setup(project) {
    const twins = await startTwins(options);
    project.provide(KEY, {
      settings: twins.settings, adminToken: options.adminToken ?? null,
      waitTimeout: options.waitTimeout ?? null,
    });
    return async () => {
      await twins.stop();
    };
  };
}


// Types of wiretwin/vitest-setup.
import type { StartOptions } from './index.js';
import type { ProvidedTwins } from './vitest.js';

/** The key the twins' settings are provided under. */
export const KEY: 'wiretwin';

/** For vitest's `globalSetup` file: `export default setupTwins({ twins: ['pusher'] })`. */
export function setupTwins(options?: StartOptions):
  (project: { provide(key: 'wiretwin', value: ProvidedTwins): void }) => Promise<() => Promise<void>>;

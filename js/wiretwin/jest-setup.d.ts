// Types of wiretwin/jest-setup.
import type { StartOptions } from './index.js';

/** For jest's `globalSetup` module: `export default setupTwins({ twins: ['pusher'] })`. */
export function setupTwins(options?: StartOptions): () => Promise<void>;

/** For jest's `globalTeardown` module: `export default teardownTwins`. */
export function teardownTwins(): Promise<void>;

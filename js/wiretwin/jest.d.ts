// Types of wiretwin/jest.
import type { Twins } from './index.js';

/** The twins jest's global set-up started, reset before each test of the file (unless
 * `reset: false`; `{ disconnect: false }` keeps the clients connected). */
export function useTwins(options?: { reset?: boolean | { disconnect?: boolean } }): Twins;

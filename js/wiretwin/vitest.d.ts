// Types of wiretwin/vitest.
import type { Settings, Twins } from './index.js';

export interface ProvidedTwins {
  settings: Settings;
  adminToken: string | null;
  waitTimeout: number | null;
}

declare module 'vitest' {
  export interface ProvidedContext {
    wiretwin: ProvidedTwins;
  }
}

/** The twins the global set-up started, reset before each test of the file (unless
 * `reset: false`; `{ disconnect: false }` keeps the clients connected). */
export function useTwins(options?: { reset?: boolean | { disconnect?: boolean } }): Twins;

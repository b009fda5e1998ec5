// Jest's globalSetup / globalTeardown: start `wiretwin serve` once for the run and tell
// the test files where it is through the environment (jest starts its workers after the
// global set-up, so they inherit WIRETWIN_SETTINGS_FILE; useTwins() in ./jest.js reads it).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startTwins } from './twins.js';

const HANDLE = Symbol.for('wiretwin.jest.twins');

/** For jest's `globalSetup` module: `export default setupTwins({...})`. */
export function setupTwins(options = {}) {
  return async function globalSetup() {
    const twins = await startTwins(options);
    const dir = await mkdtemp(join(tmpdir(), 'wiretwin-jest-'));
    const file = join(dir, 'settings.json');
    await writeFile(file, JSON.stringify({
      settings: twins.settings, adminToken: options.adminToken ?? null,
      waitTimeout: options.waitTimeout ?? null,
    }));
    process.env.WIRETWIN_JEST_SETTINGS = file;
    globalThis[HANDLE] = { twins, dir };
  };
}

/** For jest's `globalTeardown` module: `export default teardownTwins`. */
export async function teardownTwins() {
  const started = globalThis[HANDLE];
  delete globalThis[HANDLE];
  delete process.env.WIRETWIN_JEST_SETTINGS;
  if (started === undefined) return;
  await started.twins.stop();
  await rm(started.dir, { recursive: true, force: true });
}

// The package's Playwright tests' own fixtures, beside wiretwin's twins: a tiny static site
// (the page and pusher-js's browser build from node_modules), one per worker on a free
// port, as Playwright's baseURL (in an app's tests, its webServer would serve the app).
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

import { test as base } from 'wiretwin/playwright';

export { expect } from 'wiretwin/playwright';

const require = createRequire(import.meta.url);
const FILES: Record<string, { path: string; type: string }> = {
  '/': { path: fileURLToPath(new URL('./orders.html', import.meta.url)), type: 'text/html' },
  '/pusher.min.js': {
    path: require.resolve('pusher-js/dist/web/pusher.min.js'), type: 'text/javascript',
  },
};

export const test = base.extend<{}, { site: string }>({
  baseURL: async ({ site }, use) => {
    await use(site);
  },
  site: [async ({}, use) => {
    const server = createServer((request, response) => {
      const file = FILES[new URL(request.url ?? '/', 'http://site').pathname];
      if (file === undefined) {
        response.writeHead(404).end();
        return;
      }
      readFile(file.path).then(
        (body) => response.writeHead(200, { 'content-type': file.type }).end(body),
        () => response.writeHead(500).end(),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await use(`http://127.0.0.1:${port}/`);
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }, { scope: 'worker' }],
});

// The Pusher matrix's Chromium host: Debian's headless Chromium, driven by playwright-core,
// opens a page on the auth endpoint's origin, loads pusher-js's browser build (with
// encryption) and commands.js into it, and runs the commands there.
// Usage: node browser.mjs '<settings JSON>' (settings.page: the page's URL).
// Commands on stdin and observations on stdout, one JSON object a line.
import { chromium } from 'playwright-core';
import { launchChromium } from '../../../chromium.mjs';
import { createRequire } from 'node:module';
import readline from 'node:readline';

const require = createRequire(import.meta.url);
const settings = JSON.parse(process.argv[2]);
const out = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');

const browser = await launchChromium(chromium);
const page = await browser.newPage();
page.on('console', (message) => process.stderr.write(`[page] ${message.text()}\n`));
page.on('pageerror', (error) => process.stderr.write(`[page error] ${error}\n`));
await page.exposeFunction('wiretwinOut', (obj) => out(obj));
await page.goto(settings.page);
await page.addScriptTag({ path: require.resolve('pusher-js/dist/web/pusher-with-encryption.min.js') });
await page.addScriptTag({ path: new URL('./commands.js', import.meta.url).pathname });
await page.evaluate((s) => {
  window.wiretwinRun = window.wiretwinMatrix({
    flavour: 'pusher-js', Pusher: window.Pusher, settings: s, out: window.wiretwinOut,
  });
}, settings);

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => {
  if (line.trim()) page.evaluate((c) => window.wiretwinRun(c), JSON.parse(line));
});
rl.on('close', async () => { await browser.close(); process.exit(0); });
out({ type: 'ready', version: require('pusher-js/package.json').version,
  browser: browser.version() });

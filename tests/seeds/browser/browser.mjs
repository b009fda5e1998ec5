// Seed 004's Playwright example, for real: Debian's headless Chromium, driven by
// playwright-core, opens a page whose pusher-js connects to the wiretwin Pusher twin.
//
// Usage: node browser.mjs <page url>
// Prints JSON lines: {"type":"state", state, socket_id} once connected and subscribed,
// then, on a "wait-event" line on stdin, {"type":"event", data} for the first event the
// page received; {"type":"error", message} on failure. "exit" on stdin closes the browser.
import { chromium } from 'playwright-core';
import { launchChromium } from '../../chromium.mjs';
import readline from 'node:readline';

const out = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');
const url = process.argv[2];

const browser = await launchChromium(chromium);
try {
  const page = await browser.newPage();
  page.on('console', (message) => process.stderr.write(`[page] ${message.text()}\n`));
  await page.goto(url);
  // The seed's check: the connection state and a socket id, read from window.pusher.
  await page.waitForFunction(
    () => window.pusher && window.pusher.connection.state === 'connected' && window.subscribed,
    null, { timeout: 15000 });
  const pusherState = await page.evaluate(() => {
    if (window.pusher) {
      return {
        state: window.pusher.connection.state,
        socket_id: window.pusher.connection.socket_id,
      };
    }
    return null;
  });
  out({ type: 'state', ...pusherState });

  const commands = readline.createInterface({ input: process.stdin });
  for await (const line of commands) {
    if (line === 'wait-event') {
      await page.waitForFunction(() => window.received.length > 0, null, { timeout: 15000 });
      out({ type: 'event', data: await page.evaluate(() => window.received[0]) });
    } else if (line === 'exit') {
      break;
    }
  }
} catch (error) {
  out({ type: 'error', message: String(error?.stack ?? error) });
} finally {
  await browser.close();
  process.exit(0);  // stdin (the command reader) would keep Node alive
}

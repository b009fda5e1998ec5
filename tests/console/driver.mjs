// Drives Debian's headless Chromium (/usr/bin/chromium) with playwright-core for the
// console's browser tests (tests/console/browser.py is the Python side).
//
// Usage: node driver.mjs. Commands come on stdin, one JSON object a line:
// {"id": n, "op": "...", ...}; each gets one answer line {"id": n, "value": ...} or
// {"id": n, "error": "..."}. Pages are numbered; they share one browser context (so the
// console's cookie is set once). Every wait has a timeout: nothing sleeps.
import { chromium } from 'playwright-core';
import { launchChromium } from '../chromium.mjs';
import readline from 'node:readline';
import fs from 'node:fs';

const out = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');
const browser = await launchChromium(chromium);
const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
const pages = [];
const errors = [];

function page(id) {
  const found = pages[id];
  if (!found) throw new Error(`no page ${id}`);
  return found;
}

// A JS function's source, called with the command's argument (a string given to
// playwright is an expression: a function's source would be a truthy value, not a call).
const call = (cmd) => `(${cmd.expression})(${JSON.stringify(cmd.arg ?? null)})`;

function locate(p, cmd) {
  let locator = p.locator(cmd.selector);
  if (cmd.text !== undefined) locator = locator.filter({ hasText: cmd.text });
  return locator.first();
}

const ops = {
  async open(cmd) {
    const p = await context.newPage();
    const id = pages.length;
    pages.push(p);
    // Scripts' errors count; the browser's own network notes (a refused reconnect once
    // the twin stopped, a 4xx a test provoked) do not.
    p.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) {
        errors.push(`[page ${id}] ${m.text()}`);
      }
    });
    p.on('pageerror', (e) => errors.push(`[page ${id}] ${e.message}`));
    if (cmd.url) await p.goto(cmd.url);
    return id;
  },
  async goto(cmd) { await page(cmd.page).goto(cmd.url); return page(cmd.page).url(); },
  async url(cmd) { return page(cmd.page).url(); },
  async click(cmd) { await locate(page(cmd.page), cmd).click({ timeout: cmd.timeout }); return null; },
  async fill(cmd) { await locate(page(cmd.page), cmd).fill(cmd.value, { timeout: cmd.timeout }); return null; },
  async select(cmd) {
    await locate(page(cmd.page), cmd).selectOption(cmd.value, { timeout: cmd.timeout });
    return null;
  },
  async wait(cmd) {
    await locate(page(cmd.page), cmd).waitFor({ state: cmd.state || 'visible', timeout: cmd.timeout });
    return null;
  },
  async text(cmd) { return locate(page(cmd.page), cmd).textContent({ timeout: cmd.timeout }); },
  async count(cmd) { return page(cmd.page).locator(cmd.selector).count(); },
  async waitFunction(cmd) {
    const handle = await page(cmd.page).waitForFunction(call(cmd), undefined,
      { timeout: cmd.timeout });
    return handle.jsonValue();
  },
  async evaluate(cmd) { return page(cmd.page).evaluate(call(cmd)); },
  async screenshot(cmd) {
    await page(cmd.page).screenshot({ path: cmd.path, fullPage: Boolean(cmd.fullPage) });
    return cmd.path;
  },
  async setFiles(cmd) { await locate(page(cmd.page), cmd).setInputFiles(cmd.path); return null; },
  async download(cmd) {
    const p = page(cmd.page);
    const [download] = await Promise.all([
      p.waitForEvent('download', { timeout: cmd.timeout }),
      locate(p, cmd).click({ timeout: cmd.timeout }),
    ]);
    const path = await download.path();
    return { name: download.suggestedFilename(), text: fs.readFileSync(path, 'utf8') };
  },
  async errors() { return errors.splice(0); },
};

const commands = readline.createInterface({ input: process.stdin });
out({ ready: true });
for await (const line of commands) {
  const cmd = JSON.parse(line);
  if (cmd.op === 'exit') break;
  try {
    const fn = ops[cmd.op];
    if (!fn) throw new Error(`unknown op ${cmd.op}`);
    out({ id: cmd.id, value: (await fn(cmd)) ?? null });
  } catch (error) {
    out({ id: cmd.id, error: String(error?.message ?? error) });
  }
}
await browser.close();
process.exit(0);

// Starting `wiretwin serve` (or connecting to one already running) and the handle on its
// twins. serve writes every twin's URLs, ports and credentials to a settings file
// (--settings-file) before it prints "Settings written to"; ports are 0 (any free one)
// unless asked, so many suites can run side by side.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { DiscordTwin } from './discord-twin.js';
import { LavalinkTwin } from './lavalink.js';
import { PusherTwin } from './pusher.js';

export const TWIN_NAMES = ['pusher', 'lavalink', 'discord'];
const READY_LINE = 'Settings written to';

/** The running twins: `pusher`, `lavalink`, `discord` (those started), their `settings`
 * (serve's settings file), `reset()` and `stop()`. */
export class Twins {
  constructor(settings, { adminToken, waitTimeout, process: child, cleanup } = {}) {
    this.settings = settings;
    this.adminToken = adminToken;
    this.waitTimeout = waitTimeout;
    this.process = child ?? null;
    this._cleanup = cleanup;
    const options = { adminToken, waitTimeout };
    this.pusher = settings.pusher ? new PusherTwin(settings.pusher, options) : undefined;
    this.lavalink = settings.lavalink ? new LavalinkTwin(settings.lavalink, options) : undefined;
    this.discord = settings.discord ? new DiscordTwin(settings.discord, options) : undefined;
  }

  /** Every twin there is, as admin clients. */
  all() {
    return [this.pusher, this.lavalink, this.discord].filter((twin) => twin !== undefined);
  }

  /** Every twin back to its starting state (see AdminClient.reset). */
  async reset(options) {
    await Promise.all(this.all().map((twin) => twin.reset(options)));
  }

  /** Stop `wiretwin serve` (when this handle started it) and wait until it has exited. */
  async stop() {
    const child = this.process;
    this.process = null;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await this._cleanup?.();
    this._cleanup = undefined;
  }
}

/** A handle on twins someone else started: a settings object, or the path of serve's
 * settings file (default: $WIRETWIN_SETTINGS_FILE). */
export async function connectTwins(settings, { adminToken, waitTimeout } = {}) {
  const source = settings ?? process.env.WIRETWIN_SETTINGS_FILE;
  if (source === undefined) {
    throw new Error('connectTwins: give the settings (or the path of the file wiretwin serve '
      + 'wrote with --settings-file), or set WIRETWIN_SETTINGS_FILE');
  }
  const parsed = typeof source === 'string' ? JSON.parse(await readFile(source, 'utf8')) : source;
  return new Twins(parsed, {
    adminToken: adminToken ?? process.env.WIRETWIN_ADMIN_TOKEN, waitTimeout,
  });
}

function command(bin) {
  const chosen = bin ?? process.env.WIRETWIN_BIN ?? 'wiretwin';
  return Array.isArray(chosen) ? chosen : [chosen];
}

/** Start `wiretwin serve` with the twins asked for (all three by default), on free ports,
 * and answer once they listen. */
export async function startTwins(options = {}) {
  const names = options.twins ?? TWIN_NAMES;
  for (const name of names) {
    if (!TWIN_NAMES.includes(name)) {
      throw new Error(`startTwins: no twin called ${name} (choose from ${TWIN_NAMES.join(', ')})`);
    }
  }
  const ports = options.ports ?? {};
  const dir = await mkdtemp(join(tmpdir(), 'wiretwin-'));
  const settingsFile = join(dir, 'settings.json');
  const [bin, ...pre] = command(options.bin);
  const args = [...pre, 'serve', '--twins', names.join(','), '--settings-file', settingsFile];
  for (const name of TWIN_NAMES) args.push(`--${name}-port`, String(ports[name] ?? 0));
  if (options.virtualClock) args.push('--virtual-clock');
  if (options.world) args.push('--world', options.world);
  if (options.seed !== undefined) args.push('--seed', String(options.seed));
  if (options.adminToken) args.push('--admin-token', options.adminToken);
  args.push(...(options.args ?? []));
  const cleanup = () => rm(dir, { recursive: true, force: true });

  const child = spawn(bin, args, {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env }, cwd: options.cwd,
  });
  // Never outlive the test process, however it ends.
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  child.once('exit', () => process.removeListener('exit', kill));
  const stderr = [];
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    stderr.push(chunk);
    options.onStderr?.(chunk);
  });
  try {
    await new Promise((resolve, reject) => {
      const timeout = options.timeout ?? 30;
      const timer = setTimeout(() => reject(new Error(
        `wiretwin serve did not start within ${timeout} s:\n${stderr.join('')}`)), timeout * 1000);
      const lines = createInterface({ input: child.stdout });
      lines.on('line', (line) => {
        options.onOutput?.(line);
        if (line.startsWith(READY_LINE)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(new Error(`could not run ${bin} (install wiretwin, or point WIRETWIN_BIN or `
          + `the bin option at its wiretwin command): ${error.message}`));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`wiretwin serve exited (${code ?? signal}) before it was ready:\n`
          + stderr.join('')));
      });
    });
  } catch (error) {
    child.kill('SIGKILL');
    await cleanup();
    throw error;
  }
  const settings = JSON.parse(await readFile(settingsFile, 'utf8'));
  return new Twins(settings, {
    adminToken: options.adminToken, waitTimeout: options.waitTimeout, process: child, cleanup,
  });
}

// startTwins() / stop() and connectTwins() without the vitest glue: a `wiretwin serve` of
// the test's own, started and stopped here.
import { writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Pusher from 'pusher-js';
import { describe, expect, it } from 'vitest';

import { AdminError, PusherTwin, connectTwins, startTwins } from 'wiretwin';

describe('startTwins', () => {
  it('starts the twins asked for on free ports, behind an admin token, and stops them', async () => {
    const twins = await startTwins({ twins: ['pusher'], adminToken: 'letmein', seed: 7 });
    try {
      expect(twins.discord).toBeUndefined();
      expect(twins.lavalink).toBeUndefined();
      const pusher = twins.pusher!;
      expect(pusher.settings.port).toBeGreaterThan(0);
      expect((await pusher.info()).service).toBe('pusher');
      // The token is required: a client without it is refused.
      const anonymous = await fetch(pusher.adminUrl);
      expect(anonymous.status).toBe(401);
      // On the real clock, moving time is refused with the twin's reason.
      const refused = await pusher.advanceClock(1).catch((e) => e);
      expect(refused).toBeInstanceOf(AdminError);
      expect(refused.status).toBe(409);
      expect(refused.reason).toContain('--virtual-clock');
      // The OpenAPI document lists the journal's long-poll.
      expect(Object.keys((await pusher.openapi()).paths)).toContain('/_wiretwin/journal/wait');

      const client = new Pusher(...pusher.pusherJs());
      const channel = client.subscribe('orders');
      await new Promise((resolve) => channel.bind('pusher:subscription_succeeded', resolve));
      const heard = new Promise((resolve) => channel.bind('made', resolve));
      await pusher.trigger('orders', 'made', [1, 2]);
      expect(await heard).toEqual([1, 2]);
      client.disconnect();

      // A client's waitTimeout is the timeout of the waits that give none.
      const impatient = new PusherTwin(pusher.settings, { adminToken: 'letmein', waitTimeout: 0 });
      const waited = await impatient.waitForDelivery({ event: 'never' }).catch((e) => e);
      expect(waited.status).toBe(504);
      expect(waited.reason).toMatch(/^waited 0s for 1 journal entry/);
    } finally {
      await twins.stop();
    }
    expect(twins.process).toBeNull();
    await expect(fetch(twins.pusher!.adminUrl)).rejects.toThrow();
  });

  it('says so when the wiretwin command is not there', async () => {
    await expect(startTwins({ bin: '/nonexistent/wiretwin' })).rejects.toThrow(
      /could not run \/nonexistent\/wiretwin \(install wiretwin, or point WIRETWIN_BIN/);
  });

  it('says why serve would not start', async () => {
    await expect(startTwins({ twins: ['pusher'], world: '/nonexistent/world.toml' }))
      .rejects.toThrow(/wiretwin serve exited \(1\) before it was ready:\n.*world\.toml/);
  });

  it('connects to twins started elsewhere, from their settings file', async () => {
    const started = await startTwins({ twins: ['lavalink', 'discord'] });
    try {
      const dir = await mkdtemp(join(tmpdir(), 'wiretwin-test-'));
      const file = join(dir, 'settings.json');
      await writeFile(file, JSON.stringify(started.settings));
      const twins = await connectTwins(file);
      expect(twins.process).toBeNull();
      expect(twins.all()).toHaveLength(2);
      expect((await twins.lavalink!.info()).service).toBe('lavalink');
      expect((await twins.discord!.guilds()).map((g) => g.name)).toEqual(['wiretwin guild']);
      await twins.reset();
      await twins.stop(); // not its process: nothing to stop
      expect((await started.discord!.info()).service).toBe('discord');
    } finally {
      await started.stop();
    }
  });
});

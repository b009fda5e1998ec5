// pusher-js (Node), configured from the package's settings, against the Pusher twin
// driven through the package: triggers and deliveries, faults, the clock, snapshots.
import Pusher from 'pusher-js';
import { afterEach, describe, expect, it } from 'vitest';

import { AdminError, type PusherDelivery } from 'wiretwin';
import { useTwins } from 'wiretwin/vitest';

const twins = useTwins();
const pusher = twins.pusher!;
const clients: Pusher[] = [];

function connect(): Pusher {
  const client = new Pusher(...pusher.pusherJs());
  clients.push(client);
  return client;
}

function connected(client: Pusher): Promise<string> {
  return new Promise((resolve, reject) => {
    if (client.connection.state === 'connected') resolve(client.connection.socket_id);
    client.connection.bind('connected', () => resolve(client.connection.socket_id));
    client.connection.bind('failed', () => reject(new Error('pusher-js could not connect')));
  });
}

function subscribed(client: Pusher, name: string) {
  const channel = client.subscribe(name);
  return new Promise<typeof channel>((resolve, reject) => {
    channel.bind('pusher:subscription_succeeded', () => resolve(channel));
    channel.bind('pusher:subscription_error', (error: unknown) => reject(error));
  });
}

function next<T>(channel: { bind(event: string, cb: (data: T) => void): unknown }, event: string) {
  return new Promise<T>((resolve) => channel.bind(event, resolve));
}

afterEach(() => {
  for (const client of clients.splice(0)) client.disconnect();
});

describe('the Pusher twin from pusher-js', () => {
  it('delivers an event triggered through the package to a pusher-js subscriber', async () => {
    const client = connect();
    const socketId = await connected(client);
    const orders = await subscribed(client, 'orders');
    const heard = next<{ id: number }>(orders, 'shipped');
    const since = await pusher.journalMark();
    await pusher.trigger('orders', 'shipped', { id: 42 });
    expect(await heard).toEqual({ id: 42 });

    const [delivery]: PusherDelivery<{ id: number }>[] = await pusher.waitForDelivery({
      event: 'shipped', channel: 'orders', since,
    });
    expect(delivery).toMatchObject({ socketId, event: 'shipped', channel: 'orders', data: { id: 42 } });
    expect(await pusher.triggered({ channel: 'orders' })).toEqual([
      expect.objectContaining({ name: 'shipped', channels: ['orders'], source: 'test' }),
    ]);
    expect(await pusher.connections()).toEqual([
      { socket_id: socketId, app: '1', protocol: 7, channels: ['orders'], user: null },
    ]);
  });

  it('waits for deliveries to several sockets, and times out with the twin\'s words', async () => {
    const [a, b] = [connect(), connect()];
    await Promise.all([connected(a), connected(b)]);
    await Promise.all([subscribed(a, 'news'), subscribed(b, 'news')]);
    await pusher.trigger(['news', 'weather'], 'story', 'text');
    const both = await pusher.waitForDelivery({ event: 'story', channel: 'news', count: 2 });
    expect(new Set(both.map((d) => d.socketId))).toEqual(
      new Set([a.connection.socket_id, b.connection.socket_id]));
    expect(both.map((d) => d.data)).toEqual(['text', 'text']);

    const error = await pusher.waitForDelivery({ event: 'never', timeout: 0 }).catch((e) => e);
    expect(error).toBeInstanceOf(AdminError);
    expect(error.status).toBe(504);
    expect(error.reason).toContain("event='never'");
    const bad = await pusher.trigger('bad name!', 'e', {}).catch((e) => e);
    expect(bad.status).toBe(400);
    expect(bad.reason).toContain('Invalid channel name');
  });

  it('starts each test from a reset twin', async () => {
    expect(await pusher.triggered()).toEqual([]);
    expect(await pusher.faults()).toEqual([]);
    expect(await pusher.journal()).toEqual([]);
  });

  it('drops the events a fault names, and not the others', async () => {
    const client = connect();
    await connected(client);
    const ticks = await subscribed(client, 'ticks');
    const seen: string[] = [];
    ticks.bind('lost', () => seen.push('lost'));
    const fence = next(ticks, 'fence');
    const fault = await pusher.addFault({ type: 'drop', name: 'loss', scope: { event: 'lost' } });
    expect(fault).toMatchObject({ type: 'drop', name: 'loss' });
    await pusher.trigger('ticks', 'lost', {});
    await pusher.trigger('ticks', 'fence', {});
    await fence;
    expect(seen).toEqual([]);
    const [fired] = await pusher.waitForJournal({ kind: 'fault', event: 'loss' });
    expect(fired.detail.action).toBe('drop');

    await pusher.removeFault('loss');
    expect(await pusher.faults()).toEqual([]);
    const heard = next(ticks, 'lost');
    await pusher.trigger('ticks', 'lost', {});
    await heard;
    expect(seen).toEqual(['lost']);
  });

  it('closes a connection with a disconnect fault, and pusher-js comes back', async () => {
    const client = connect();
    const first = await connected(client);
    const orders = await subscribed(client, 'orders');
    await pusher.addFault({ type: 'disconnect', name: 'cut', code: 4200, times: 1,
      scope: { event: 'cut-here' } });
    const back = new Promise<string>((resolve) => {
      client.connection.bind('state_change', ({ current }: { current: string }) => {
        if (current === 'connected') resolve(client.connection.socket_id);
      });
    });
    await pusher.trigger('orders', 'cut-here', {});
    const second = await back;
    expect(second).not.toBe(first);
    // pusher-js subscribed again on its new connection: deliveries reach it.
    await pusher.waitForJournal({ kind: 'frame', direction: 'in', event: 'pusher:subscribe',
      connection: second });
    const heard = next(orders, 'after');
    await pusher.trigger('orders', 'after', { ok: true });
    expect(await heard).toEqual({ ok: true });
  });

  it('moves the virtual clock: two silent minutes bring the twin\'s ping, pusher-js pongs', async () => {
    const client = connect();
    const socketId = await connected(client);
    const clock = await pusher.clock();
    expect(clock.virtual).toBe(true);
    const since = await pusher.journalMark();
    const moved = await pusher.advanceClock(120, { waitReplies: false });
    expect(moved.monotonic).toBeGreaterThanOrEqual(clock.monotonic + 120);
    await pusher.waitForJournal({ kind: 'frame', direction: 'out', event: 'pusher:ping',
      connection: socketId, since });
    await pusher.waitForJournal({ kind: 'frame', direction: 'in', event: 'pusher:pong',
      connection: socketId, since });
  });

  it('restores a snapshot, and the subscribers hear the roster change back', async () => {
    const client = connect();
    await connected(client);
    await pusher.addMember('presence-lobby', 'bot', { name: 'Bot' });
    const saved = await pusher.snapshot();
    await pusher.removeMember('presence-lobby', 'bot');
    expect((await pusher.channel('presence-lobby')).occupied).toBe(false);
    const lobby = await subscribed(client, 'presence-lobby');
    const added = next<{ id: string; info: { name: string } }>(lobby, 'pusher:member_added');
    await pusher.restore(saved);
    expect(await added).toEqual({ id: 'bot', info: { name: 'Bot' } });
    const info = await pusher.channel('presence-lobby', { info: ['user_count'] });
    expect(info.user_count).toBe(2);
  });
});

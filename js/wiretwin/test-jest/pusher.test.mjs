// The same package under jest: pusher-js hears what the Pusher twin publishes, each test
// starts from a reset twin, and a fault drops what it names.
import Pusher from 'pusher-js';
import { useTwins } from 'wiretwin/jest';

const { pusher } = useTwins();                          // every twin reset before each test
let client;

afterEach(() => {
  client?.disconnect();
});

async function subscribed(name) {
  client = new Pusher(...pusher.pusherJs());
  const channel = client.subscribe(name);
  await new Promise((ok) => channel.bind('pusher:subscription_succeeded', ok));
  return channel;
}

test('pusher-js hears an event published through the twin', async () => {
  const orders = await subscribed('orders');
  const heard = new Promise((ok) => orders.bind('shipped', ok));
  await pusher.trigger('orders', 'shipped', { id: 42 });
  expect(await heard).toEqual({ id: 42 });
  const [delivery] = await pusher.waitForDelivery({ event: 'shipped', channel: 'orders' });
  expect(delivery.socketId).toBe(client.connection.socket_id);
});

test('each test starts from a reset twin', async () => {
  expect(await pusher.triggered()).toEqual([]);
  expect(await pusher.journal()).toEqual([]);
});

test('a fault drops the events it names', async () => {
  const ticks = await subscribed('ticks');
  const seen = [];
  ticks.bind('lost', () => seen.push('lost'));
  const fence = new Promise((ok) => ticks.bind('fence', ok));
  await pusher.addFault({ type: 'drop', name: 'loss', scope: { event: 'lost' } });
  await pusher.trigger('ticks', 'lost', {});
  await pusher.trigger('ticks', 'fence', {});
  await fence;
  expect(seen).toEqual([]);
  expect(await pusher.faults()).toEqual([expect.objectContaining({ name: 'loss' })]);
});

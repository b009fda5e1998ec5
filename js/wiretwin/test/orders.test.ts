// The example of the guide "Test with JavaScript" (docs/how-to/test-with-javascript.md
// includes this file): pusher-js hears an order shipped through the Pusher twin.
import Pusher from 'pusher-js';
import { expect, it } from 'vitest';
import { useTwins } from 'wiretwin/vitest';

const { pusher } = useTwins();                          // every twin reset before each test

it('hears a shipped order', async () => {
  const client = new Pusher(...pusher!.pusherJs());     // key and options for the twin
  const orders = client.subscribe('orders');
  await new Promise((ok) => orders.bind('pusher:subscription_succeeded', ok));
  const heard = new Promise((ok) => orders.bind('shipped', ok));

  await pusher!.trigger('orders', 'shipped', { id: 42 }); // as your server would

  expect(await heard).toEqual({ id: 42 });
  const [delivery] = await pusher!.waitForDelivery({ event: 'shipped', channel: 'orders' });
  expect(delivery.socketId).toBe(client.connection.socket_id);
  client.disconnect();
});

// A page using the real pusher-js (its browser build, in Chromium) against the Pusher twin:
// it connects, subscribes, and shows an order shipped through twins.pusher.
import { expect, test } from './fixtures';

// The second test checks that the first one's state is gone: run them in order.
test.describe.configure({ mode: 'serial' });

test.beforeEach(async ({ page, twins }) => {
  // The app's Pusher settings, pointed at the twin: pusher-js's key and options.
  await page.addInitScript((config) => {
    Object.assign(window, { PUSHER_CONFIG: config });
  }, twins.pusher.pusherJs());
});

test('a shipped order shows on the page', async ({ page, twins }) => {
  await page.goto('/');
  await expect(page.getByText('Watching orders')).toBeVisible();   // subscribed

  await twins.pusher.trigger('orders', 'shipped', { id: 42 });      // as your server would

  await expect(page.getByRole('listitem')).toHaveText(['Order 42 shipped']);
  await expect(page.locator('#state')).toHaveText('connected');
  const socketId = await page.evaluate(() => (window as any).pusher.connection.socket_id);
  expect(await twins.pusher.connections()).toEqual([
    expect.objectContaining({ socket_id: socketId, channels: ['orders'] }),
  ]);
});

test('each test starts from reset twins', async ({ page, twins }) => {
  // The first test's event and its page's connection are gone.
  expect(await twins.pusher.triggered()).toEqual([]);
  expect(await twins.pusher.connections()).toEqual([]);

  await page.goto('/');
  await expect(page.getByText('Watching orders')).toBeVisible();
  await expect(page.getByRole('listitem')).toHaveCount(0);
  await twins.pusher.trigger('orders', 'shipped', { id: 7 });
  await expect(page.getByRole('listitem')).toHaveText(['Order 7 shipped']);
});

// A page using the real pusher-js (its browser build, in Chromium) against the Pusher twin:
// it connects, subscribes, and shows an order shipped through twins.pusher.
import type { Page } from '@playwright/test';
import type { PusherTwin } from 'wiretwin';

import { expect, test } from './fixtures';

// The second test checks that the first one's state is gone: run them in order.
test.describe.configure({ mode: 'serial' });

/** Open the orders page, its Pusher settings pointed at the twin, until it has subscribed. */
async function openOrders(page: Page, pusher: PusherTwin): Promise<void> {
  await page.addInitScript((config) => {
    Object.assign(window, { PUSHER_CONFIG: config });      // [key, options] for pusher-js
  }, pusher.pusherJs());
  await page.goto('/');
  await expect(page.getByText('Watching orders')).toBeVisible();
}

test('a shipped order shows on the page', async ({ page, twins }) => {
  await openOrders(page, twins.pusher);

  await twins.pusher.trigger('orders', 'shipped', { id: 42 });   // as your server would

  await expect(page.getByRole('listitem')).toHaveText(['Order 42 shipped']);
  await expect(page.locator('#state')).toHaveText('connected');
  expect(await twins.pusher.triggered()).toHaveLength(1);
});

test.describe('with the page opened in a beforeEach hook', () => {
  let socketId: string;

  test.beforeEach(async ({ page, workerTwins }) => {
    await openOrders(page, workerTwins.pusher);
    socketId = await page.evaluate(() => (window as any).pusher.connection.socket_id);
  });

  test('the twins were reset before the hook ran', async ({ page, twins }) => {
    // The first test's event is gone, and the page the hook opened is still connected.
    expect(await twins.pusher.triggered()).toEqual([]);
    expect(await twins.pusher.connections()).toContainEqual(
      expect.objectContaining({ socket_id: socketId, channels: ['orders'] }));
    await expect(page.getByRole('listitem')).toHaveCount(0);

    await twins.pusher.trigger('orders', 'shipped', { id: 7 });
    await expect(page.getByRole('listitem')).toHaveText(['Order 7 shipped']);
  });
});

// The Pusher testing guide's Dashboard tests, against a real Pusher server: wiretwin's
// Pusher twin, reached by the real pusher-js. No vi.mock: the component connects,
// subscribes and receives over a websocket, and the twin shows what it did.
import { render, screen } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';

import { useTwins } from 'wiretwin/vitest';

import { Dashboard } from './Dashboard';
import { PusherChannels, PusherEventType, PusherService } from './services/pusher';

// Each test starts from a reset twin: no connections, no events, an empty journal.
const pusher = useTwins().pusher!;

beforeEach(() => {
  PusherService.configure(...pusher.pusherJs());
});

/** Until the dashboard's socket is open and both its subscriptions succeeded. */
async function subscribedToBoth(): Promise<string> {
  const [established] = await pusher.waitForDelivery({ event: 'pusher:connection_established' });
  await pusher.waitForDelivery({
    event: 'pusher_internal:subscription_succeeded', socketId: established.socketId, count: 2,
  });
  return established.socketId;
}

describe('Dashboard with Pusher', () => {
  it('connects to Pusher on mount', async () => {
    render(<Dashboard />);

    expect(await screen.findByText('Pusher: connected')).toBeInTheDocument();
    const [connection] = await pusher.connections();
    expect(connection.socket_id).toBe(PusherService.getInstance().getSocketId());
  });

  it('subscribes to the dashboard channels', async () => {
    render(<Dashboard />);

    const socketId = await subscribedToBoth();
    const [connection] = await pusher.connections();
    expect(connection.socket_id).toBe(socketId);
    expect(connection.channels).toEqual([
      PusherChannels.CONTENT_GENERATION, PusherChannels.DASHBOARD_UPDATES,
    ]);
  });

  it('renders the events triggered on both channels', async () => {
    render(<Dashboard />);
    await subscribedToBoth();

    await pusher.trigger(PusherChannels.DASHBOARD_UPDATES, PusherEventType.METRIC_UPDATE, {
      type: 'metric-update', data: { students: 150 },
    });
    expect(await screen.findByText(/150 students/)).toBeInTheDocument();

    await pusher.trigger(PusherChannels.CONTENT_GENERATION, PusherEventType.CONTENT_UPDATE, {
      id: 'c1', title: 'Fractions, part 2',
    });
    await pusher.trigger(PusherChannels.CONTENT_GENERATION, PusherEventType.PROGRESS_UPDATE, {
      id: 'c1', percent: 40,
    });
    expect(await screen.findByText('Fractions, part 2 (40%)')).toBeInTheDocument();
    expect(screen.getByText(/150 students/)).toBeInTheDocument();
  });

  it('disconnects on unmount', async () => {
    const { unmount } = render(<Dashboard />);
    const socketId = await subscribedToBoth();

    unmount();

    await pusher.waitForJournal({ kind: 'connection', event: 'close', connection: socketId });
    expect(await pusher.connections()).toEqual([]);
    expect(await pusher.channels()).toEqual({ channels: {} });
  });
});

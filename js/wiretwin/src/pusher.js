// The Pusher twin's admin routes (/_wiretwin/pusher/...): publish as your server would,
// build channel state, close connections, read the recorder, and wait for deliveries.
import { AdminClient } from './admin.js';

function delivery(entry) {
  let frame = {};
  try {
    frame = JSON.parse(entry.data ?? '{}');
  } catch {
    // a frame that is not JSON is not a delivery; the wait filters by event already
  }
  let { data } = frame;
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data);
    } catch {
      // a string payload stays a string
    }
  }
  return {
    seq: entry.seq, socketId: entry.connection, event: frame.event ?? entry.event,
    channel: frame.channel ?? null, data, entry,
  };
}

export class PusherTwin extends AdminClient {
  /** @param {object} settings the `pusher` block of the settings file */
  constructor(settings, options = {}) {
    super(settings.admin_url, options);
    this.settings = settings;
  }

  /** `new Pusher(...pusher.pusherJs())`: pusher-js's key and options for this twin. */
  pusherJs(extra = {}) {
    const { key, options } = this.settings.pusher_js;
    return [key, { ...options, ...extra }];
  }

  /** Publish an event on one channel or several, as the Pusher HTTP API would (same
   * checks: a 400 AdminError for a bad channel name or too much data). */
  async trigger(channels, event, data, { socketId, app } = {}) {
    const body = { name: event, data, socket_id: socketId, app };
    if (Array.isArray(channels)) body.channels = channels;
    else body.channel = channels;
    await this.request('POST', '/pusher/events', { body });
  }

  /** Wait until `count` deliveries of `event` (on `channel`, to `socketId`, if given) were
   * written to a socket after `since` (a journalMark(); 0: since the last reset). */
  async waitForDelivery({ event, channel, socketId, since, count, timeout } = {}) {
    const entries = await this.waitForJournal({
      kind: 'frame', direction: 'out', event, connection: socketId, since, count, timeout,
      contains: channel === undefined ? undefined : `"channel":${JSON.stringify(channel)}`,
    });
    return entries.map(delivery);
  }

  apps() {
    return this.request('GET', '/pusher/apps');
  }

  channels({ prefix, info, app } = {}) {
    return this.request('GET', '/pusher/channels', {
      query: { prefix, info: info?.join(','), app },
    });
  }

  channel(name, { info, app } = {}) {
    return this.request('GET', `/pusher/channels/${encodeURIComponent(name)}`, {
      query: { info: info?.join(','), app },
    });
  }

  /** Put a member in a presence channel without a socket. */
  addMember(channel, userId, userInfo, { app } = {}) {
    return this.request(
      'PUT', `/pusher/channels/${encodeURIComponent(channel)}/members/${encodeURIComponent(userId)}`,
      { body: { user_info: userInfo }, query: { app } },
    );
  }

  async removeMember(channel, userId, { app } = {}) {
    await this.request(
      'DELETE', `/pusher/channels/${encodeURIComponent(channel)}/members/${encodeURIComponent(userId)}`,
      { query: { app } },
    );
  }

  connections() {
    return this.request('GET', '/pusher/connections');
  }

  /** Close a connection with a close code (4200: reconnect at once, by default). */
  async disconnect(socketId, { code, message, errorFirst } = {}) {
    await this.request('POST', `/pusher/connections/${encodeURIComponent(socketId)}/disconnect`, {
      body: { code, message, error_first: errorFirst },
    });
  }

  terminateUser(userId, { app } = {}) {
    return this.request('POST', `/pusher/users/${encodeURIComponent(userId)}/terminate`, {
      query: { app },
    });
  }

  triggered({ channel, name } = {}) {
    return this.request('GET', '/pusher/recorder/triggered', { query: { channel, name } });
  }

  deliveries({ socketId, channel, event } = {}) {
    return this.request('GET', '/pusher/recorder/deliveries', {
      query: { socket_id: socketId, channel, event },
    });
  }

  clientEvents() {
    return this.request('GET', '/pusher/recorder/client-events');
  }

  webhooks() {
    return this.request('GET', '/pusher/recorder/webhooks');
  }
}

// The Pusher view: apps, live connections, occupied channels with presence rosters and
// subscription counts, the live event stream, a form to trigger an event, and the
// webhooks sent with their answers.
import { registerView, api, el, attempt, notify, section, table, throttle } from '../console.js';
import { decode } from '../panels/journal.js';

const EVENTS_KEPT = 300;

function parseData(text) {
  try { return JSON.parse(text); } catch { return text; }
}

async function mount(root, ctx) {
  const appsBox = el('div', { 'data-test': 'pusher-apps' });
  const connectionsBox = el('div', { 'data-test': 'pusher-connections' });
  const channelsBox = el('div', { 'data-test': 'pusher-channels' });
  const webhooksBox = el('div', { 'data-test': 'pusher-webhooks' });
  const appSelect = el('select', { name: 'app', 'data-test': 'trigger-app' });

  // -- trigger ------------------------------------------------------------------------
  const channel = el('input', { name: 'channel', required: true, placeholder: 'my-channel',
    'data-test': 'trigger-channel' });
  const name = el('input', { name: 'name', required: true, placeholder: 'my-event', 'data-test': 'trigger-name' });
  const data = el('textarea', { name: 'data', 'data-test': 'trigger-data', text: '{"message": "hello"}' });
  const socketId = el('input', { name: 'socket_id', placeholder: 'socket id to leave out (optional)',
    'data-test': 'trigger-socket-id' });
  const trigger = el('form', { 'data-test': 'trigger-form', 'on:submit': (event) => {
    event.preventDefault();
    const body = { app: appSelect.value || undefined, channels: channel.value.split(',').map((c) => c.trim()).filter(Boolean),
      name: name.value.trim(), data: data.value };
    if (socketId.value.trim()) body.socket_id = socketId.value.trim();
    attempt(() => api('POST', '/pusher/events', body), `triggered ${body.name} on ${body.channels.join(', ')}`);
  } },
  el('div', { class: 'grid' },
    el('label', {}, 'app', appSelect),
    el('label', {}, 'channel(s), comma-separated', channel),
    el('label', {}, 'event name', name),
    el('label', {}, 'socket_id to exclude', socketId)),
  el('label', {}, 'data (sent as the event\'s data string, as Pusher\'s HTTP API takes it)', data),
  el('div', { class: 'row' }, el('button', { type: 'submit', 'data-test': 'trigger-submit', text: 'Trigger event' })));

  // -- live events --------------------------------------------------------------------
  const events = [];
  const eventFilter = el('input', { type: 'search', placeholder: 'channel or event contains',
    'data-test': 'events-filter', 'on:input': () => drawEvents() });
  const showInternal = el('input', { type: 'checkbox', 'data-test': 'events-internal',
    'on:change': () => drawEvents() });
  const eventRows = el('tbody', { 'data-test': 'events-rows' });
  function eventRow(e) {
    return el('tr', { 'data-test': 'event-row', 'data-event': e.event, 'data-channel': e.channel || '' },
      el('td', { text: e.direction === 'in' ? 'client → twin' : e.direction === 'out' ? 'twin → client' : 'HTTP API' }),
      el('td', { text: e.connection || '' }),
      el('td', { text: e.channel || '' }),
      el('td', { text: e.event }),
      el('td', {}, el('code', { text: typeof e.data === 'string' ? e.data : JSON.stringify(e.data) })));
  }
  function visible(e) {
    if (!showInternal.checked && /^pusher(_internal)?:(ping|pong)$/.test(e.event)) return false;
    const wanted = eventFilter.value.trim().toLowerCase();
    return !wanted || `${e.channel || ''} ${e.event}`.toLowerCase().includes(wanted);
  }
  function drawEvents() {
    eventRows.replaceChildren(...events.filter(visible).slice(-100).reverse().map(eventRow));
  }
  function addEvent(e) {
    events.push(e);
    if (events.length > EVENTS_KEPT) events.shift();
    if (visible(e)) {
      eventRows.prepend(eventRow(e));
      while (eventRows.children.length > 100) eventRows.lastChild.remove();
    }
  }
  function fromJournal(entry) {
    if (entry.kind === 'frame' && !entry.binary) {
      const frame = decode(entry);
      if (frame && typeof frame === 'object' && frame.event) {
        addEvent({ direction: entry.direction, connection: entry.connection, channel: frame.channel,
          event: frame.event, data: frame.data });
      }
    } else if (entry.kind === 'http' && /\/events$/.test(entry.detail.path || '') && entry.detail.method === 'POST') {
      const body = parseData(entry.detail.request_body || '');
      if (body && typeof body === 'object') {
        addEvent({ direction: 'api', connection: `HTTP ${entry.detail.status}`,
          channel: (body.channels || [body.channel]).join(', '), event: body.name, data: body.data });
      }
    }
  }

  // -- state --------------------------------------------------------------------------
  async function refresh() {
    const [apps, connections, webhooks] = await Promise.all([
      api('GET', '/pusher/apps'), api('GET', '/pusher/connections'), api('GET', '/pusher/recorder/webhooks')]);
    const chosen = appSelect.value;
    appSelect.replaceChildren(...apps.map((a) => el('option', { value: a.id, text: `${a.id} (${a.key})` })));
    if (chosen) appSelect.value = chosen;
    appsBox.replaceChildren(table(['id', 'key', 'name', 'enabled', 'client events', 'connections', 'channels'],
      apps.map((a) => [a.id, a.key, a.name || '', a.enabled ? 'yes' : 'no', a.client_events ? 'on' : 'off',
        String(a.connections), String(a.channels.length)]), 'apps-table'));
    connectionsBox.replaceChildren(table(['socket id', 'app', 'user', 'subscriptions', ''],
      connections.map((c) => [c.socket_id, c.app, c.user || '',
        el('span', {}, c.channels.map((ch) => el('span', { class: 'pill', text: ch }))),
        el('button', { 'data-test': 'connection-disconnect', 'data-socket-id': c.socket_id, text: 'Disconnect',
          'on:click': () => attempt(async () => {
            await api('POST', `/pusher/connections/${encodeURIComponent(c.socket_id)}/disconnect`, {});
            later();
          }, `disconnected ${c.socket_id}`) })]), 'connections-table'));
    const rows = [];
    for (const app of apps) {
      for (const ch of app.channels) {
        rows.push([ch.name, app.id, ch.kind + (ch.cache ? ' (cache)' : ''), String(ch.subscription_count),
          ch.members ? el('ul', { class: 'plain', 'data-test': 'presence-roster', 'data-channel': ch.name },
            Object.entries(ch.members).map(([uid, info]) => el('li', {}, el('strong', { text: uid }), ' ',
              el('code', { text: info === null || info === undefined ? '' : JSON.stringify(info) })))) : '']);
      }
    }
    channelsBox.replaceChildren(table(['channel', 'app', 'kind', 'subscriptions', 'presence members'], rows, 'channels-table'));
    webhooksBox.replaceChildren(table(['url', 'attempt', 'answer', 'events'],
      webhooks.slice(-50).reverse().map((w) => [w.url, String(w.attempt),
        w.status !== null ? `HTTP ${w.status}` : w.error ? `failed: ${w.error}` : 'waiting',
        el('code', { text: (w.body.events || []).map((e) => `${e.name} ${e.channel || ''}`).join('; ') })]),
      'webhooks-table'));
    root.dataset.loaded = String(Number(root.dataset.loaded || 0) + 1);
  }
  const later = throttle(() => refresh().catch((error) => notify(error.message, true)), 200);

  root.append(
    el('div', { class: 'columns' },
      section('Apps', 'section-apps', appsBox),
      section('Trigger an event', 'section-trigger', trigger)),
    el('div', { class: 'columns' },
      section('Connections', 'section-connections', connectionsBox),
      section('Channels', 'section-channels', channelsBox)),
    section('Live events', 'section-events',
      el('div', { class: 'toolbar' }, eventFilter, el('label', {}, showInternal, ' show pings')),
      el('div', { class: 'events' }, el('table', { 'data-test': 'events-table' },
        el('thead', {}, el('tr', {}, ['way', 'connection', 'channel', 'event', 'data'].map((c) => el('th', { text: c })))),
        eventRows))),
    section('Webhooks sent', 'section-webhooks', webhooksBox));

  await refresh();
  // Webhook answers arrive off the wire the journal sees: the clock's ticks catch them.
  ctx.live.on('clock', later);
  ctx.live.on('journal', (entry) => {
    fromJournal(entry);
    if (entry.kind !== 'frame' || !/ping|pong/.test(entry.data || '')) later();
  });
}

registerView('pusher', { title: 'Pusher', mount });


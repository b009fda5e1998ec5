// The Lavalink view: sessions and players, the playing track with its position moving on
// the twin's clock, pause, volume and filters; controls through the node's own REST API
// (PATCH /v4/sessions/{session}/players/{guild}, as a client would send it); a search
// form that loads from the twin's catalogue (GET /v4/loadtracks) and shows the answer.
import { registerView, api, el, attempt, notify, section, table, throttle, json } from '../console.js';

function clock(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

async function mount(root, ctx) {
  const { settings } = ctx.info;
  const version = `v${String(settings.version || '4').split('.')[0]}`;

  /** The node's REST API, with its password (what a client sends). */
  async function rest(method, path, body) {
    const init = { method, headers: { Authorization: settings.password } };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const response = await fetch(`/${version}${path}`, init);
    const text = await response.text();
    const data = text ? JSON.parse(text) : null;
    if (!response.ok) throw new Error(data && data.message ? `${response.status}: ${data.message}` : `${method} ${path}: ${response.status}`);
    return data;
  }

  const sessionsBox = el('div', { 'data-test': 'lavalink-sessions' });
  const choosing = new Map();
  const playersBox = el('div', { 'data-test': 'lavalink-players' });

  function playerCard(p) {
    const t = p.track;
    const length = t ? t.info.length : 0;
    const pct = t && !t.info.isStream && length ? Math.min(100, (p.position / length) * 100) : 0;
    // A value being chosen survives the refreshes (every clock tick redraws the card).
    const volume = el('input', { type: 'range', min: '0', max: '1000',
      value: String(choosing.get(p.guildId) ?? p.volume), 'data-test': 'player-volume-input',
      'on:input': () => choosing.set(p.guildId, volume.value) });
    const update = (body, done) => attempt(async () => {
      await rest('PATCH', `/sessions/${p.sessionId}/players/${p.guildId}`, body);
      later();
    }, done);
    return el('article', { class: 'card', 'data-test': 'player', 'data-guild': p.guildId },
      el('h3', {}, `Guild ${p.guildId} `, el('span', { class: 'muted', text: `session ${p.sessionId}` })),
      t ? el('div', {},
        el('div', { 'data-test': 'player-track' }, el('strong', { text: t.info.title }), ' — ', t.info.author,
          el('span', { class: 'muted', text: `  (${t.info.sourceName}${t.info.isStream ? ', stream' : ''})` })),
        el('div', { class: 'progress' }, el('div', { style: `width: ${pct}%` })),
        el('div', { class: 'row' },
          el('span', { 'data-test': 'player-position', 'data-ms': p.position, text: clock(p.position) }),
          el('span', { class: 'muted', text: `/ ${t.info.isStream ? 'live' : clock(length)}` }),
          p.endTime ? el('span', { class: 'muted', text: `ends at ${clock(p.endTime)}` }) : null))
        : el('p', { class: 'muted', 'data-test': 'player-track', text: 'Nothing playing' }),
      el('dl', { class: 'facts' },
        el('dt', { text: 'state' }), el('dd', { 'data-test': 'player-paused', text: p.paused ? 'paused' : 'playing' }),
        el('dt', { text: 'volume' }), el('dd', { 'data-test': 'player-volume', text: `${p.volume}%` }),
        el('dt', { text: 'voice' }), el('dd', { text: p.connected ? 'connected' : 'not connected' }),
        el('dt', { text: 'filters' }), el('dd', {}, Object.keys(p.filters || {}).length
          ? json(p.filters, 'player-filters') : el('span', { class: 'muted', 'data-test': 'player-filters', text: 'none' }))),
      el('div', { class: 'row' },
        el('button', { 'data-test': 'player-pause', text: p.paused ? 'Resume' : 'Pause',
          'on:click': () => update({ paused: !p.paused }, p.paused ? 'resumed' : 'paused') }),
        el('label', {}, 'volume ', volume),
        el('button', { 'data-test': 'player-volume-set', text: 'Set volume',
          'on:click': () => {
            choosing.delete(p.guildId);
            update({ volume: Number(volume.value) }, `volume ${volume.value}%`);
          } }),
        el('button', { 'data-test': 'player-stop', text: 'Stop track',
          'on:click': () => update({ track: { encoded: null } }, 'stopped') })));
  }

  async function refresh() {
    const [sessions, players] = await Promise.all([api('GET', '/lavalink/sessions'), api('GET', '/lavalink/players')]);
    sessionsBox.replaceChildren(table(['session', 'user', 'client', 'attached', 'resuming', 'players'],
      sessions.map((s) => [s.id, String(s.userId), s.clientName || '', s.attached ? 'yes' : 'no',
        s.resuming ? `yes (${s.timeout} s)` : 'no', s.players.join(', ')]), 'sessions-table'));
    playersBox.replaceChildren(...(players.length ? players.map(playerCard)
      : [el('p', { class: 'muted', text: 'No players yet: a client creates one when it plays.' })]));
    root.dataset.loaded = String(Number(root.dataset.loaded || 0) + 1);
  }
  const later = throttle(() => refresh().catch((error) => notify(error.message, true)), 100);

  // -- search -------------------------------------------------------------------------
  const identifier = el('input', { name: 'identifier', required: true, value: 'ytsearch:never gonna give you up',
    'data-test': 'search-identifier', size: 40 });
  const answer = el('div', { 'data-test': 'search-answer' });
  const search = el('form', { class: 'row', 'data-test': 'search-form', 'on:submit': (event) => {
    event.preventDefault();
    attempt(async () => {
      const result = await rest('GET', `/loadtracks?identifier=${encodeURIComponent(identifier.value)}`);
      const tracks = result.loadType === 'search' ? result.data
        : result.loadType === 'track' ? [result.data]
          : result.loadType === 'playlist' ? result.data.tracks : [];
      answer.replaceChildren(
        el('p', { 'data-test': 'search-load-type', text: `loadType: ${result.loadType}` +
          (result.loadType === 'playlist' ? ` — ${result.data.info.name}` : '') +
          (result.loadType === 'error' ? ` — ${result.data.message}` : '') }),
        table(['title', 'author', 'length', 'source', 'identifier'], tracks.map((t) => [t.info.title,
          t.info.author, t.info.isStream ? 'live' : clock(t.info.length), t.info.sourceName, t.info.identifier]),
        'search-results'),
        el('details', {}, el('summary', { text: 'raw answer' }), json(result, 'search-raw')));
    });
  } },
  el('label', {}, 'identifier or search ', identifier),
  el('button', { type: 'submit', 'data-test': 'search-submit', text: 'Load' }));

  root.append(
    section('Sessions', 'section-sessions', sessionsBox),
    section('Players', 'section-players', playersBox),
    section('Load tracks from the catalogue', 'section-search',
      el('p', { class: 'muted', text: 'Prefixes: ytsearch:, ytmsearch:, scsearch:, or a URL. ' +
        'The twin answers from its catalogue as GET /v4/loadtracks would.' }), search, answer));

  await refresh();
  ctx.live.on('clock', later);
  ctx.live.on('journal', (entry) => {
    if (entry.kind !== 'frame' || entry.direction === 'out') later();
  });
}

registerView('lavalink', { title: 'Lavalink', mount });

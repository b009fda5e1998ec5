// The journal, live: every HTTP exchange, websocket frame (both ways), connection and
// fault firing, decoded, filterable by kind, direction and text, with a pause.
import { api, el, attempt } from '../console.js';

/** Dispatched on document when the twin's journal was emptied. */
export const CLEARED = 'wiretwin:journal-cleared';
const KEEP = 2000;     // entries held in the page
const SHOWN = 500;     // rows drawn at most (the newest that match)

/** A frame's payload decoded: JSON parsed, and a JSON string inside it (Pusher's
 *  `data`) parsed too. */
export function decode(entry) {
  if (entry.binary) return `(binary, ${entry.data ? Math.floor(entry.data.length * 3 / 4) : 0} bytes)`;
  let value = entry.data;
  if (typeof value !== 'string') return value;
  try { value = JSON.parse(value); } catch { return value; }
  if (value && typeof value === 'object' && typeof value.data === 'string') {
    try { value = { ...value, data: JSON.parse(value.data) }; } catch { /* text */ }
  }
  return value;
}

export function summary(entry) {
  const d = entry.detail || {};
  switch (entry.kind) {
    case 'http': return `${d.method} ${d.path}${d.query && Object.keys(d.query).length ? '?…' : ''} → ${d.status}`;
    case 'frame': {
      // Decoded: a Pusher event's data string shows as the JSON it holds.
      const decoded = decode(entry);
      const text = typeof decoded === 'string' ? decoded : JSON.stringify(decoded);
      return `${entry.event ? entry.event + '  ' : ''}${text.length > 160 ? text.slice(0, 160) + '…' : text}`;
    }
    case 'connection': return `${entry.event} ${d.path || ''}${d.code ? ' code ' + d.code : ''}${d.initiator ? ' by ' + d.initiator : ''}`;
    case 'fault': return `fault ${entry.event}: ${d.action || ''} ${JSON.stringify(d)}`;
    case 'dropped': return `${d.count} older entries dropped`;
    default: return `${entry.event || ''} ${JSON.stringify(d)}`;
  }
}

function clockText(seconds) {
  return new Date(seconds * 1000).toISOString().slice(11, 23);
}

export async function mountJournal(root, ctx) {
  const entries = [];
  const seen = new Set();
  let paused = false;
  let held = 0;
  let selected = null;

  const kind = el('select', { 'data-test': 'journal-kind', 'on:change': () => draw() },
    ['', 'http', 'frame', 'connection', 'fault', 'note'].map((k) =>
      el('option', { value: k, text: k || 'every kind' })));
  const direction = el('select', { 'data-test': 'journal-direction', 'on:change': () => draw() },
    [['', 'both ways'], ['in', 'in (client → twin)'], ['out', 'out (twin → client)']].map(
      ([v, t]) => el('option', { value: v, text: t })));
  const text = el('input', { type: 'search', placeholder: 'filter text', 'data-test': 'journal-text',
    'on:input': () => draw() });
  const pause = el('button', { 'data-test': 'journal-pause', text: 'Pause',
    'on:click': () => {
      paused = !paused;
      pause.textContent = paused ? 'Resume' : 'Pause';
      if (!paused) { held = 0; draw(); }
      counter();
    } });
  const clear = el('button', { 'data-test': 'journal-clear', text: 'Clear',
    'on:click': () => attempt(async () => {
      await api('DELETE', '/journal');
      document.dispatchEvent(new CustomEvent(CLEARED));
    }, 'journal emptied') });
  // The twin's journal was emptied (here, or by a reset from the snapshots panel).
  document.addEventListener(CLEARED, () => {
    entries.length = 0;
    seen.clear();
    held = 0;
    draw();
  });
  const count = el('span', { class: 'muted', 'data-test': 'journal-count' });
  const body = el('tbody', { 'data-test': 'journal-rows' });
  const detail = el('pre', { class: 'json detail', 'data-test': 'journal-detail',
    text: 'Select an entry to see it whole.' });

  root.append(
    el('div', { class: 'toolbar' }, kind, direction, text, pause, clear, count),
    el('div', { class: 'split' },
      el('div', { class: 'scroll' }, el('table', { class: 'journal', 'data-test': 'journal-table' },
        el('thead', {}, el('tr', {}, ['#', 'twin time', 'kind', 'conn', '', 'what'].map(
          (c) => el('th', { text: c })))),
        body)),
      detail));

  function counter() {
    count.textContent = `${entries.length} entries${paused ? ` · paused (${held} new)` : ''}`;
  }

  function matches(entry) {
    if (kind.value && entry.kind !== kind.value) return false;
    if (direction.value && entry.direction !== direction.value) return false;
    const wanted = text.value.trim().toLowerCase();
    if (!wanted) return true;
    const hay = `${summary(entry)} ${entry.connection || ''} ${entry.event || ''} ${
      entry.kind === 'http' ? JSON.stringify(entry.detail) : ''}`.toLowerCase();
    return hay.includes(wanted);
  }

  function row(entry) {
    const arrow = entry.direction === 'in' ? '→' : entry.direction === 'out' ? '←' : '';
    const tr = el('tr', {
      class: `kind-${entry.kind}${entry.direction ? ' dir-' + entry.direction : ''}`,
      'data-test': 'journal-row', 'data-kind': entry.kind, 'data-seq': entry.seq,
      'data-direction': entry.direction || '',
      'on:click': () => {
        selected = entry.seq;
        for (const other of body.querySelectorAll('tr.selected')) other.classList.remove('selected');
        tr.classList.add('selected');
        const shown = { ...entry };
        if (entry.kind === 'frame') shown.decoded = decode(entry);
        detail.textContent = JSON.stringify(shown, null, 2);
      },
    },
    el('td', { text: entry.seq }), el('td', { text: clockText(entry.twin_time) }),
    el('td', {}, el('span', { class: `badge ${entry.kind}`, text: entry.kind === 'fault' ? '⚡ fault' : entry.kind })),
    el('td', { text: entry.connection || '' }),
    el('td', { class: 'arrow', title: entry.direction === 'in' ? 'client → twin' : 'twin → client', text: arrow }),
    el('td', { class: 'what', text: summary(entry) }));
    if (entry.seq === selected) tr.classList.add('selected');
    return tr;
  }

  function draw() {
    const rows = [];
    for (let i = entries.length - 1; i >= 0 && rows.length < SHOWN; i -= 1) {
      if (matches(entries[i])) rows.push(row(entries[i]));
    }
    body.replaceChildren(...rows);
    counter();
  }

  function add(entry) {
    if (entry.kind !== 'dropped' && seen.has(entry.seq)) return;
    seen.add(entry.seq);
    entries.push(entry);
    if (entries.length > KEEP) seen.delete(entries.shift().seq);
    if (paused) { held += 1; counter(); return; }
    if (matches(entry)) {
      body.prepend(row(entry));
      while (body.children.length > SHOWN) body.lastChild.remove();
    }
    counter();
  }

  // Live first, then the history: nothing recorded in between is missed (seq dedups).
  const early = [];
  let loaded = false;
  ctx.live.on('journal', (entry) => (loaded ? add(entry) : early.push(entry)));
  ctx.live.on('gap', (gap) => {
    add({ seq: `gap-${Date.now()}`, kind: 'note', event: 'gap', twin_time: Date.now() / 1000,
      detail: { missed: gap.missed, why: 'the page fell behind; reload for the whole journal' } });
  });
  const history = await api('GET', `/journal?limit=${KEEP}`);
  for (const entry of history) add(entry);
  loaded = true;
  for (const entry of early) add(entry);
  draw();
}

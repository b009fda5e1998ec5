// Faults: the active ones (with how often each matched and fired), a form to apply any
// fault type with its parameters and scope, and buttons to remove one or all.
import { api, el, attempt, table, throttle } from '../console.js';

const COMMON = ['name', 'probability', 'after', 'times'];
const SCOPE = [['route', 'HTTP route pattern, e.g. /apps/*/events'],
  ['event', 'frame label pattern, e.g. pusher:pong or client-*'],
  ['connection', 'connection id'], ['direction', 'in or out']];

function input(name, value, type, testName) {
  if (typeof value === 'boolean' || type === 'bool') {
    return el('input', { type: 'checkbox', name, checked: value, 'data-test': testName });
  }
  const numeric = typeof value === 'number' || /^(int|float)\b/.test(type || '');
  return el('input', { name, type: numeric ? 'number' : 'text', step: 'any',
    value: value === null ? '' : value, placeholder: value === null ? 'none' : '',
    'data-test': testName });
}

function read(field, spec) {
  if (field.type === 'checkbox') return field.checked;
  const value = field.value.trim();
  if (value === '') return undefined;
  const type = (spec.types || {})[field.name] || '';
  if (field.type === 'number' || /^(int|float)\b/.test(type)) return Number(value);
  return value;
}

export async function mountFaults(root, ctx) {
  const types = ctx.info.fault_types || {};
  const list = el('div', { 'data-test': 'faults-list' });
  const type = el('select', { 'data-test': 'fault-type', 'on:change': () => params() },
    Object.keys(types).map((t) => el('option', { value: t, text: t })));
  const help = el('p', { class: 'muted', 'data-test': 'fault-help' });
  const fields = el('div', { class: 'grid' });

  function params() {
    const spec = types[type.value] || { doc: '', fields: {} };
    help.textContent = spec.doc;
    const own = Object.entries(spec.fields).filter(([n]) => !COMMON.includes(n) && n !== 'scope');
    fields.replaceChildren(
      ...[...COMMON.map((n) => [n, spec.fields[n]]), ...own].map(([name, value]) =>
        el('label', {}, name, input(name, value === undefined ? null : value, (spec.types || {})[name],
          `fault-field-${name}`))),
      ...SCOPE.map(([name, hint]) => el('label', {}, `scope.${name}`,
        el('input', { name: `scope.${name}`, placeholder: hint, 'data-test': `fault-scope-${name}` }))));
  }

  async function refresh() {
    const faults = await api('GET', '/faults');
    list.replaceChildren(table(['name', 'type', 'scope', 'parameters', 'matched', 'fired', ''],
      faults.map((f) => {
        const { name, type: kind, scope, matched, fired, ...rest } = f;
        return [name, kind, JSON.stringify(scope), JSON.stringify(rest), String(matched), String(fired),
          el('button', { 'data-test': 'fault-remove', 'data-name': name, text: 'Remove',
            'on:click': () => attempt(async () => {
              await api('DELETE', `/faults/${encodeURIComponent(name)}`);
              await refresh();
            }, `fault ${name} removed`) })];
      }), 'faults-table'));
  }

  const form = el('form', { 'data-test': 'fault-form', 'on:submit': (event) => {
    event.preventDefault();
    const spec = types[type.value] || { fields: {} };
    const body = { type: type.value };
    const scope = {};
    for (const field of fields.querySelectorAll('input')) {
      const value = read(field, spec);
      if (value === undefined) continue;
      if (field.name.startsWith('scope.')) scope[field.name.slice(6)] = value;
      else body[field.name] = value;
    }
    if (Object.keys(scope).length) body.scope = scope;
    attempt(async () => {
      const added = await api('POST', '/faults', body);
      await refresh();
      return added;
    }, `fault ${type.value} applied`);
  } },
  el('div', { class: 'row' }, el('label', {}, 'Fault type ', type),
    el('button', { type: 'submit', 'data-test': 'fault-apply', text: 'Apply' })),
  help, fields);

  root.append(
    el('section', { class: 'card' }, el('h3', { text: 'Active faults' }),
      el('div', { class: 'row' }, el('button', { 'data-test': 'faults-clear', text: 'Clear all',
        'on:click': () => attempt(async () => { await api('DELETE', '/faults'); await refresh(); },
          'faults cleared') })), list),
    el('section', { class: 'card' }, el('h3', { text: 'Apply a fault' }), form));
  params();
  await refresh();
  const later = throttle(() => refresh().catch(() => {}), 250);
  ctx.live.on('journal', (entry) => { if (entry.kind === 'fault') later(); });
}

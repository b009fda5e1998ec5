// The console's frame: reads /ui/info, loads the service's view (views/<service>.js),
// and puts it beside the panels every twin has (journal, clock, faults, snapshots), one
// tab each.
import { api, el, live, notify, views } from './console.js';
import { mountJournal } from './panels/journal.js';
import { mountClock } from './panels/clock.js';
import { mountFaults } from './panels/faults.js';
import { mountSnapshots } from './panels/snapshots.js';

const panels = [
  { id: 'journal', title: 'Journal', mount: mountJournal },
  { id: 'clock', title: 'Clock', mount: mountClock },
  { id: 'faults', title: 'Faults', mount: mountFaults },
  { id: 'snapshots', title: 'Snapshots', mount: mountSnapshots },
];

async function start() {
  let info;
  try {
    info = await api('GET', '/ui/info');
  } catch (error) {
    notify(`${error.message} (open the console as /_wiretwin/ui?token=<admin token>)`, true);
    return;
  }
  document.title = `wiretwin ${info.service} console`;
  document.querySelector('[data-test="service"]').textContent =
    `${info.service} twin · ${info.url} · wiretwin ${info.version}`;
  const state = document.querySelector('[data-test="live"]');
  live.on('open', () => { state.textContent = 'live'; state.className = 'live on'; });
  live.on('error', () => { state.textContent = 'reconnecting'; state.className = 'live'; });

  const tabs = [];
  try {
    await import(`./views/${info.service}.js`);
  } catch (error) {
    notify(`the ${info.service} view failed to load: ${error.message}`, true);
  }
  const view = views.get(info.service);
  if (view) tabs.push({ id: info.service, title: view.title || info.service, mount: view.mount });
  tabs.push(...panels);

  const nav = document.querySelector('[data-test="tabs"]');
  const main = document.querySelector('[data-test="main"]');
  const ctx = { info, api, live, el };
  const mounted = new Map();
  const show = async (id) => {
    for (const button of nav.children) button.classList.toggle('active', button.dataset.tab === id);
    for (const [tabId, root] of mounted) root.hidden = tabId !== id;
    if (!mounted.has(id)) {
      const tab = tabs.find((t) => t.id === id);
      const root = el('div', { class: 'tab', 'data-test': `tab-${id}` });
      mounted.set(id, root);
      main.append(root);
      try {
        await tab.mount(root, ctx);
      } catch (error) {
        root.append(el('p', { class: 'error', text: `${tab.title}: ${error.message}` }));
      }
      root.dataset.ready = 'true';
    }
    if (location.hash !== `#${id}`) history.replaceState(null, '', `#${id}`);
  };
  for (const tab of tabs) {
    nav.append(el('button', { 'data-test': `tab-button-${tab.id}`, 'data-tab': tab.id,
      'on:click': () => show(tab.id), text: tab.title }));
  }
  const wanted = location.hash.slice(1);
  await show(tabs.some((t) => t.id === wanted) ? wanted : tabs[0].id);
  document.body.dataset.ready = 'true';
}

start();

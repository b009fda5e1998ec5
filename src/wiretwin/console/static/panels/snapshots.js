// Snapshots: save the twin's whole state, restore one, download it as JSON, upload one;
// and reset the twin to the state it was built with.
import { api, el, attempt, table } from '../console.js';
import { CLEARED } from './journal.js';

export async function mountSnapshots(root, ctx) {
  const saved = [];
  const list = el('div', { 'data-test': 'snapshots-list' });
  const label = el('input', { placeholder: 'label (optional)', 'data-test': 'snapshot-label' });
  const file = el('input', { type: 'file', accept: 'application/json,.json', 'data-test': 'snapshot-file' });

  function download(snapshot, name) {
    const blob = new Blob([JSON.stringify(snapshot, null, 2)], { type: 'application/json' });
    const link = el('a', { href: URL.createObjectURL(blob), download: `${name}.json` });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 0);
  }

  function draw() {
    list.replaceChildren(table(['label', 'saved at', 'size', ''], saved.map((s, index) => [
      s.label, s.at, `${s.size} bytes`,
      el('span', { class: 'row' },
        el('button', { 'data-test': 'snapshot-restore', 'data-index': index, text: 'Restore',
          'on:click': () => attempt(() => api('PUT', '/snapshot', s.snapshot), `restored ${s.label}`) }),
        el('button', { 'data-test': 'snapshot-download', 'data-index': index, text: 'Download',
          'on:click': () => download(s.snapshot, `${ctx.info.service}-${s.label}`) })),
    ]), 'snapshots-table'));
  }

  const save = el('button', { 'data-test': 'snapshot-save', text: 'Save snapshot',
    'on:click': () => attempt(async () => {
      const snapshot = await api('GET', '/snapshot');
      saved.push({ label: label.value.trim() || `snapshot ${saved.length + 1}`,
        at: new Date().toLocaleTimeString(), size: JSON.stringify(snapshot).length, snapshot });
      label.value = '';
      draw();
    }, 'snapshot saved') });
  const upload = el('button', { 'data-test': 'snapshot-upload', text: 'Restore from file',
    'on:click': () => attempt(async () => {
      if (!file.files.length) throw new Error('choose a snapshot file first');
      const snapshot = JSON.parse(await file.files[0].text());
      await api('PUT', '/snapshot', snapshot);
      saved.push({ label: file.files[0].name, at: new Date().toLocaleTimeString(),
        size: JSON.stringify(snapshot).length, snapshot });
      draw();
    }, 'snapshot restored from file') });
  const reset = el('button', { 'data-test': 'twin-reset', class: 'danger', text: 'Reset twin',
    'on:click': () => attempt(async () => {
      await api('POST', '/reset', {});
      document.dispatchEvent(new CustomEvent(CLEARED));
    }, 'twin reset to its starting state') });

  root.append(
    el('section', { class: 'card' }, el('h3', { text: 'Snapshots' }),
      el('p', { class: 'muted', text: 'Saved snapshots live in this page until it is reloaded; ' +
        'download one to keep it.' }),
      el('div', { class: 'row' }, label, save), list),
    el('section', { class: 'card' }, el('h3', { text: 'Upload' }), el('div', { class: 'row' }, file, upload)),
    el('section', { class: 'card' }, el('h3', { text: 'Reset' }),
      el('p', { class: 'muted', text: 'Faults removed, connections closed, state as built, journal emptied.' }),
      reset));
  draw();
}

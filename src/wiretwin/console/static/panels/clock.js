// The twin's clock: its time, and, when it is virtual, a way to move it forward.
import { api, el, attempt } from '../console.js';

export function formatTime(seconds) {
  return new Date(seconds * 1000).toISOString().replace('T', ' ').replace('Z', ' UTC');
}

export async function mountClock(root, ctx) {
  const time = el('div', { class: 'big', 'data-test': 'clock-time' });
  const facts = el('dl', { class: 'facts', 'data-test': 'clock-facts' });
  const seconds = el('input', { type: 'number', min: '0', step: 'any', value: '1',
    'data-test': 'clock-seconds' });
  const result = el('p', { class: 'muted', 'data-test': 'clock-result' });
  const advance = async (by) => attempt(async () => {
    const answer = await api('POST', '/clock/advance', { seconds: Number(by) });
    result.textContent = `advanced ${by} s: ${answer.fired} timer(s) fired`;
    show(await api('GET', '/clock'));
  });
  const form = el('form', { class: 'row', 'data-test': 'clock-form',
    'on:submit': (event) => { event.preventDefault(); advance(seconds.value); } },
  el('label', {}, 'Advance by ', seconds, ' seconds '),
  el('button', { type: 'submit', 'data-test': 'clock-advance', text: 'Advance' }),
  ...[1, 10, 60, 3600].map((s) => el('button', { type: 'button', 'data-test': `clock-advance-${s}`,
    text: `+${s >= 3600 ? s / 3600 + ' h' : s >= 60 ? s / 60 + ' min' : s + ' s'}`,
    'on:click': () => advance(s) })));
  const realNote = el('p', { class: 'muted', 'data-test': 'clock-real',
    text: 'This twin runs on the real clock: start it with a virtual clock ' +
      '(wiretwin serve --virtual-clock, or VirtualClock() in a test) to move time by hand.' });

  function show(clock) {
    time.textContent = formatTime(clock.time);
    time.dataset.monotonic = clock.monotonic;
    facts.replaceChildren(
      el('dt', { text: 'kind' }), el('dd', { 'data-test': 'clock-kind', text: clock.virtual ? 'virtual' : 'real' }),
      el('dt', { text: 'monotonic' }), el('dd', { text: `${clock.monotonic.toFixed(3)} s` }),
      ...(clock.virtual ? [
        el('dt', { text: 'pending timers' }), el('dd', { text: clock.pending_timers }),
        el('dt', { text: 'next timer in' }),
        el('dd', { text: clock.next_due === null ? 'none' : `${clock.next_due.toFixed(3)} s` }),
      ] : []));
    form.hidden = !clock.virtual;
    realNote.hidden = clock.virtual;
  }
  root.append(el('section', { class: 'card' }, el('h3', { text: 'Clock' }), time, facts, form, realNote, result));
  show(ctx.info.clock);
  ctx.live.on('clock', show);
}

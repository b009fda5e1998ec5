// The forms a user fills in: a slash command's options (built from the command's option
// schema: subcommands, types, choices, ranges, channel types, autocomplete) and a modal
// the bot opened (text inputs, selects, radio and checkbox groups, checkboxes, file
// uploads). They collect JSON as the admin API takes it; the view sends it.
import { el } from '../../console.js';
import { displayName } from './messages.js';

const TYPE_NAMES = { 3: 'text', 4: 'integer', 5: 'true/false', 6: 'user', 7: 'channel', 8: 'role',
  9: 'user or role', 10: 'number', 11: 'file' };

/** A File as the admin API takes one: {filename, content_base64}. */
export function readFile(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve({ filename: file.name, content_base64: String(reader.result).split(',')[1] || '' });
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

function choicesOf(names, kind, channelTypes) {
  const users = names.members().map((m) => ({ value: m.user.id, label: `@${displayName(m.user, m)}` }));
  const roles = names.roles().filter((r) => r.name !== '@everyone').map((r) => ({ value: r.id, label: `@${r.name}` }));
  if (kind === 6) return users;
  if (kind === 8) return roles;
  if (kind === 9) return [...users, ...roles];
  return names.channels().filter((c) => !channelTypes || channelTypes.includes(c.type))
    .map((c) => ({ value: c.id, label: `#${c.name}` }));
}

function pickList(attrs, choices, blank) {
  return el('select', attrs, el('option', { value: '', text: blank }),
    choices.map((c) => el('option', { value: c.value, text: c.label })));
}

// -- slash commands ---------------------------------------------------------------------

/** Every runnable path of a command: [{path: "config set", options: [...]}, ...]. */
export function leaves(command) {
  const options = command.options || [];
  const subs = options.filter((o) => o.type === 1 || o.type === 2);
  if (!subs.length) return [{ path: command.name, description: command.description, options }];
  const out = [];
  for (const sub of subs) {
    if (sub.type === 1) out.push({ path: `${command.name} ${sub.name}`, description: sub.description, options: sub.options || [] });
    else {
      for (const inner of (sub.options || []).filter((o) => o.type === 1)) {
        out.push({ path: `${command.name} ${sub.name} ${inner.name}`, description: inner.description, options: inner.options || [] });
      }
    }
  }
  return out;
}

/** One option's input. Returns {node, read(): Promise<value|undefined>}. */
function optionField(option, names, suggest) {
  const attrs = { 'data-test': 'discord-option', 'data-option': option.name, name: option.name };
  let control;
  let read;
  if (option.choices && option.choices.length) {
    control = pickList(attrs, option.choices.map((c) => ({ value: String(c.value), label: c.name })), '(choose)');
    read = async () => {
      if (!control.value) return undefined;
      const picked = option.choices.find((c) => String(c.value) === control.value);
      return picked ? picked.value : control.value;
    };
  } else if (option.type === 5) {
    control = el('select', attrs, el('option', { value: '', text: '(unset)' }),
      el('option', { value: 'true', text: 'true' }), el('option', { value: 'false', text: 'false' }));
    read = async () => (control.value ? control.value === 'true' : undefined);
  } else if ([6, 7, 8, 9].includes(option.type)) {
    control = pickList(attrs, choicesOf(names, option.type, option.channel_types), '(choose)');
    read = async () => control.value || undefined;
  } else if (option.type === 11) {
    control = el('input', { ...attrs, type: 'file' });
    read = async () => (control.files && control.files[0] ? readFile(control.files[0]) : undefined);
  } else if (option.type === 4 || option.type === 10) {
    control = el('input', { ...attrs, type: 'number', step: option.type === 4 ? '1' : 'any',
      min: option.min_value, max: option.max_value });
    read = async () => {
      if (control.value === '') return undefined;
      return option.type === 4 ? parseInt(control.value, 10) : Number(control.value);
    };
  } else {
    control = el('input', { ...attrs, type: 'text', minlength: option.min_length, maxlength: option.max_length });
    read = async () => (control.value === '' ? undefined : control.value);
  }
  const label = el('label', { class: 'dc-option' },
    el('span', {}, el('strong', { text: option.name }), option.required ? el('span', { class: 'dc-required', text: ' *' }) : null,
      el('span', { class: 'muted', text: ` ${TYPE_NAMES[option.type] || ''}${option.description ? ' · ' + option.description : ''}` })),
    control);
  if (option.autocomplete && control.tagName === 'INPUT') {
    const list = el('datalist', { id: `dc-ac-${option.name}-${Math.random().toString(36).slice(2)}` });
    control.setAttribute('list', list.id);
    const ask = el('button', { type: 'button', class: 'dc-tool', 'data-test': 'discord-autocomplete',
      'data-option': option.name, text: 'Suggest',
      'on:click': async () => {
        const choices = await suggest(option.name, control.value);
        list.replaceChildren(...(choices || []).map((c) => el('option', { value: String(c.value), text: c.name })));
        label.dataset.suggested = String((choices || []).length);
      } });
    label.append(el('span', { class: 'row' }, ask), list);
  }
  return { node: label, read, option };
}

/** The slash command form: pick a command (and subcommand), fill its options, run it.
 *  `run(path, options)` and `suggest(path, focused, value, options)` return promises. */
export function commandForm(commands, names, { run, suggest }) {
  const slash = commands.filter((c) => (c.type || 1) === 1);
  const paths = slash.flatMap(leaves);
  const picker = el('select', { 'data-test': 'discord-command' },
    el('option', { value: '', text: paths.length ? 'Run a slash command…' : 'the bot registered no slash commands' }),
    paths.map((p) => el('option', { value: p.path, text: `/${p.path}${p.description ? ' — ' + p.description : ''}` })));
  const fields = el('div', { class: 'dc-options', 'data-test': 'discord-options' });
  const runButton = el('button', { type: 'submit', 'data-test': 'discord-run-command', text: 'Run', disabled: true });
  let current = [];
  const collect = async (skip) => {
    const options = {};
    for (const field of current) {
      if (field.option.name === skip) continue;
      const value = await field.read();
      if (value !== undefined) options[field.option.name] = value;
    }
    return options;
  };
  picker.addEventListener('change', () => {
    const leaf = paths.find((p) => p.path === picker.value);
    current = leaf ? leaf.options.map((o) => optionField(o, names, async (focused, value) =>
      suggest(leaf.path, focused, value, await collect(focused)))) : [];
    fields.replaceChildren(...current.map((f) => f.node));
    runButton.disabled = !leaf;
    form.dataset.command = leaf ? leaf.path : '';
  });
  const form = el('form', { class: 'dc-command-form', 'data-test': 'discord-command-form',
    'on:submit': async (event) => {
      event.preventDefault();
      if (!picker.value) return;
      runButton.disabled = true;
      try {
        await run(picker.value, await collect());
      } finally {
        runButton.disabled = false;
      }
    } },
  el('div', { class: 'row' }, picker, runButton), fields);
  return form;
}

// -- modals -----------------------------------------------------------------------------

/** One modal field. Returns {node, read(): Promise<[custom_id, value] | null>}. */
function modalField(component, label, description, names) {
  const id = component.custom_id;
  const attrs = { 'data-test': 'discord-modal-field', 'data-custom-id': id, name: id };
  let control;
  let read;
  const required = component.required !== false;
  switch (component.type) {
    case 4:
      control = component.style === 2
        ? el('textarea', { ...attrs, placeholder: component.placeholder, minlength: component.min_length,
          maxlength: component.max_length, required, text: component.value || '' })
        : el('input', { ...attrs, type: 'text', placeholder: component.placeholder, minlength: component.min_length,
          maxlength: component.max_length, required, value: component.value || '' });
      read = async () => [id, control.value];
      label = label || component.label;
      break;
    case 3: case 5: case 6: case 7: case 8: {
      const many = (component.max_values || 1) > 1;
      const choices = component.type === 3
        ? (component.options || []).map((o) => ({ value: o.value, label: o.label }))
        : choicesOf(names, { 5: 6, 6: 8, 7: 9, 8: 7 }[component.type], component.channel_types);
      control = el('select', { ...attrs, multiple: many },
        many ? null : el('option', { value: '', text: component.placeholder || '(choose)' }),
        choices.map((c) => el('option', { value: c.value, text: c.label })));
      read = async () => [id, [...control.selectedOptions].map((o) => o.value).filter(Boolean)];
      break;
    }
    case 19:
      control = el('input', { ...attrs, type: 'file', multiple: (component.max_values || 1) > 1 });
      read = async () => [id, await Promise.all([...(control.files || [])].map(readFile))];
      break;
    case 21: case 22: {
      const kind = component.type === 21 ? 'radio' : 'checkbox';
      const boxes = (component.options || []).map((o) => el('label', { class: 'dc-check' },
        el('input', { type: kind, name: id, value: o.value, checked: Boolean(o.default),
          'data-test': 'discord-modal-option', 'data-custom-id': id }), o.label));
      control = el('div', { ...attrs, class: 'dc-choices' }, boxes);
      read = async () => {
        const picked = [...control.querySelectorAll('input:checked')].map((i) => i.value);
        return [id, kind === 'radio' ? (picked[0] ?? null) : picked];
      };
      break;
    }
    case 23:
      control = el('input', { ...attrs, type: 'checkbox', checked: Boolean(component.default) });
      read = async () => [id, control.checked];
      break;
    default:
      return { node: el('div', { class: 'muted', text: `(field type ${component.type})` }), read: async () => null };
  }
  return {
    node: el('label', { class: 'dc-option' }, el('strong', { text: label || id }),
      description ? el('span', { class: 'muted', text: description }) : null, control),
    read,
  };
}

/** The modal the bot opened for the user (`opened` as GET users/{user}/modals lists it):
 *  `submit(values)` sends it; `close()` puts it away (it stays open for the user). */
export function modalDialog(opened, names, { submit, close }) {
  const modal = opened.modal || {};
  const fields = [];
  const body = [];
  for (const row of modal.components || []) {
    if (row.type === 1) {
      for (const inner of row.components || []) {
        const field = modalField(inner, null, null, names);
        fields.push(field);
        body.push(field.node);
      }
    } else if (row.type === 18 && row.component) {
      const field = modalField(row.component, row.label, row.description, names);
      fields.push(field);
      body.push(field.node);
    } else if (row.type === 10) {
      body.push(el('p', { class: 'dc-modal-text', text: row.content || '' }));
    }
  }
  const sendButton = el('button', { type: 'submit', 'data-test': 'discord-modal-submit', text: 'Submit' });
  const form = el('form', { class: 'dc-modal', 'data-test': 'discord-modal', 'data-interaction-id': opened.interaction_id,
    'data-custom-id': modal.custom_id || '',
    'on:submit': async (event) => {
      event.preventDefault();
      const values = {};
      for (const field of fields) {
        const pair = await field.read();
        if (pair) values[pair[0]] = pair[1];
      }
      sendButton.disabled = true;
      try {
        await submit(values);
      } finally {
        sendButton.disabled = false;
      }
    } },
  el('h3', { 'data-test': 'discord-modal-title', text: modal.title || 'Form' }),
  body,
  el('div', { class: 'row' },
    el('button', { type: 'button', 'data-test': 'discord-modal-close', text: 'Cancel', 'on:click': close }),
    sendButton));
  return el('div', { class: 'dc-modal-backdrop', 'data-test': 'discord-modal-backdrop' }, form);
}

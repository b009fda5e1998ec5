// A message as a user sees it in the Discord client: author (nick and role colour), the
// reply it answers, the command it answers, markdown content, embeds, attachments,
// components (v1 action rows with buttons and selects; v2 containers, sections, text,
// separators, media galleries, files), polls with their counts, reactions, and the
// "only you can see this" mark of ephemeral answers. Actions go through `act` (the view
// wires them to the admin API as the chosen user).
import { el } from '../../console.js';
import { colour, markdown } from './markdown.js';

const EPHEMERAL = 1 << 6;
const LOADING = 1 << 7;
const COMPONENTS_V2 = 1 << 15;
const BUTTON_STYLES = { 1: 'primary', 2: 'secondary', 3: 'success', 4: 'danger', 5: 'link', 6: 'premium' };
const SELECT_KINDS = { 3: 'string', 5: 'user', 6: 'role', 7: 'mentionable', 8: 'channel' };
/** Message types the client shows as a line of its own rather than as content. */
const SYSTEM = {
  6: 'pinned a message', 7: 'joined the server', 18: 'started a thread',
  46: 'poll results',
};

/** An image the twin serves (its attachments, its CDN) as <img>; anything elsewhere as a
 *  link, so the console loads nothing from the network (it runs offline). */
export function image(url, alt, attrs = {}) {
  let local = false;
  try { local = new URL(url, location.href).origin === location.origin; } catch { local = false; }
  if (local) return el('img', { ...attrs, src: url, alt: alt || '', loading: 'lazy' });
  return el('a', { class: 'dc-remote-image', href: url, target: '_blank', rel: 'noreferrer', title: url,
    text: `[image${alt ? ': ' + alt : ''}]` });
}

function emojiText(emoji) {
  if (!emoji) return '';
  return emoji.id ? `:${emoji.name}:` : emoji.name || '';
}

function size(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function time(iso) {
  return iso ? iso.slice(0, 16).replace('T', ' ') : '';
}

/** The name a user shows under in a guild: nick, global name, username. */
export function displayName(user, member) {
  return (member && member.nick) || user.global_name || user.username;
}

// -- embeds ---------------------------------------------------------------------------

function embed(data, names) {
  const box = el('div', { class: 'dc-embed', 'data-test': 'discord-embed' });
  const c = colour(data.color);
  if (c) box.style.borderLeftColor = c;
  const body = el('div', { class: 'dc-embed-body' });
  if (data.author && data.author.name) {
    body.append(el('div', { class: 'dc-embed-author' },
      data.author.icon_url ? image(data.author.icon_url, '') : null,
      data.author.url ? el('a', { href: data.author.url, target: '_blank', rel: 'noreferrer', text: data.author.name })
        : data.author.name));
  }
  if (data.title) {
    body.append(el('div', { class: 'dc-embed-title', 'data-test': 'discord-embed-title' },
      data.url ? el('a', { href: data.url, target: '_blank', rel: 'noreferrer', text: data.title }) : data.title));
  }
  if (data.description) body.append(markdown(data.description, names, 'discord-embed-description'));
  if (data.fields && data.fields.length) {
    body.append(el('div', { class: 'dc-embed-fields' }, data.fields.map((f) =>
      el('div', { class: `dc-embed-field${f.inline ? ' inline' : ''}`, 'data-test': 'discord-embed-field' },
        el('div', { class: 'dc-embed-field-name' }, markdown(f.name || '', names)),
        markdown(f.value || '', names)))));
  }
  if (data.image && data.image.url) body.append(image(data.image.url, '', { class: 'dc-embed-image' }));
  const parts = [];
  if (data.footer && data.footer.text) parts.push(data.footer.text);
  if (data.timestamp) parts.push(time(data.timestamp));
  if (parts.length) {
    body.append(el('div', { class: 'dc-embed-footer', 'data-test': 'discord-embed-footer' },
      data.footer && data.footer.icon_url ? image(data.footer.icon_url, '') : null,
      parts.join(' • ')));
  }
  box.append(body);
  if (data.thumbnail && data.thumbnail.url) {
    box.append(image(data.thumbnail.url, 'thumbnail', { class: 'dc-embed-thumbnail' }));
  }
  return box;
}

// -- attachments ----------------------------------------------------------------------

function attachment(file) {
  const isImage = /^image\//.test(file.content_type || '') || /\.(png|jpe?g|gif|webp)$/i.test(file.filename);
  return el('div', { class: 'dc-attachment', 'data-test': 'discord-attachment', 'data-filename': file.filename },
    isImage ? image(file.url, file.filename) : null,
    el('a', { href: file.url, target: '_blank', rel: 'noreferrer', text: file.filename }),
    el('span', { class: 'muted', text: ` ${size(file.size || 0)}` }));
}

// -- components -----------------------------------------------------------------------

function button(component, message, act) {
  const style = BUTTON_STYLES[component.style] || 'secondary';
  const label = [emojiText(component.emoji), component.label || ''].filter(Boolean).join(' ');
  if (component.style === 5) {
    return el('a', { class: `dc-button ${style}`, href: component.url, target: '_blank', rel: 'noreferrer',
      'data-test': 'discord-link-button', text: `${label} ↗` });
  }
  return el('button', { class: `dc-button ${style}`, disabled: Boolean(component.disabled),
    'data-test': 'discord-button', 'data-custom-id': component.custom_id || '', 'data-message-id': message.id,
    text: label || component.custom_id,
    'on:click': () => act.click(message, component.custom_id) });
}

/** The choices of a user, role, mentionable or channel select, from the guild. */
function autoOptions(component, names) {
  const kind = SELECT_KINDS[component.type];
  const users = () => names.members().map((m) => ({ value: m.user.id, label: `@${displayName(m.user, m)}` }));
  const roles = () => names.roles().filter((r) => r.name !== '@everyone').map((r) => ({ value: r.id, label: `@${r.name}` }));
  if (kind === 'user') return users();
  if (kind === 'role') return roles();
  if (kind === 'mentionable') return [...users(), ...roles()];
  const types = component.channel_types;
  return names.channels().filter((c) => !types || types.includes(c.type))
    .map((c) => ({ value: c.id, label: `#${c.name}` }));
}

function select(component, message, act, names) {
  const options = component.type === 3
    ? (component.options || []).map((o) => ({ value: o.value, label: [emojiText(o.emoji), o.label].filter(Boolean).join(' '),
      description: o.description, selected: o.default }))
    : autoOptions(component, names);
  const many = (component.max_values || 1) > 1;
  const picker = el('select', { class: 'dc-select', multiple: many, disabled: Boolean(component.disabled),
    'data-test': 'discord-select', 'data-custom-id': component.custom_id, 'data-message-id': message.id },
  many ? null : el('option', { value: '', text: component.placeholder || 'Make a selection' }),
  options.map((o) => el('option', { value: o.value, selected: Boolean(o.selected && many), title: o.description || '',
    text: o.label })));
  const send = () => {
    const values = [...picker.selectedOptions].map((o) => o.value).filter(Boolean);
    if (values.length) act.select(message, component.custom_id, values);
  };
  if (!many) {
    picker.addEventListener('change', send);
    return picker;
  }
  return el('span', { class: 'dc-multi' }, picker,
    el('button', { class: 'dc-button secondary', disabled: Boolean(component.disabled), 'data-test': 'discord-select-submit',
      'data-custom-id': component.custom_id, text: `Pick (${component.min_values ?? 1}–${component.max_values})`,
      'on:click': send }));
}

function media(url, description) {
  return el('figure', { class: 'dc-media', 'data-test': 'discord-media' }, image(url, description),
    description ? el('figcaption', { text: description }) : null);
}

/** One component of a message's layout (v1 or v2), recursively. */
function component(c, message, act, names) {
  switch (c.type) {
    case 1: return el('div', { class: 'dc-row', 'data-test': 'discord-action-row' },
      (c.components || []).map((inner) => component(inner, message, act, names)));
    case 2: return button(c, message, act);
    case 3: case 5: case 6: case 7: case 8: return select(c, message, act, names);
    case 9: return el('div', { class: 'dc-section', 'data-test': 'discord-section' },
      el('div', { class: 'dc-section-text' }, (c.components || []).map((inner) => component(inner, message, act, names))),
      c.accessory ? el('div', { class: 'dc-accessory' }, component(c.accessory, message, act, names)) : null);
    case 10: return markdown(c.content || '', names, 'discord-text-display');
    case 11: return image((c.media || {}).url || '', c.description, { class: 'dc-thumbnail' });
    case 12: return el('div', { class: 'dc-gallery', 'data-test': 'discord-media-gallery' },
      (c.items || []).map((item) => media((item.media || {}).url || '', item.description)));
    case 13: return el('div', { class: 'dc-attachment', 'data-test': 'discord-file' },
      el('span', { text: `file: ${((c.file || {}).url || '').replace(/^attachment:\/\//, '')}` }));
    case 14: return el('hr', { class: `dc-separator${c.divider === false ? ' blank' : ''}${c.spacing === 2 ? ' large' : ''}`,
      'data-test': 'discord-separator' });
    case 17: {
      const box = el('div', { class: `dc-container${c.spoiler ? ' spoiler' : ''}`, 'data-test': 'discord-container' },
        (c.components || []).map((inner) => component(inner, message, act, names)));
      const accent = colour(c.accent_color);
      if (accent) box.style.borderLeftColor = accent;
      return box;
    }
    default: return el('div', { class: 'muted', text: `(component type ${c.type})` });
  }
}

// -- polls and reactions ----------------------------------------------------------------

function poll(data, message, act) {
  const results = data.results || { answer_counts: [], is_finalized: false };
  const counts = new Map((results.answer_counts || []).map((a) => [a.id, a]));
  const total = [...counts.values()].reduce((sum, a) => sum + a.count, 0);
  const ended = Boolean(results.is_finalized);  // on the twin's clock, not the browser's
  return el('div', { class: 'dc-poll', 'data-test': 'discord-poll' },
    el('div', { class: 'dc-poll-question', text: (data.question || {}).text || '' }),
    (data.answers || []).map((answer) => {
      const count = counts.get(answer.answer_id);
      const n = count ? count.count : 0;
      const share = total ? Math.round((100 * n) / total) : 0;
      const row = el('button', { class: `dc-poll-answer${count && count.me_voted ? ' mine' : ''}`,
        'data-test': 'discord-poll-answer', 'data-answer-id': answer.answer_id, disabled: Boolean(ended),
        'on:click': () => act.vote(message, answer.answer_id) },
      el('span', { class: 'dc-poll-bar', style: `width: ${share}%` }),
      el('span', { class: 'dc-poll-text', text: [emojiText((answer.poll_media || {}).emoji), (answer.poll_media || {}).text || '']
        .filter(Boolean).join(' ') }),
      el('span', { class: 'dc-poll-count', 'data-test': 'discord-poll-count', text: `${n} vote${n === 1 ? '' : 's'}` }));
      return row;
    }),
    el('div', { class: 'muted', text: `${total} vote${total === 1 ? '' : 's'} · ${ended ? 'poll closed'
      : `ends ${time(data.expiry)}`}${data.allow_multiselect ? ' · several answers allowed' : ''}` }));
}

function reactions(message, act) {
  const chips = (message.reactions || []).map((r) => el('button', { class: 'dc-reaction',
    'data-test': 'discord-reaction', 'data-emoji': r.emoji.id ? `${r.emoji.name}:${r.emoji.id}` : r.emoji.name,
    title: 'react with this too', text: `${emojiText(r.emoji)} ${r.count}`,
    'on:click': () => act.react(message, r.emoji.id ? `${r.emoji.name}:${r.emoji.id}` : r.emoji.name) }));
  return chips.length ? el('div', { class: 'dc-reactions' }, chips) : null;
}

// -- the message ------------------------------------------------------------------------

/** The message `m` as the acting user sees it. `names` resolves ids; `act` runs actions. */
export function renderMessage(m, names, act) {
  const member = names.member(m.author.id);
  const ephemeral = Boolean(m.flags & EPHEMERAL);
  const node = el('article', { class: `dc-message${ephemeral ? ' ephemeral' : ''}`, 'data-test': 'discord-message',
    'data-message-id': m.id, 'data-author': m.author.username, 'data-ephemeral': ephemeral ? 'true' : 'false' });
  if (m.referenced_message) {
    const ref = m.referenced_message;
    node.append(el('div', { class: 'dc-reply-to', 'data-test': 'discord-reply-to' }, '↪ ',
      el('strong', { text: displayName(ref.author, names.member(ref.author.id)) }), ' ',
      (ref.content || '').slice(0, 80) || '(attachment or embed)'));
  }
  const meta = m.interaction_metadata;
  if (meta && meta.user) {
    const what = meta.type === 2 ? (meta.name ? `/${meta.name}` : 'a command') : meta.type === 5 ? 'a form' : 'a component';
    node.append(el('div', { class: 'dc-reply-to', 'data-test': 'discord-used-command' },
      el('strong', { text: displayName(meta.user, names.member(meta.user.id)) }), ` used ${what}`));
  }
  const nameNode = el('strong', { class: 'dc-author', text: displayName(m.author, member) });
  const roleColour = names.memberColour(m.author.id);
  if (roleColour) nameNode.style.color = roleColour;
  node.append(el('header', {}, nameNode,
    m.author.bot ? el('span', { class: 'dc-bot-tag', text: 'APP' }) : null,
    el('time', { class: 'muted', text: time(m.timestamp) }),
    m.edited_timestamp ? el('span', { class: 'muted', text: '(edited)' }) : null,
    el('span', { class: 'spacer' }),
    el('span', { class: 'dc-message-tools' },
      el('button', { class: 'dc-tool', title: 'add a reaction', 'data-test': 'discord-react',
        'data-message-id': m.id, text: '☺+', 'on:click': () => act.askReaction(m, node) }),
      names.messageCommands().length ? el('select', { class: 'dc-tool', 'data-test': 'discord-message-command',
        'data-message-id': m.id, title: 'apps',
        'on:change': (event) => { const name = event.target.value; event.target.value = ''; if (name) act.contextMenu(name, m.id, m.channel_id); } },
      el('option', { value: '', text: 'Apps…' }),
      names.messageCommands().map((c) => el('option', { value: c.name, text: c.name }))) : null)));
  if (m.flags & LOADING) {
    node.append(el('div', { class: 'dc-thinking', 'data-test': 'discord-thinking', text: `${m.author.username} is thinking…` }));
  }
  if (SYSTEM[m.type] && !m.content) {
    node.append(el('div', { class: 'muted', text: `${displayName(m.author, member)} ${SYSTEM[m.type]}` }));
  }
  if (m.content) node.append(markdown(m.content, names, 'discord-content'));
  for (const e of m.embeds || []) node.append(embed(e, names));
  for (const a of m.attachments || []) node.append(attachment(a));
  const components = m.components || [];
  if (components.length) {
    node.append(el('div', { class: `dc-components${m.flags & COMPONENTS_V2 ? ' v2' : ''}`, 'data-test': 'discord-components' },
      components.map((c) => component(c, m, act, names))));
  }
  if (m.poll) node.append(poll(m.poll, m, act));
  if (m.sticker_items && m.sticker_items.length) {
    node.append(el('div', { class: 'muted', text: `sticker: ${m.sticker_items.map((s) => s.name).join(', ')}` }));
  }
  const chips = reactions(m, act);
  if (chips) node.append(chips);
  if (m.thread) {
    node.append(el('div', { class: 'dc-thread-link', text: `thread: ${m.thread.name}` }));
  }
  if (ephemeral) {
    node.append(el('div', { class: 'dc-ephemeral-note', 'data-test': 'discord-ephemeral',
      text: 'Only you can see this' }));
  }
  return node;
}

// Discord's markdown, the subset a test reads: code blocks, inline code, bold, italic,
// underline, strikethrough, spoilers, headings, quotes, lists, masked and bare links,
// user/role/channel mentions resolved to names, custom emoji and timestamps. Built as DOM
// nodes (never innerHTML), so message text cannot inject markup.
import { el } from '../../console.js';

// One inline token: the earliest match wins; the groups say which kind it is.
const INLINE = new RegExp([
  '(?<code>`+)(?<codeText>[\\s\\S]*?[^`])\\k<code>(?!`)',
  '\\*\\*(?<bold>[\\s\\S]+?)\\*\\*',
  '__(?<underline>[\\s\\S]+?)__',
  '\\*(?<italic>[^*\\s](?:[\\s\\S]*?[^*\\s])?)\\*',
  '\\b_(?<italic2>[^_\\s](?:[\\s\\S]*?[^_\\s])?)_\\b',
  '~~(?<strike>[\\s\\S]+?)~~',
  '\\|\\|(?<spoiler>[\\s\\S]+?)\\|\\|',
  '\\[(?<linkText>[^\\]\\n]+)\\]\\((?<linkUrl>https?:\\/\\/[^)\\s]+)\\)',
  '(?<url>https?:\\/\\/[^\\s<]+[^\\s<.,:;"\')\\]])',
  '<@!?(?<user>\\d+)>',
  '<@&(?<role>\\d+)>',
  '<#(?<channel>\\d+)>',
  '<(?<animated>a?):(?<emojiName>\\w+):(?<emojiId>\\d+)>',
  '<t:(?<time>-?\\d+)(?::(?<timeStyle>[tTdDfFR]))?>',
  '@(?<everyone>everyone|here)\\b',
].join('|'));

/** A colour int (0xRRGGBB) as CSS, or null for 0/none. */
export function colour(value) {
  if (!value) return null;
  return `#${Number(value).toString(16).padStart(6, '0')}`;
}

function timestamp(seconds, style) {
  const date = new Date(Number(seconds) * 1000);
  if (Number.isNaN(date.getTime())) return `<t:${seconds}>`;
  const iso = date.toISOString();
  switch (style) {
    case 't': return iso.slice(11, 16);
    case 'T': return iso.slice(11, 19);
    case 'd': return iso.slice(0, 10);
    case 'R': return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
    default: return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
  }
}

/** A mention chip: the name as the user would see it. */
function mention(kind, id, names) {
  if (kind === 'user') {
    const name = names.user(id);
    return el('span', { class: 'dc-mention', 'data-test': 'discord-mention', 'data-user-id': id,
      text: `@${name ?? 'unknown-user'}` });
  }
  if (kind === 'role') {
    const role = names.role(id);
    const node = el('span', { class: 'dc-mention role', 'data-test': 'discord-mention',
      'data-role-id': id, text: `@${role ? role.name : 'deleted-role'}` });
    const c = role && colour(role.color);
    if (c) node.style.color = c;
    return node;
  }
  const channel = names.channel(id);
  return el('span', { class: 'dc-mention channel', 'data-test': 'discord-mention',
    'data-channel-id': id, text: channel ? `${channel.type === 2 ? '🔊' : '#'}${channel.name}` : '#unknown' });
}

/** Inline markdown of `text` as nodes. `names` resolves ids: {user(id), role(id), channel(id)}. */
export function inline(text, names) {
  const out = [];
  let rest = text;
  while (rest) {
    const found = INLINE.exec(rest);
    if (!found) { out.push(rest); break; }
    if (found.index > 0) out.push(rest.slice(0, found.index));
    const g = found.groups;
    if (g.code !== undefined) out.push(el('code', { class: 'dc-code', text: g.codeText.replace(/^ (.*) $/s, '$1') }));
    else if (g.bold !== undefined) out.push(el('strong', {}, inline(g.bold, names)));
    else if (g.underline !== undefined) out.push(el('u', {}, inline(g.underline, names)));
    else if (g.italic !== undefined) out.push(el('em', {}, inline(g.italic, names)));
    else if (g.italic2 !== undefined) out.push(el('em', {}, inline(g.italic2, names)));
    else if (g.strike !== undefined) out.push(el('s', {}, inline(g.strike, names)));
    else if (g.spoiler !== undefined) {
      out.push(el('span', { class: 'dc-spoiler', title: 'spoiler (click to show)', 'data-test': 'discord-spoiler',
        'on:click': (event) => event.currentTarget.classList.add('shown') }, inline(g.spoiler, names)));
    } else if (g.linkText !== undefined) {
      out.push(el('a', { href: g.linkUrl, target: '_blank', rel: 'noreferrer noopener', title: g.linkUrl },
        inline(g.linkText, names)));
    } else if (g.url !== undefined) out.push(el('a', { href: g.url, target: '_blank', rel: 'noreferrer noopener', text: g.url }));
    else if (g.user !== undefined) out.push(mention('user', g.user, names));
    else if (g.role !== undefined) out.push(mention('role', g.role, names));
    else if (g.channel !== undefined) out.push(mention('channel', g.channel, names));
    else if (g.emojiName !== undefined) {
      out.push(el('span', { class: 'dc-emoji', title: `:${g.emojiName}:`, text: `:${g.emojiName}:` }));
    } else if (g.time !== undefined) out.push(el('span', { class: 'dc-time', text: timestamp(g.time, g.timeStyle) }));
    else if (g.everyone !== undefined) out.push(el('span', { class: 'dc-mention', text: `@${g.everyone}` }));
    rest = rest.slice(found.index + found[0].length);
  }
  return out;
}

/** One line's block form: heading, quote, list item, subtext, or plain. */
function line(text, names) {
  let m = /^(#{1,3}) (.+)$/.exec(text);
  if (m) return el(`h${m[1].length + 3}`, { class: 'dc-heading' }, inline(m[2], names));
  m = /^-# (.+)$/.exec(text);
  if (m) return el('div', { class: 'dc-subtext' }, inline(m[1], names));
  m = /^>>> ?([\s\S]*)$/.exec(text);
  if (m) return el('blockquote', { class: 'dc-quote' }, inline(m[1], names));
  m = /^> ?(.*)$/.exec(text);
  if (m) return el('blockquote', { class: 'dc-quote' }, inline(m[1], names));
  m = /^\s*[-*] (.+)$/.exec(text);
  if (m) return el('div', { class: 'dc-li' }, '• ', inline(m[1], names));
  m = /^\s*(\d+)\. (.+)$/.exec(text);
  if (m) return el('div', { class: 'dc-li' }, `${m[1]}. `, inline(m[2], names));
  return el('div', { class: 'dc-line' }, text ? inline(text, names) : '\u00a0');
}

/** A message's (or embed's, or text display's) markdown as one element. */
export function markdown(text, names, testName) {
  const root = el('div', { class: 'dc-md', 'data-test': testName });
  const blocks = /```(?:([\w+#.-]*)\n)?([\s\S]*?)```/g;
  let last = 0;
  let found;
  const prose = (chunk) => {
    const lines = chunk.replace(/^\n+|\n+$/g, '').split('\n');
    if (lines.length === 1 && !lines[0]) return;
    for (const text of lines) root.append(line(text, names));
  };
  while ((found = blocks.exec(text)) !== null) {
    prose(text.slice(last, found.index));
    root.append(el('pre', { class: 'dc-codeblock', 'data-lang': found[1] || '' },
      el('code', { text: found[2].replace(/\n$/, '') })));
    last = found.index + found[0].length;
  }
  prose(text.slice(last));
  return root;
}

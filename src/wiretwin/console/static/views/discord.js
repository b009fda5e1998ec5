// The Discord view: a guild's channels, threads and voice occupants, its members with
// their roles and presence, and a channel's messages as the chosen user sees them (their
// ephemeral answers included), kept live from the journal's gateway dispatches and the
// bot's REST calls. Acting as any member: send a message, react, vote in a poll, run a
// slash command (a form built from its options), pick a user or message command, click
// a button, pick in a select menu, fill in the modal the bot opened. Every action goes
// through the Discord twin's admin API, so the bot sees what it would see from Discord.
import { registerView, ADMIN, api, el, attempt, notify, section, throttle, json } from '../console.js';
import { colour } from './discord/markdown.js';
import { displayName, renderMessage } from './discord/messages.js';
import { commandForm, modalDialog } from './discord/forms.js';

const TEXT_TYPES = new Set([0, 5, 10, 11, 12, 15]);
const VOICE_TYPES = new Set([2, 13]);
/** Gateway frames that change nothing a user sees. */
const QUIET = new Set(['HELLO', 'HEARTBEAT', 'HEARTBEAT_ACK', 'ws:ping', 'ws:pong']);

function loadStyle() {
  if (document.querySelector('link[data-discord-style]')) return;
  document.head.append(el('link', { rel: 'stylesheet', href: `${ADMIN}/ui/static/discord.css`, 'data-discord-style': '' }));
}

function describe(state) {
  if (!state) return '';
  const what = state.kind === 'message_component' ? state.name : state.kind === 'modal_submit' ? 'the form' : `/${state.name}`;
  if (!state.responded) return `${what}: the bot has not answered yet`;
  const text = state.message ? state.message.content : (state.replies.find((r) => r.message) || {}).message?.content;
  return `${what} → ${state.callback}${text ? `: ${text}` : ''}`;
}

async function mount(root, ctx) {
  loadStyle();
  const s = {
    users: new Map(), guilds: [], guild: null, guildId: null, channelId: null, userId: null,
    commands: [], commandsKey: '', namesKey: '', messages: [], dms: [], modals: [], dismissed: new Set(), shownModal: null,
    interactions: [], presence: new Map(), botOnline: false, lastResult: null,
  };

  // -- lookups the renderers use ----------------------------------------------------
  const botId = () => (ctx.info && ctx.info.settings ? ctx.info.settings.bot_id : null);
  const members = () => (s.guild ? s.guild.members : []);
  const member = (id) => members().find((m) => m.user.id === id) || null;
  const roles = () => (s.guild ? [...s.guild.roles].sort((a, b) => b.position - a.position) : []);
  const channels = () => [...(s.guild ? [...s.guild.channels, ...(s.guild.threads || [])] : []), ...s.dms];
  /** A DM's name as the acting user sees it: the other recipients. */
  const dmName = (c) => (c.recipients || []).filter((u) => u.id !== s.userId).map((u) => displayName(u, null)).join(', ') || 'yourself';
  const names = {
    user: (id) => { const u = s.users.get(id); return u ? displayName(u, member(id)) : null; },
    role: (id) => roles().find((r) => r.id === id) || null,
    channel: (id) => channels().find((c) => c.id === id) || null,
    member, members, roles, channels,
    memberColour: (id) => {
      const m = member(id);
      if (!m) return null;
      const top = roles().find((r) => m.roles.includes(r.id) && r.color);
      return top ? colour(top.color) : null;
    },
    messageCommands: () => s.commands.filter((c) => c.type === 3),
  };

  // -- the frame ----------------------------------------------------------------------
  const guildPick = el('select', { 'data-test': 'discord-guild', 'on:change': () => { s.guildId = guildPick.value; s.channelId = null; refresh(); } });
  const userPick = el('select', { 'data-test': 'discord-user', 'on:change': () => { s.userId = userPick.value; s.dismissed.clear(); refresh(); } });
  const botStatus = el('span', { class: 'pill', 'data-test': 'discord-bot-status' });
  const channelsBox = el('nav', { class: 'dc-channels', 'data-test': 'discord-channels' });
  const header = el('div', { class: 'dc-channel-header', 'data-test': 'discord-channel-header' });
  const messagesBox = el('div', { class: 'dc-messages', 'data-test': 'discord-messages' });
  const compose = el('input', { type: 'text', 'data-test': 'discord-compose', placeholder: 'Message as the chosen user' });
  const composer = el('form', { class: 'dc-composer', 'data-test': 'discord-composer',
    'on:submit': (event) => { event.preventDefault(); send(); } },
  compose, el('button', { type: 'submit', 'data-test': 'discord-send', text: 'Send' }));
  const commandBox = el('div', { 'data-test': 'discord-commands' });
  const modalsBox = el('div', { 'data-test': 'discord-open-modals' });
  const resultBox = el('div', { class: 'dc-result', 'data-test': 'discord-last-result' });
  const membersBox = el('div', { class: 'dc-members', 'data-test': 'discord-members' });
  const interactionsBox = el('div', { 'data-test': 'discord-interactions' });
  const modalLayer = el('div', { 'data-test': 'discord-modal-layer' });

  root.append(
    el('div', { class: 'toolbar dc-toolbar' },
      el('label', {}, 'Guild ', guildPick),
      el('label', {}, 'Act as ', userPick),
      botStatus),
    el('div', { class: 'dc-layout' },
      section('Channels', 'section-discord-channels', channelsBox),
      el('section', { class: 'card dc-chat', 'data-test': 'section-discord-chat' },
        header, messagesBox, composer, commandBox, modalsBox, resultBox),
      el('div', { class: 'dc-side' },
        section('Members', 'section-discord-members', membersBox),
        section('Interactions', 'section-discord-interactions', interactionsBox))),
    modalLayer);

  // -- acting as the chosen user ------------------------------------------------------
  const channelPath = () => `/discord/channels/${s.channelId}`;
  const interactionDone = async (state) => {
    s.lastResult = state;
    notify(describe(state));
    await refresh();
  };
  const act = {
    click: (message, customId) => attempt(async () => interactionDone(await api('POST', '/discord/interactions/click',
      { user: s.userId, message: message.id, custom_id: customId, timeout: 10 }))),
    select: (message, customId, values) => attempt(async () => interactionDone(await api('POST', '/discord/interactions/select',
      { user: s.userId, message: message.id, custom_id: customId, values, timeout: 10 }))),
    react: (message, emoji) => attempt(async () => {
      await api('POST', `/discord/channels/${message.channel_id}/messages/${message.id}/reactions`, { user: s.userId, emoji });
      await refresh();
    }, `reacted ${emoji}`),
    askReaction: (message, node) => {
      if (node.querySelector('.dc-react-form')) return;
      const input = el('input', { type: 'text', value: '👍', size: 6, 'data-test': 'discord-react-emoji' });
      const form = el('form', { class: 'dc-react-form row', 'on:submit': (event) => {
        event.preventDefault();
        if (input.value.trim()) act.react(message, input.value.trim());
        form.remove();
      } }, input, el('button', { type: 'submit', 'data-test': 'discord-react-submit', text: 'React' }),
      el('button', { type: 'button', 'data-test': 'discord-react-cancel', text: '×', 'on:click': () => form.remove() }));
      node.append(form);
      input.focus();
    },
    vote: (message, answerId) => attempt(async () => {
      const results = (message.poll.results || {}).answer_counts || [];
      const mine = results.filter((a) => a.me_voted).map((a) => a.id);
      let answers;
      if (message.poll.allow_multiselect) answers = mine.includes(answerId) ? mine.filter((a) => a !== answerId) : [...mine, answerId];
      else answers = mine.includes(answerId) ? [] : [answerId];
      await api('PUT', `/discord/channels/${message.channel_id}/messages/${message.id}/votes`, { user: s.userId, answers });
      await refresh();
    }, 'voted'),
    contextMenu: (name, target, channelId) => attempt(async () => interactionDone(await api('POST',
      '/discord/interactions/context-menu', { user: s.userId, channel: channelId || s.channelId, name, target, timeout: 10 }))),
  };

  async function send() {
    const content = compose.value;
    if (!content.trim() || !s.channelId) return;
    await attempt(async () => {
      await api('POST', `${channelPath()}/messages`, { author: s.userId, content });
      compose.value = '';
      await refresh();
    }, 'sent');
  }

  const runCommand = (path, options) => attempt(async () => interactionDone(await api('POST', '/discord/interactions/slash',
    { user: s.userId, channel: s.channelId, name: path, options, timeout: 10 })));
  const suggest = async (path, focused, value, options) => {
    const state = await attempt(() => api('POST', '/discord/interactions/autocomplete',
      { user: s.userId, channel: s.channelId, name: path, focused, value, options, timeout: 10 }));
    return state ? state.choices : [];
  };

  // -- drawing ------------------------------------------------------------------------
  function drawPickers() {
    guildPick.replaceChildren(...s.guilds.map((g) => el('option', { value: g.id, text: g.name })));
    guildPick.value = s.guildId || '';
    const humans = members().filter((m) => !m.user.bot);
    userPick.replaceChildren(...humans.map((m) => el('option', { value: m.user.id, text: `${displayName(m.user, m)} (@${m.user.username})` })));
    userPick.value = s.userId || '';
    botStatus.textContent = s.botOnline ? 'bot connected' : 'no bot connected';
    botStatus.dataset.connected = String(s.botOnline);
  }

  function channelButton(c, depth) {
    const voice = VOICE_TYPES.has(c.type);
    const occupants = voice && s.guild ? (s.guild.voice_states || []).filter((v) => v.channel_id === c.id) : [];
    return el('div', { class: `dc-channel depth-${depth}` },
      el('button', { class: `dc-channel-button${c.id === s.channelId ? ' active' : ''}`, 'data-test': 'discord-channel',
        'data-channel-id': c.id, 'data-channel-name': c.name, title: c.topic || '',
        text: `${voice ? '♫' : c.thread_metadata ? '⤷' : '#'} ${c.name}`,
        'on:click': () => { s.channelId = c.id; refresh(); } }),
      occupants.length ? el('ul', { class: 'plain dc-voice', 'data-test': 'discord-voice-members', 'data-channel-id': c.id },
        occupants.map((v) => el('li', { 'data-test': 'discord-voice-member', 'data-user-id': v.user_id },
          `${names.user(v.user_id) || v.user_id}${v.self_mute || v.mute ? ' (muted)' : ''}${v.self_deaf || v.deaf ? ' (deafened)' : ''}`)))
        : null);
  }

  function dmButton(c) {
    return el('div', { class: 'dc-channel depth-0' },
      el('button', { class: `dc-channel-button${c.id === s.channelId ? ' active' : ''}`, 'data-test': 'discord-dm',
        'data-channel-id': c.id, text: `@ ${dmName(c)}`, 'on:click': () => { s.channelId = c.id; refresh(); } }));
  }

  function directMessages() {
    const withBot = s.dms.some((c) => (c.recipients || []).some((u) => u.id === botId()));
    return [el('div', { class: 'dc-category', text: 'DIRECT MESSAGES' }), ...s.dms.map(dmButton),
      !withBot && s.userId && botId() ? el('button', { class: 'dc-tool', 'data-test': 'discord-open-dm', text: 'Message the bot',
        'on:click': () => attempt(async () => {
          const dm = await api('POST', `/discord/users/${s.userId}/dms`, {});
          s.channelId = dm.id;
          await refresh();
        }) }) : null];
  }

  function drawChannels() {
    if (!s.guild) { channelsBox.replaceChildren(el('p', { class: 'muted', text: 'no guild' }), ...directMessages()); return; }
    const all = [...s.guild.channels].sort((a, b) => a.position - b.position);
    const threads = s.guild.threads || [];
    const under = (parent) => all.filter((c) => c.type !== 4 && (c.parent_id || null) === parent);
    const withThreads = (c) => [channelButton(c, 0),
      ...threads.filter((t) => t.parent_id === c.id).map((t) => channelButton(t, 1))];
    const out = under(null).flatMap(withThreads);
    for (const category of all.filter((c) => c.type === 4)) {
      out.push(el('div', { class: 'dc-category', text: category.name.toUpperCase() }));
      out.push(...under(category.id).flatMap(withThreads));
    }
    channelsBox.replaceChildren(...out, ...directMessages());
  }

  function drawMembers() {
    const userCommands = s.commands.filter((c) => c.type === 2);
    membersBox.replaceChildren(...members().map((m) => {
      const id = m.user.id;
      const status = id === botId() ? (s.botOnline ? s.presence.get(id) || 'online' : 'offline')
        : s.presence.get(id) || 'offline';
      const name = el('strong', { text: displayName(m.user, m) });
      const c = names.memberColour(id);
      if (c) name.style.color = c;
      return el('div', { class: `dc-member${id === s.userId ? ' me' : ''}`, 'data-test': 'discord-member', 'data-user-id': id,
        'data-username': m.user.username, 'data-status': status },
      el('div', { class: 'row' },
        el('span', { class: `dc-dot ${status}`, title: status, 'data-test': 'discord-presence' }), name,
        m.user.bot ? el('span', { class: 'dc-bot-tag', text: 'APP' }) : null,
        el('span', { class: 'muted', text: `@${m.user.username}` }),
        el('span', { class: 'spacer' }),
        m.user.bot ? null : el('button', { class: 'dc-tool', 'data-test': 'discord-act-as', 'data-user-id': id,
          text: id === s.userId ? 'acting' : 'act as',
          'on:click': () => { if (id !== s.userId) { s.userId = id; s.dismissed.clear(); refresh(); } } }),
        userCommands.length ? el('select', { class: 'dc-tool', 'data-test': 'discord-user-command', 'data-user-id': id,
          'on:change': (event) => { const cmd = event.target.value; event.target.value = ''; if (cmd) act.contextMenu(cmd, id); } },
        el('option', { value: '', text: 'Apps…' }), userCommands.map((u) => el('option', { value: u.name, text: u.name }))) : null),
      el('div', { class: 'dc-roles' }, roles().filter((r) => m.roles.includes(r.id)).map((r) => {
        const dot = el('span', { class: 'dc-dot' });
        dot.style.background = colour(r.color) || '#c4c9d0';
        return el('span', { class: 'pill dc-role', 'data-test': 'discord-member-role', 'data-role-id': r.id }, dot, ` ${r.name}`);
      })));
    }));
  }

  let rendered = new Map();  // message id -> {key, node}
  function drawMessages(refused) {
    const channel = names.channel(s.channelId);
    const title = !channel ? 'no channel' : channel.type === 1 ? `@ ${dmName(channel)}`
      : `${VOICE_TYPES.has(channel.type) ? '♫' : '#'} ${channel.name}`;
    header.replaceChildren(el('strong', { text: title }),
      channel && channel.topic ? el('span', { class: 'muted', text: ` — ${channel.topic}` }) : null,
      el('span', { class: 'muted', text: ` · as ${names.user(s.userId) || 'nobody'}` }));
    const atBottom = messagesBox.scrollHeight - messagesBox.scrollTop - messagesBox.clientHeight < 40;
    let nodes;
    if (refused) nodes = [el('p', { class: 'error', 'data-test': 'discord-refused', text: refused })];
    else if (!s.messages.length) nodes = [el('p', { class: 'muted', text: 'no messages yet' })];
    else {
      // A message that did not change keeps its node (and what the user is doing in it:
      // a reaction being typed, a select being opened).
      const kept = new Map();
      nodes = s.messages.map((m) => {
        const key = `${s.namesKey}|${JSON.stringify(m)}`;
        const hit = rendered.get(m.id);
        const node = hit && hit.key === key ? hit.node : renderMessage(m, names, act);
        kept.set(m.id, { key, node });
        return node;
      });
      rendered = kept;
    }
    const now = [...messagesBox.children];
    if (now.length <= nodes.length && now.every((node, i) => node === nodes[i])) {
      messagesBox.append(...nodes.slice(now.length));  // only new messages: nothing moves
    } else {
      messagesBox.replaceChildren(...nodes);
    }
    if (atBottom) messagesBox.scrollTop = messagesBox.scrollHeight;
  }

  function drawCommands() {
    const key = `${s.guildId}|${s.namesKey}|${JSON.stringify(s.commands)}`;
    if (key === s.commandsKey) return; // keep what the user is typing
    s.commandsKey = key;
    commandBox.replaceChildren(commandForm(s.commands, names, { run: runCommand, suggest }));
  }

  function drawModals() {
    modalsBox.replaceChildren(...(s.modals.length ? [el('div', { class: 'row' }, el('span', { class: 'muted', text: 'Open forms:' }),
      s.modals.map((m) => el('button', { class: 'dc-tool', 'data-test': 'discord-open-modal', 'data-interaction-id': m.interaction_id,
        text: m.title || m.custom_id, 'on:click': () => { s.dismissed.delete(m.interaction_id); drawModalLayer(); } })))] : []));
    drawModalLayer();
  }

  function drawModalLayer() {
    const wanted = s.modals.find((m) => !s.dismissed.has(m.interaction_id)) || null;
    const shownId = s.shownModal ? s.shownModal.interaction_id : null;
    if ((wanted ? wanted.interaction_id : null) === shownId) return; // keep what the user typed
    s.shownModal = wanted;
    if (!wanted) { modalLayer.replaceChildren(); return; }
    modalLayer.replaceChildren(modalDialog(wanted, names, {
      submit: (values) => attempt(async () => {
        const state = await api('POST', `/discord/interactions/${wanted.interaction_id}/modal`, { values, timeout: 10 });
        s.shownModal = null;
        modalLayer.replaceChildren();
        await interactionDone(state);
      }),
      close: () => { s.dismissed.add(wanted.interaction_id); s.shownModal = null; modalLayer.replaceChildren(); },
    }));
  }

  function drawInteractions() {
    interactionsBox.replaceChildren(...(s.interactions.length ? [...s.interactions].reverse().map((i) => el('details', {
      class: 'dc-interaction', 'data-test': 'discord-interaction', 'data-interaction-id': i.id, 'data-callback': i.callback || '' },
    el('summary', {}, el('strong', { text: i.kind === 'message_component' ? `[${i.name}]` : i.kind === 'modal_submit' ? 'form submitted' : `/${i.name}` }),
      ` by ${names.user(i.user_id) || i.user_id} → `, el('span', { class: i.responded ? '' : 'error', text: i.callback || 'no answer yet' })),
    json({ replies: i.replies.map((r) => ({ kind: r.kind, callback: r.callback, data: r.data })), data: i.data })))
      : [el('p', { class: 'muted', text: 'none yet' })]));
    resultBox.replaceChildren(...(s.lastResult ? [el('span', { class: 'muted', text: 'Last answer: ' }),
      el('span', { 'data-test': 'discord-last-result-text', 'data-callback': s.lastResult.callback || '', text: describe(s.lastResult) })] : []));
  }

  // -- loading ------------------------------------------------------------------------
  async function load() {
    const [users, guilds, sessions] = await Promise.all([
      api('GET', '/discord/users'), api('GET', '/discord/guilds'), api('GET', '/discord/gateway/sessions')]);
    s.users = new Map(users.map((u) => [u.id, u]));
    s.guilds = guilds;
    s.botOnline = sessions.some((x) => x.connected);
    if (!s.guilds.some((g) => g.id === s.guildId)) {
      s.guildId = (guilds.find((g) => g.bot_member) || guilds[0] || {}).id || null;
    }
    [s.guild, s.commands] = s.guildId
      ? await Promise.all([api('GET', `/discord/guilds/${s.guildId}`), api('GET', `/discord/commands?guild=${s.guildId}`)])
      : [null, await api('GET', '/discord/commands')];
    s.namesKey = JSON.stringify([s.guild && s.guild.members, s.guild && s.guild.roles, channels().map((c) => c.name),
      s.commands.filter((c) => c.type === 3).map((c) => c.name)]);
    const humans = members().filter((m) => !m.user.bot);
    if (!humans.some((m) => m.user.id === s.userId)) {
      const owner = s.guild ? s.guild.owner_id : null;
      s.userId = ((humans.find((m) => m.user.id !== owner) || humans[0]) || { user: {} }).user.id || null;
    }
    s.dms = s.userId ? await api('GET', `/discord/users/${s.userId}/dms`) : [];
    const texts = channels().filter((c) => TEXT_TYPES.has(c.type) || VOICE_TYPES.has(c.type) || c.type === 1);
    if (!texts.some((c) => c.id === s.channelId)) s.channelId = (texts.find((c) => TEXT_TYPES.has(c.type) && c.type !== 1) || texts[0] || {}).id || null;
    let refused = null;
    s.messages = [];
    if (s.channelId && s.userId) {
      try {
        s.messages = await api('GET', `${channelPath()}/messages/seen-by/${s.userId}?limit=100`);
      } catch (error) {
        refused = error.message;
      }
    }
    [s.modals, s.interactions] = s.userId
      ? await Promise.all([api('GET', `/discord/users/${s.userId}/modals`), api('GET', '/discord/interactions?limit=15')])
      : [[], await api('GET', '/discord/interactions?limit=15')];
    return refused;
  }

  let running = null;
  let again = false;
  /** Fetch and redraw; calls while one runs make one more run after it. */
  async function refresh() {
    if (running) { again = true; return running; }
    running = (async () => {
      try {
        do {
          again = false;
          const refused = await load();
          drawPickers(); drawChannels(); drawMembers(); drawMessages(refused); drawCommands(); drawModals(); drawInteractions();
          root.dataset.loaded = String(Number(root.dataset.loaded || 0) + 1);
        } while (again);
      } catch (error) {
        notify(error.message, true);
      } finally {
        running = null;
      }
    })();
    return running;
  }
  const later = throttle(() => refresh(), 150);

  // -- presence, from what crossed the gateway -------------------------------------------
  function presenceFrom(entry) {
    let frame;
    try { frame = JSON.parse(entry.data || ''); } catch { return; }
    const d = frame && frame.d;
    if (!d || typeof d !== 'object') return;
    if (entry.direction === 'out' && d.user && d.user.id) s.presence.set(d.user.id, d.status || 'online');
    else if (entry.direction === 'in' && botId()) s.presence.set(botId(), d.status || 'online');
  }
  await refresh();
  const earlier = await api('GET', '/journal?kind=frame&event=PRESENCE_UPDATE&limit=500');
  earlier.forEach(presenceFrom);
  if (earlier.length) drawMembers();

  ctx.live.on('journal', (entry) => {
    if (entry.kind === 'frame') {
      if (entry.event === 'PRESENCE_UPDATE') presenceFrom(entry);
      if (!QUIET.has(entry.event)) later();
    } else if (entry.kind === 'connection'
        || (entry.kind === 'http' && /^\/api\//.test((entry.detail || {}).path || ''))) {
      later();  // the bot's REST calls: ephemeral answers and modals make no dispatch
    }
  });
  ctx.live.on('gap', () => later());
}

registerView('discord', { title: 'Discord', mount });

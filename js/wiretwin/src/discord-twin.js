// The Discord twin's admin routes (/_wiretwin/discord/...): act as users of the world
// (send a message, run a slash command, click, pick, submit a modal) and wait until the
// bot has answered; read guilds, channels and messages; reconnect sessions.
import { AdminClient } from './admin.js';

const id = (value) => encodeURIComponent(String(value));

export class DiscordTwin extends AdminClient {
  /** @param {object} settings the `discord` block of the settings file */
  constructor(settings, options = {}) {
    super(settings.admin_url, options);
    this.settings = settings;
  }

  /** discord.js's client options for this twin: `new Client({intents, ...discord.discordJs()})`. */
  discordJs() {
    return { rest: { api: this.settings.api_base } };
  }

  // -- the world ---------------------------------------------------------------------------

  users() {
    return this.request('GET', '/discord/users');
  }

  addUser(user) {
    return this.request('POST', '/discord/users', { body: user });
  }

  guilds() {
    return this.request('GET', '/discord/guilds');
  }

  guild(guild) {
    return this.request('GET', `/discord/guilds/${id(guild)}`);
  }

  channels(guild) {
    return this.request('GET', `/discord/guilds/${id(guild)}/channels`);
  }

  members(guild) {
    return this.request('GET', `/discord/guilds/${id(guild)}/members`);
  }

  addMember(guild, member) {
    return this.request('POST', `/discord/guilds/${id(guild)}/members`, { body: member });
  }

  messages(channel, { limit } = {}) {
    return this.request('GET', `/discord/channels/${id(channel)}/messages`, { query: { limit } });
  }

  // -- acting as a user --------------------------------------------------------------------

  /** A user sends a message (checked against their permissions; a 403 AdminError if they
   * may not). Answers the message as created; the bot gets MESSAGE_CREATE. */
  sendMessage({ channel, author, content, embeds, replyTo }) {
    return this.request('POST', `/discord/channels/${id(channel)}/messages`, {
      body: { author, content, embeds, reply_to: replyTo },
    });
  }

  /** Send a message as a user, then wait until the bot has posted `replies` messages
   * (1 by default) in that channel: `{message, replies}`. */
  async ask({ channel, author, content, embeds, replyTo, replies = 1, timeout }) {
    const since = await this.journalMark();
    const message = await this.sendMessage({ channel, author, content, embeds, replyTo });
    const answers = replies > 0
      ? await this.waitForBotMessages({ channel, since, count: replies, timeout }) : [];
    return { message, replies: answers };
  }

  /** Wait until the bot has created `count` messages in `channel` through the REST API
   * after `since` (a journalMark()); answers them as Discord returned them. */
  async waitForBotMessages({ channel, since, count = 1, timeout } = {}) {
    const entries = await this.waitForJournal({
      kind: 'http', method: 'POST', path: `/api/v10/channels/${channel}/messages`,
      status: 200, since, count, timeout,
    });
    return entries.map((entry) => JSON.parse(entry.detail.response_body));
  }

  /** Wait until a bot's gateway session is ready (its READY went out) after `since`. */
  async waitForBot({ since, timeout } = {}) {
    await this.waitForJournal({ kind: 'frame', direction: 'out', event: 'READY', since, timeout });
  }

  react({ channel, message, user, emoji }) {
    return this.request('POST', `/discord/channels/${id(channel)}/messages/${id(message)}/reactions`, {
      body: { user, emoji },
    });
  }

  vote({ channel, message, user, answers }) {
    return this.request('PUT', `/discord/channels/${id(channel)}/messages/${id(message)}/votes`, {
      body: { user, answers },
    });
  }

  // -- interactions: each waits for the bot's first `replies` answers (1 by default) ---------

  /** The bot's registered application commands (with `guild`: those usable there). */
  commands({ guild } = {}) {
    return this.request('GET', '/discord/commands', { query: { guild } });
  }

  /** A user runs a slash command (`name`: "config set" for a subcommand). */
  slash({ user, channel, name, options, replies, timeout }) {
    return this.request('POST', '/discord/interactions/slash', {
      body: { user, channel, name, options, replies, timeout: this.timeout(timeout) },
    });
  }

  /** A user picks a user or message command on `target` (a user's or a message's id). */
  contextMenu({ user, channel, name, target, replies, timeout }) {
    return this.request('POST', '/discord/interactions/context-menu', {
      body: { user, channel, name, target, replies, timeout: this.timeout(timeout) },
    });
  }

  /** A user types `value` into the option `focused`; the bot's suggestions are `choices`. */
  autocomplete({ user, channel, name, focused, value, options, replies, timeout }) {
    return this.request('POST', '/discord/interactions/autocomplete', {
      body: { user, channel, name, focused, value, options, replies, timeout: this.timeout(timeout) },
    });
  }

  /** A user clicks the button `customId` on `message`. */
  click({ user, message, customId, replies, timeout }) {
    return this.request('POST', '/discord/interactions/click', {
      body: { user, message, custom_id: customId, replies, timeout: this.timeout(timeout) },
    });
  }

  /** A user picks `values` in the select menu `customId` on `message`. */
  select({ user, message, customId, values, replies, timeout }) {
    return this.request('POST', '/discord/interactions/select', {
      body: { user, message, custom_id: customId, values, replies, timeout: this.timeout(timeout) },
    });
  }

  /** The user submits the modal the bot opened in answer to `interaction` (an id or a
   * state answered by slash/click...), with `values` by the fields' custom_id. */
  submitModal(interaction, values, { replies, timeout } = {}) {
    const which = typeof interaction === 'object' ? interaction.id : interaction;
    return this.request('POST', `/discord/interactions/${id(which)}/modal`, {
      body: { values, replies, timeout: this.timeout(timeout) },
    });
  }

  /** An interaction's state; with `replies`, once the bot has made that many. */
  interaction(interaction, { replies, timeout } = {}) {
    return this.request('GET', `/discord/interactions/${id(interaction)}`, {
      query: { replies, timeout: replies === undefined ? undefined : timeout ?? this.waitTimeout },
    });
  }

  interactions({ user, limit } = {}) {
    return this.request('GET', '/discord/interactions', { query: { user, limit } });
  }

  /** The modals the bot opened for `user` that are still open. */
  modals(user) {
    return this.request('GET', `/discord/users/${id(user)}/modals`);
  }

  /** A channel's messages as `user` sees them (their ephemeral answers included). */
  seenBy(channel, user, { limit } = {}) {
    return this.request('GET', `/discord/channels/${id(channel)}/messages/seen-by/${id(user)}`, {
      query: { limit },
    });
  }

  // -- the gateway and rate limits ---------------------------------------------------------

  sessions() {
    return this.request('GET', '/discord/gateway/sessions');
  }

  /** op 7 Reconnect to every connected session. */
  async reconnect() {
    await this.request('POST', '/discord/gateway/reconnect');
  }

  /** op 9 Invalid Session to every connected session. */
  async invalidateSessions({ resumable = false } = {}) {
    await this.request('POST', '/discord/gateway/invalidate', { body: { resumable } });
  }

  async dispatch({ event, data, guildId, userIds }) {
    await this.request('POST', '/discord/gateway/dispatch', {
      body: { event, data, guild_id: guildId, user_ids: userIds },
    });
  }

  rateLimits() {
    return this.request('GET', '/discord/rate-limits');
  }

  /** `limit` requests per `resetAfter` seconds on a REST route template, then 429s. */
  setRateLimit({ route, limit, resetAfter }) {
    return this.request('PUT', '/discord/rate-limits', {
      body: { route, limit, reset_after: resetAfter },
    });
  }

  async clearRateLimits() {
    await this.request('DELETE', '/discord/rate-limits');
  }

  // -- the application ----------------------------------------------------------------------

  /** The privileged intents the application may ask for (the developer portal's switches). */
  async privilegedIntents() {
    return (await this.request('GET', '/discord/application/privileged-intents')).enabled;
  }

  /** Flip the portal's switches: sessions already identified keep their intents; the next
   * IDENTIFY asking for one switched off is closed with 4014. */
  async setPrivilegedIntents(enabled) {
    return (await this.request('PUT', '/discord/application/privileged-intents', {
      body: { enabled },
    })).enabled;
  }
}

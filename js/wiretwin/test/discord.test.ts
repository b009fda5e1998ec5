// A discord.js bot, pointed at the Discord twin with the package's settings, answers users
// the package acts as: a message, a slash command, a button, a select menu and a modal.
// --8<-- [start:imports]
import {
  ActionRowBuilder, ButtonBuilder, ButtonStyle, Client, Events, GatewayIntentBits, ModalBuilder,
  StringSelectMenuBuilder, TextInputBuilder, TextInputStyle, type Interaction, type Message,
} from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { AdminError, type DiscordChannel, type DiscordUser } from 'wiretwin';
import { useTwins } from 'wiretwin/vitest';
// --8<-- [end:imports]

// --8<-- [start:twins]
// The bot logs in once for the file and registers its commands once, so this file keeps
// the Discord twin's state from test to test (the Pusher tests show the reset between
// tests).
const twins = useTwins({ reset: false });
const discord = twins.discord!;
let bot: Client;
let general: DiscordChannel;
let alice: DiscordUser;
// --8<-- [end:twins]

// --8<-- [start:on-message]
async function onMessage(message: Message): Promise<void> {
  if (message.author.bot) return;
  if (message.content === '!ping') await message.reply('pong');
  if (message.content === '!count') {
    if (!message.channel.isSendable()) return;
    await message.channel.send('one');
    await message.channel.send('two');
  }
}
// --8<-- [end:on-message]

// --8<-- [start:commands]
const COMMANDS = [
  { name: 'greet', description: 'Say hello', options: [
    { type: 3, name: 'name', description: 'Who', required: true }] },
  { name: 'panel', description: 'A button and a menu' },
  { name: 'form', description: 'A modal' },
  { name: 'fruit', description: 'Pick a fruit', options: [
    { type: 3, name: 'name', description: 'Which', required: true, autocomplete: true }] },
  { type: 2, name: 'Who' },
];

async function onInteraction(interaction: Interaction): Promise<void> {
  if (interaction.isAutocomplete()) {
    const typed = interaction.options.getFocused();
    const fruits = ['apple', 'apricot', 'banana'].filter((f) => f.startsWith(typed));
    await interaction.respond(fruits.map((f) => ({ name: f, value: f })));
  } else if (interaction.isUserContextMenuCommand()) {
    await interaction.reply(`that is ${interaction.targetUser.username}`);
  } else if (interaction.isChatInputCommand()) {
    if (interaction.commandName === 'greet') {
      await interaction.reply(`hello ${interaction.options.getString('name', true)}`);
    } else if (interaction.commandName === 'panel') {
      await interaction.reply({
        content: 'panel',
        components: [
          new ActionRowBuilder<ButtonBuilder>().addComponents(new ButtonBuilder()
            .setCustomId('press').setLabel('Press').setStyle(ButtonStyle.Primary)),
          new ActionRowBuilder<StringSelectMenuBuilder>().addComponents(
            new StringSelectMenuBuilder().setCustomId('flavour').addOptions(
              { label: 'Vanilla', value: 'vanilla' }, { label: 'Mint', value: 'mint' })),
        ],
      });
    } else if (interaction.commandName === 'form') {
      await interaction.showModal(new ModalBuilder().setCustomId('form').setTitle('Form')
        .addComponents(new ActionRowBuilder<TextInputBuilder>().addComponents(
          new TextInputBuilder().setCustomId('answer').setLabel('Answer')
            .setStyle(TextInputStyle.Short))));
    }
  } else if (interaction.isButton()) {
    await interaction.update({ content: `pressed by ${interaction.user.username}`, components: [] });
  } else if (interaction.isStringSelectMenu()) {
    await interaction.reply(`flavour: ${interaction.values.join(',')}`);
  } else if (interaction.isModalSubmit()) {
    await interaction.reply(`answer: ${interaction.fields.getTextInputValue('answer')}`);
  }
}
// --8<-- [end:commands]

// --8<-- [start:bot]
beforeAll(async () => {
  await discord.reset();
  const [guild] = await discord.guilds();     // ids come from the world
  general = (await discord.channels(guild.id)).find((c) => c.name === 'general')!;
  alice = (await discord.users()).find((u) => u.username === 'alice')!;

  bot = new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages,
      GatewayIntentBits.MessageContent, GatewayIntentBits.GuildMessageReactions],
    ...discord.discordJs(),
  });
  bot.on(Events.MessageReactionAdd, (reaction) => {
    const { channel } = reaction.message;
    if (channel.isSendable()) void channel.send(`reacted ${reaction.emoji.name}`);
  });
  bot.on(Events.MessageCreate, (message) => void onMessage(message));
  bot.on(Events.InteractionCreate, (interaction) => void onInteraction(interaction));
  const ready = new Promise<Client<true>>((resolve) => bot.once(Events.ClientReady, resolve));
  await bot.login(discord.settings.token);
  await discord.waitForBot();
  await (await ready).application.commands.set(COMMANDS);
  expect((await discord.commands()).map((c) => c.name).sort())
    .toEqual(['Who', 'form', 'fruit', 'greet', 'panel']);
});

afterAll(async () => {
  await bot?.destroy();
});
// --8<-- [end:bot]

describe('a discord.js bot driven through the package', () => {
  // --8<-- [start:ask]
  it('answers a message a user sends', async () => {
    const { message, replies } = await discord.ask({
      channel: general.id, author: alice.id, content: '!ping',
    });
    expect(message.author.id).toBe(alice.id);
    expect(replies).toHaveLength(1);
    expect(replies[0].content).toBe('pong');
    expect(replies[0].author.id).toBe(discord.settings.bot_id);
    expect(replies[0].message_reference?.message_id).toBe(message.id);
  });

  // --8<-- [end:ask]
  it('waits for every message the bot posts', async () => {
    const since = await discord.journalMark();
    await discord.sendMessage({ channel: general.id, author: alice.id, content: '!count' });
    const posted = await discord.waitForBotMessages({ channel: general.id, since, count: 2 });
    expect(posted.map((m) => m.content)).toEqual(['one', 'two']);
    const latest = await discord.messages(general.id, { limit: 3 });
    expect(latest.map((m) => m.content)).toEqual(['!count', 'one', 'two']);
  });

  it('runs a slash command as a user', async () => {
    const state = await discord.slash({
      user: alice.id, channel: general.id, name: 'greet', options: { name: 'Carol' },
    });
    expect(state.responded).toBe(true);
    expect(state.callback).toBe('CHANNEL_MESSAGE_WITH_SOURCE');
    expect(state.message?.content).toBe('hello Carol');
    const missing = await discord.slash({ user: alice.id, channel: general.id, name: 'greet' })
      .catch((e) => e);
    expect(missing).toBeInstanceOf(AdminError);
    expect(missing.status).toBe(400);
  });

  // --8<-- [start:components]
  it('clicks a button and picks in a select menu the bot sent', async () => {
    const panel = await discord.slash({ user: alice.id, channel: general.id, name: 'panel' });
    const messageId = panel.message!.id;
    const picked = await discord.select({
      user: alice.id, message: messageId, customId: 'flavour', values: ['mint'],
    });
    expect(picked.message?.content).toBe('flavour: mint');
    const clicked = await discord.click({ user: alice.id, message: messageId, customId: 'press' });
    // An update answers with no message of its own: the reply carries the panel as updated.
    expect(clicked.callback).toBe('UPDATE_MESSAGE');
    expect(clicked.message).toBeNull();
    const updated = clicked.replies[0].message!;
    expect(updated.id).toBe(messageId);
    expect(updated.content).toBe('pressed by alice');
    expect(updated.components).toEqual([]);
  });

  it('submits the modal the bot opened', async () => {
    const opened = await discord.slash({ user: alice.id, channel: general.id, name: 'form' });
    expect(opened.callback).toBe('MODAL');
    expect(opened.modal_open).toBe(true);
    expect((await discord.modals(alice.id)).map((m) => m.custom_id)).toEqual(['form']);
    const submitted = await discord.submitModal(opened, { answer: 'yes' });
    expect(submitted.message?.content).toBe('answer: yes');
    expect(await discord.modals(alice.id)).toEqual([]);
  });

  // --8<-- [end:components]
  it('autocompletes an option and runs a user command', async () => {
    const typed = await discord.autocomplete({
      user: alice.id, channel: general.id, name: 'fruit', focused: 'name', value: 'ap',
    });
    expect(typed.choices).toEqual([{ name: 'apple', value: 'apple' },
      { name: 'apricot', value: 'apricot' }]);
    const bob = (await discord.users()).find((u) => u.username === 'bob')!;
    const who = await discord.contextMenu({
      user: alice.id, channel: general.id, name: 'Who', target: bob.id,
    });
    expect(who.message?.content).toBe('that is bob');
    const mine = await discord.interactions({ user: alice.id });
    expect(mine.at(-1)?.id).toBe(who.id);
    expect((await discord.interaction(who.id)).message?.content).toBe('that is bob');
  });

  it('tells the bot of a reaction, and of a member who just joined', async () => {
    const message = await discord.sendMessage({ channel: general.id, author: alice.id, content: 'vote' });
    const since = await discord.journalMark();
    await discord.react({ channel: general.id, message: message.id, user: alice.id, emoji: '👍' });
    const [answer] = await discord.waitForBotMessages({ channel: general.id, since });
    expect(answer.content).toBe('reacted 👍');

    const dave = await discord.addUser({ username: 'dave' });
    await discord.addMember(general.guild_id as string, { user: dave.id });
    expect((await discord.members(general.guild_id as string)).length).toBeGreaterThan(5);
    const { replies } = await discord.ask({ channel: general.id, author: dave.id, content: '!ping' });
    expect(replies.map((m) => m.content)).toEqual(['pong']);
  });

  it('asks the bot to reconnect: discord.js resumes and answers again', async () => {
    const since = await discord.journalMark();
    await discord.reconnect();
    await discord.waitForJournal({ kind: 'frame', direction: 'in', event: 'RESUME', since });
    await discord.waitForJournal({ kind: 'frame', direction: 'out', event: 'RESUMED', since });
    const { replies } = await discord.ask({ channel: general.id, author: alice.id, content: '!ping' });
    expect(replies[0].content).toBe('pong');
  });

  it('sets and clears a REST route\'s rate limit', async () => {
    const route = '/channels/{channel_id}/messages';
    expect(await discord.setRateLimit({ route, limit: 5, resetAfter: 2 }))
      .toEqual({ route, limit: 5, reset_after: 2 });
    const limits = await discord.rateLimits();
    expect(limits.overrides).toEqual([{ route, limit: 5, reset_after: 2 }]);
    expect(limits.routes).toContain(route);
    await discord.clearRateLimits();
    expect((await discord.rateLimits()).overrides).toEqual([]);
  });

  it('flips the application\'s privileged intents as the developer portal does', async () => {
    const before = await discord.privilegedIntents();
    expect(before).toEqual(['presences', 'members', 'message_content']);
    expect(await discord.setPrivilegedIntents(['members'])).toEqual(['members']);
    expect(await discord.privilegedIntents()).toEqual(['members']);
    await discord.setPrivilegedIntents(before);
  });

  it('says what is wrong when a user cannot act', async () => {
    const error = await discord.sendMessage({ channel: general.id, author: '1', content: 'hi' })
      .catch((e) => e);
    expect(error).toBeInstanceOf(AdminError);
    expect(error.status).toBe(404);
  });
});

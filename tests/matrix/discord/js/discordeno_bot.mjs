// The Discord matrix's scenario bot for discordeno: node discordeno_bot.mjs '<settings>'.
// Its REST reaches another host only in its "proxied" mode (rest.proxy.baseUrl, with the
// bot's authorization passed on); the gateway URL comes from the twin's /gateway/bot.
// discordeno keeps no cache: the bot tracks READY's guilds until each GUILD_CREATE came.
// Behaves as tests/matrix/discord/checks.py says; prints "ready" with its guilds, or
// "fatal" when start() throws or a shard is left Offline before it was ready.
import {
  createBot, createDesiredPropertiesObject, InteractionResponseTypes, InteractionTypes,
  ShardState,
} from '@discordeno/bot';
import { fatal, guarded, onExit, out, settings, words } from './common.mjs';

const shards = settings.shards;
const bot = createBot({
  token: settings.token,
  intents: settings.intents,
  desiredProperties: createDesiredPropertiesObject({}, true),
  rest: { proxy: { baseUrl: settings.api, authorization: `Bot ${settings.token}` } },
  gateway: {
    // A shard that cannot log in is left Offline ("may not attempt to reconnect on its
    // own"), which its disconnected event shows; that event carries no reason (discordeno
    // throws the close's reason from its socket's close handler, where no caller gets it).
    events: {
      disconnected: (shard) => {
        if (!announced && shard.state === ShardState.Offline) {
          fatal(`gateway events.disconnected (shard ${shard.id})`,
            `shard ${shard.id} is ${ShardState[shard.state]}`);
        }
      },
    },
    ...(shards ? { totalShards: shards, firstShardId: 0, lastShardId: shards - 1 } : {}),
  },
});

const readyShards = new Set();
const pending = new Set();
const guilds = new Set();
let announced = false;
function maybeReady() {
  if (!announced && readyShards.size === (shards ?? 1) && pending.size === 0) {
    announced = true;
    out({ type: 'ready', guilds: [...guilds].sort() });
  }
}

// The status and code of a REST failure (proxied mode throws the response's body).
function restError(error) {
  const cause = error?.cause;
  if (!cause || typeof cause.status !== 'number') throw error;
  return { status: cause.status, code: JSON.parse(cause.body ?? '{}').code };
}

const say = (channelId, content) => bot.helpers.sendMessage(channelId, { content });
const respond = (interaction, type, data) =>
  bot.helpers.sendInteractionResponse(interaction.id, interaction.token, { type, data });

function findField(components, customId) {
  for (const component of components ?? []) {
    if (component.customId === customId) return component.value;
    const inner = findField(component.components ?? (component.component ? [component.component] : []), customId);
    if (inner !== undefined) return inner;
  }
  return undefined;
}

bot.events.ready = guarded('ready', (payload) => {
  readyShards.add(payload.shardId);
  for (const id of payload.guilds) pending.add(String(id));
  maybeReady();
});

bot.events.guildCreate = guarded('guildCreate', (guild) => {
  guilds.add(String(guild.id));
  pending.delete(String(guild.id));
  maybeReady();
});

bot.events.messageCreate = guarded('messageCreate', async (message) => {
  if (message.author?.bot) return;
  const [command, ...args] = words(message.content);
  const channel = message.channelId;
  if (command === '!ping') {
    await say(channel, `pong ${args[0]}`);
  } else if (command === '!button') {
    await bot.helpers.sendMessage(channel, {
      content: `button ${args[0]}`,
      components: [{ type: 1, components: [
        { type: 2, style: 1, label: 'Open', customId: `open:${args[0]}` }] }],
    });
  } else if (command === '!react') {
    await bot.helpers.addReaction(channel, message.id, '✅');
  } else if (command === '!forbidden') {
    try {
      await say(settings.locked, 'not allowed here');
    } catch (error) {
      const { status, code } = restError(error);
      await say(channel, `forbidden ${status} ${code} ${args[0]}`);
    }
  } else if (command === '!burst') {
    for (let i = 1; i <= Number(args[1]); i++) await say(channel, `burst ${args[0]} ${i}`);
  }
});

bot.events.reactionAdd = guarded('reactionAdd', async (payload) => {
  if (payload.userId === bot.id) return;
  await say(payload.channelId, `reaction ${payload.emoji.name} ${payload.userId}`);
});

bot.events.guildMemberAdd = guarded('guildMemberAdd', async (member, user) => {
  const channels = await bot.helpers.getChannels(member.guildId);
  const general = channels.find((c) => c.name === 'general');
  await say(general.id, `welcome ${user.id}`);
});

bot.events.interactionCreate = guarded('interactionCreate', async (interaction) => {
  const data = interaction.data ?? {};
  if (interaction.type === InteractionTypes.ApplicationCommandAutocomplete) {
    const typed = data.options.find((o) => o.focused).value;
    await respond(interaction, InteractionResponseTypes.ApplicationCommandAutocompleteResult, {
      choices: [1, 2].map((i) => ({ name: `${typed}-${i}`, value: `${typed}-${i}` })),
    });
  } else if (interaction.type === InteractionTypes.ApplicationCommand) {
    const given = Object.fromEntries(data.options.map((o) => [o.name, o.value]));
    await respond(interaction, InteractionResponseTypes.ChannelMessageWithSource,
      { content: `echo ${given.text} x${given.times}` });
  } else if (interaction.type === InteractionTypes.MessageComponent) {
    const n = data.customId.split(':')[1];
    await respond(interaction, InteractionResponseTypes.Modal, {
      title: 'Form', customId: `form:${n}`,
      components: [{ type: 1, components: [
        { type: 4, customId: 'answer', label: 'Answer', style: 1 }] }],
    });
  } else if (interaction.type === InteractionTypes.ModalSubmit) {
    const n = data.customId.split(':')[1];
    await respond(interaction, InteractionResponseTypes.ChannelMessageWithSource,
      { content: `modal ${findField(data.components, 'answer')} ${n}` });
  }
});

onExit(() => bot.shutdown());
try {
  await bot.start();
} catch (error) {
  fatal('bot.start', error);
}

// The Discord matrix's scenario bot for Oceanic.js: node oceanic_bot.mjs '<settings>'.
// new Client({rest: {baseURL}}): REST at the twin, the gateway from its /gateway/bot.
// Behaves as tests/matrix/discord/checks.py says; prints "ready" with its guilds, or
// "fatal" with the error of a shard that disconnected before it was ready.
import { Client, DiscordRESTError, InteractionTypes } from 'oceanic.js';
import { failed, fatal, guarded, onExit, out, settings, words } from './common.mjs';

const shards = settings.shards;
const client = new Client({
  auth: `Bot ${settings.token}`,
  rest: { baseURL: settings.rest },
  gateway: {
    intents: settings.intents,
    ...(shards ? { maxShards: shards, shardIDs: [...Array(shards).keys()] } : {}),
  },
});
client.on('error', failed('client error'));

let ready = false;
client.once('ready', () => {
  ready = true;
  out({ type: 'ready', guilds: [...client.guilds.keys()].sort() });
});
// connect() resolves once the shards are spawned; a shard that cannot log in emits its
// GatewayError (with the close code) as "error", then disconnects with it (for 4004 and
// 4010-4014 without reconnecting: Shard.onWSClose sets reconnect false).
client.on('shardDisconnect', (error, id) => {
  if (!ready && error) fatal(`shardDisconnect (shard ${id})`, error);
});

client.on('messageCreate', guarded('messageCreate', async (message) => {
  if (message.author.bot) return;
  const [command, ...args] = words(message.content);
  const channel = message.channelID;
  const send = (options) => client.rest.channels.createMessage(channel, options);
  if (command === '!ping') {
    await send({ content: `pong ${args[0]}` });
  } else if (command === '!button') {
    await send({
      content: `button ${args[0]}`,
      components: [{ type: 1, components: [
        { type: 2, style: 1, label: 'Open', customID: `open:${args[0]}` }] }],
    });
  } else if (command === '!react') {
    await client.rest.channels.createReaction(channel, message.id, '✅');
  } else if (command === '!forbidden') {
    try {
      await client.rest.channels.createMessage(settings.locked, { content: 'not allowed here' });
    } catch (error) {
      if (!(error instanceof DiscordRESTError)) throw error;
      await send({ content: `forbidden ${error.status} ${error.code} ${args[0]}` });
    }
  } else if (command === '!burst') {
    for (let i = 1; i <= Number(args[1]); i++) await send({ content: `burst ${args[0]} ${i}` });
  }
}));

client.on('messageReactionAdd', guarded('messageReactionAdd', async (message, reactor, reaction) => {
  if (reactor.id === client.user.id) return;
  await client.rest.channels.createMessage(message.channelID,
    { content: `reaction ${reaction.emoji.name} ${reactor.id}` });
}));

client.on('guildMemberAdd', guarded('guildMemberAdd', async (member) => {
  const general = member.guild.channels.find((c) => c.name === 'general');
  await client.rest.channels.createMessage(general.id, { content: `welcome ${member.id}` });
}));

client.on('interactionCreate', guarded('interactionCreate', async (interaction) => {
  if (interaction.type === InteractionTypes.APPLICATION_COMMAND_AUTOCOMPLETE) {
    const typed = interaction.data.options.getFocused(true).value;
    await interaction.result([1, 2].map((i) => ({ name: `${typed}-${i}`, value: `${typed}-${i}` })));
  } else if (interaction.type === InteractionTypes.APPLICATION_COMMAND) {
    const text = interaction.data.options.getString('text', true);
    const times = interaction.data.options.getInteger('times', true);
    await interaction.createMessage({ content: `echo ${text} x${times}` });
  } else if (interaction.type === InteractionTypes.MESSAGE_COMPONENT) {
    const n = interaction.data.customID.split(':')[1];
    await interaction.createModal({
      title: 'Form', customID: `form:${n}`,
      components: [{ type: 1, components: [
        { type: 4, customID: 'answer', label: 'Answer', style: 1 }] }],
    });
  } else if (interaction.type === InteractionTypes.MODAL_SUBMIT) {
    const n = interaction.data.customID.split(':')[1];
    const answer = interaction.data.components.getTextInput('answer', true);
    await interaction.createMessage({ content: `modal ${answer} ${n}` });
  }
}));

onExit(() => client.disconnect(false));
await client.connect();

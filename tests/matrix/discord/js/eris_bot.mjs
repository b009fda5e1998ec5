// The Discord matrix's scenario bot for Eris: node eris_bot.mjs '<settings>'.
// Eris's REST always speaks HTTPS to rest.domain on port 443; its rest.agent is the one
// way in: this agent hands it a plain TCP connection to the twin whatever it asks for.
// The gateway URL comes from the twin's /gateway/bot. Behaves as
// tests/matrix/discord/checks.py says; prints "ready" with its guilds, or "fatal"
// with the error of a shard that disconnected before it was ready.
import https from 'node:https';
import net from 'node:net';
import * as Eris from 'eris';
import { fatal, guarded, onExit, out, settings, words } from './common.mjs';

class TwinAgent extends https.Agent {
  createConnection(_options, callback) {
    const socket = net.connect(settings.port, settings.host);
    socket.once('connect', () => callback?.(null, socket));
    return socket;
  }
}

const shards = settings.shards;
const bot = new Eris.Client(`Bot ${settings.token}`, {
  intents: settings.intents,
  rest: { agent: new TwinAgent(), baseURL: '/api/v10' },
  ...(shards ? { maxShards: shards, firstShardID: 0, lastShardID: shards - 1 } : {}),
});
// Eris emits "error" for a connection it then recovers (a dropped socket): noted, not
// failed; a handler's own failure comes as a rejection (common.mjs reports it).
bot.on('error', (error, shard) => out({ type: 'warn', where: `shard ${shard}`, message: String(error) }));

let ready = false;
bot.once('ready', () => {
  ready = true;
  out({ type: 'ready', guilds: [...bot.guilds.keys()].sort() });
});
// Eris's connect() resolves once the shards are spawned; a shard that cannot log in says so
// by disconnecting with an error (with the close code; for 4004 and 4010-4014 it does not
// reconnect: Shard._onWSClose sets reconnect false and hardResets the shard).
bot.on('shardDisconnect', (error, id) => {
  if (!ready && error) fatal(`shardDisconnect (shard ${id})`, error);
});

bot.on('messageCreate', guarded('messageCreate', async (message) => {
  if (message.author.bot) return;
  const [command, ...args] = words(message.content);
  const channel = message.channel.id;
  if (command === '!ping') {
    await bot.createMessage(channel, `pong ${args[0]}`);
  } else if (command === '!button') {
    await bot.createMessage(channel, {
      content: `button ${args[0]}`,
      components: [{ type: 1, components: [
        { type: 2, style: 1, label: 'Open', custom_id: `open:${args[0]}` }] }],
    });
  } else if (command === '!react') {
    await message.addReaction('✅');
  } else if (command === '!forbidden') {
    try {
      await bot.createMessage(settings.locked, 'not allowed here');
    } catch (error) {
      if (!(error instanceof Eris.DiscordRESTError)) throw error;
      await bot.createMessage(channel, `forbidden ${error.res.statusCode} ${error.code} ${args[0]}`);
    }
  } else if (command === '!burst') {
    for (let i = 1; i <= Number(args[1]); i++) await bot.createMessage(channel, `burst ${args[0]} ${i}`);
  }
}));

bot.on('messageReactionAdd', guarded('messageReactionAdd', async (message, emoji, reactor) => {
  if (reactor.id === bot.user.id) return;
  await bot.createMessage(message.channel.id, `reaction ${emoji.name} ${reactor.id}`);
}));

bot.on('guildMemberAdd', guarded('guildMemberAdd', async (guild, member) => {
  const general = guild.channels.find((c) => c.name === 'general');
  await bot.createMessage(general.id, `welcome ${member.id}`);
}));

bot.on('interactionCreate', guarded('interactionCreate', async (interaction) => {
  if (interaction instanceof Eris.AutocompleteInteraction) {
    const typed = interaction.data.options.find((o) => o.focused).value;
    await interaction.result([1, 2].map((i) => ({ name: `${typed}-${i}`, value: `${typed}-${i}` })));
  } else if (interaction instanceof Eris.CommandInteraction) {
    const given = Object.fromEntries(interaction.data.options.map((o) => [o.name, o.value]));
    await interaction.createMessage(`echo ${given.text} x${given.times}`);
  } else if (interaction instanceof Eris.ComponentInteraction) {
    const n = interaction.data.custom_id.split(':')[1];
    await interaction.createModal({
      title: 'Form', custom_id: `form:${n}`,
      components: [{ type: 1, components: [
        { type: 4, custom_id: 'answer', label: 'Answer', style: 1 }] }],
    });
  } else if (interaction instanceof Eris.ModalSubmitInteraction) {
    const n = interaction.data.custom_id.split(':')[1];
    const answer = interaction.data.components.flatMap((row) => row.components)
      .find((c) => c.custom_id === 'answer').value;
    await interaction.createMessage(`modal ${answer} ${n}`);
  }
}));

onExit(() => bot.disconnect({ reconnect: false }));
await bot.connect();

// The Discord matrix's scenario bot for discord.js v14: node discordjs_bot.mjs '<settings>'.
// new Client({rest: {api, version}}): it asks the twin's /gateway/bot for the gateway.
// Behaves as tests/matrix/discord/checks.py says; prints "ready" with its guilds, or
// "fatal" with what login() rejected with.
import {
  ActionRowBuilder, ButtonBuilder, ButtonStyle, Client, DiscordAPIError, Events,
  ModalBuilder, TextInputBuilder, TextInputStyle,
} from 'discord.js';
import { failed, fatal, guarded, onExit, out, settings, words } from './common.mjs';

const shards = settings.shards;
const client = new Client({
  intents: settings.intents,
  rest: { api: settings.api, version: '10' },
  ...(shards ? { shards: [...Array(shards).keys()], shardCount: shards } : {}),
});
client.on('error', failed('client error'));

client.once(Events.ClientReady, () => {
  out({ type: 'ready', guilds: [...client.guilds.cache.keys()].sort() });
});

client.on(Events.MessageCreate, guarded('messageCreate', async (message) => {
  if (message.author.bot) return;
  const [command, ...args] = words(message.content);
  const channel = message.channel;
  if (command === '!ping') {
    await channel.send(`pong ${args[0]}`);
  } else if (command === '!button') {
    const row = new ActionRowBuilder().addComponents(
      new ButtonBuilder().setCustomId(`open:${args[0]}`).setLabel('Open')
        .setStyle(ButtonStyle.Primary));
    await channel.send({ content: `button ${args[0]}`, components: [row] });
  } else if (command === '!react') {
    await message.react('✅');
  } else if (command === '!forbidden') {
    try {
      await client.channels.cache.get(settings.locked).send('not allowed here');
    } catch (error) {
      if (!(error instanceof DiscordAPIError)) throw error;
      await channel.send(`forbidden ${error.status} ${error.code} ${args[0]}`);
    }
  } else if (command === '!burst') {
    for (let i = 1; i <= Number(args[1]); i++) await channel.send(`burst ${args[0]} ${i}`);
  }
}));

client.on(Events.MessageReactionAdd, guarded('messageReactionAdd', async (reaction, user) => {
  if (user.id === client.user.id) return;
  await reaction.message.channel.send(`reaction ${reaction.emoji.name} ${user.id}`);
}));

client.on(Events.GuildMemberAdd, guarded('guildMemberAdd', async (member) => {
  const general = member.guild.channels.cache.find((c) => c.name === 'general');
  await general.send(`welcome ${member.id}`);
}));

client.on(Events.InteractionCreate, guarded('interactionCreate', async (interaction) => {
  if (interaction.isAutocomplete()) {
    const typed = interaction.options.getFocused();
    await interaction.respond([1, 2].map((i) => ({ name: `${typed}-${i}`, value: `${typed}-${i}` })));
  } else if (interaction.isChatInputCommand()) {
    const text = interaction.options.getString('text');
    const times = interaction.options.getInteger('times');
    await interaction.reply(`echo ${text} x${times}`);
  } else if (interaction.isButton()) {
    const n = interaction.customId.split(':')[1];
    const modal = new ModalBuilder().setCustomId(`form:${n}`).setTitle('Form').addComponents(
      new ActionRowBuilder().addComponents(
        new TextInputBuilder().setCustomId('answer').setLabel('Answer')
          .setStyle(TextInputStyle.Short)));
    await interaction.showModal(modal);
  } else if (interaction.isModalSubmit()) {
    const n = interaction.customId.split(':')[1];
    await interaction.reply(`modal ${interaction.fields.getTextInputValue('answer')} ${n}`);
  }
}));

onExit(() => client.destroy());
try {
  await client.login(settings.token);
} catch (error) {
  // A close it does not retry (4004, 4010-4014) rejects the login.
  fatal('client.login', error);
}

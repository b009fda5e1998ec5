// Drives the real discord.js v14 against a wiretwin Discord twin.
//
// Usage: node driver.mjs '<settings JSON>'
//
// settings = {
//   rest: {api, version},   // discord_js_options(twin)["rest"]: new Client({rest})
//   token,                  // client.login(token)
//   intents,                // the intents bitfield (a number)
//   reply,                  // {"!ping": "pong", ...}: message.reply(answer) for these
//   commands,               // optional: application commands to register once ready
// }
//
// With commands, the client answers interactions (see onInteraction below): /ping
// replies "pong"; /echo text replies text (ephemeral); /slow defers, edits, follows up;
// /panel sends a button and a select; clicking updates the message; picking replies;
// /form opens a modal whose submit replies with the "answer" field; autocomplete on
// /fruit answers matching fruits; the user command "Who" replies with the username.
//
// Commands arrive on stdin, one JSON object a line; every observation goes to stdout as
// one JSON object a line.
//
//   {"cmd":"exit"}                                 client.destroy(), then exit 0
//
// Observations:
//   {"type":"started","discord_js"}                the driver runs (discord.js version)
//   {"type":"ready","user_id","username","guilds":[{id,name,channels}],"application_id"}
//   {"type":"message","id","channel_id","guild_id","author_id","content","bot"}
//   {"type":"replied","to","id","content","reference"}   message.reply resolved
//   {"type":"error","where","message"}             a promise rejected or 'error' emitted
//   {"type":"destroyed"}                           client.destroy() resolved
//   {"type":"registered","names"}                  application.commands.set resolved
//   {"type":"interaction","kind","name","user_id"}  an interaction arrived
import {
  ActionRowBuilder, ButtonBuilder, ButtonStyle, Client, Events, MessageFlags, ModalBuilder,
  StringSelectMenuBuilder, TextInputBuilder, TextInputStyle, version,
} from 'discord.js';
import readline from 'node:readline';

const settings = JSON.parse(process.argv[2] ?? 'null');
if (!settings || !settings.rest || !settings.token) {
  process.stderr.write('driver.mjs: settings JSON (argv[2]) needs rest and token\n');
  process.exit(2);
}

function out(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

function failed(where) {
  return (error) => out({ type: 'error', where, message: String(error?.stack ?? error) });
}

out({ type: 'started', discord_js: version });

const client = new Client({ intents: settings.intents, rest: settings.rest });
client.on(Events.Debug, (message) => process.stderr.write(`[discord.js] ${message}\n`));
client.on(Events.Error, failed('client'));
client.on(Events.ShardError, failed('shard'));

client.once(Events.ClientReady, (ready) => {
  if (settings.commands) {
    ready.application.commands.set(settings.commands).then(
      (made) => out({ type: 'registered', names: made.map((c) => c.name).sort() }),
      failed('register'),
    );
  }
  out({
    type: 'ready',
    user_id: ready.user.id,
    username: ready.user.username,
    application_id: ready.application.id,
    guilds: ready.guilds.cache.map((g) => ({
      id: g.id,
      name: g.name,
      channels: g.channels.cache.map((c) => c.name).sort(),
    })),
  });
});

client.on(Events.MessageCreate, (message) => {
  out({
    type: 'message',
    id: message.id,
    channel_id: message.channelId,
    guild_id: message.guildId,
    author_id: message.author.id,
    content: message.content,
    bot: message.author.bot,
  });
  const answer = settings.reply?.[message.content];
  if (message.author.bot || answer === undefined) return;
  message.reply(answer).then(
    (sent) => out({
      type: 'replied',
      to: message.id,
      id: sent.id,
      content: sent.content,
      reference: sent.reference?.messageId ?? null,
    }),
    failed('reply'),
  );
});

async function onInteraction(interaction) {
  const name = interaction.commandName ?? interaction.customId;
  out({ type: 'interaction', kind: interaction.type, name, user_id: interaction.user.id });
  if (interaction.isAutocomplete()) {
    const typed = interaction.options.getFocused();
    const fruits = ['apple', 'apricot', 'banana'].filter((f) => f.startsWith(typed));
    await interaction.respond(fruits.map((f) => ({ name: f, value: f })));
  } else if (interaction.isChatInputCommand()) {
    if (name === 'ping') await interaction.reply('pong');
    if (name === 'echo') {
      await interaction.reply({
        content: interaction.options.getString('text'), flags: MessageFlags.Ephemeral,
      });
    }
    if (name === 'slow') {
      await interaction.deferReply();
      await interaction.editReply('done');
      await interaction.followUp('and one more');
    }
    if (name === 'panel') {
      const button = new ButtonBuilder().setCustomId('press').setLabel('Press')
        .setStyle(ButtonStyle.Primary);
      const select = new StringSelectMenuBuilder().setCustomId('flavour').addOptions(
        { label: 'Vanilla', value: 'vanilla' }, { label: 'Mint', value: 'mint' });
      await interaction.reply({
        content: 'panel',
        components: [new ActionRowBuilder().addComponents(button),
          new ActionRowBuilder().addComponents(select)],
      });
    }
    if (name === 'form') {
      const input = new TextInputBuilder().setCustomId('answer').setLabel('Answer')
        .setStyle(TextInputStyle.Short);
      await interaction.showModal(new ModalBuilder().setCustomId('form').setTitle('Form')
        .addComponents(new ActionRowBuilder().addComponents(input)));
    }
  } else if (interaction.isUserContextMenuCommand()) {
    await interaction.reply(`that is ${interaction.targetUser.username}`);
  } else if (interaction.isButton()) {
    await interaction.update({ content: `pressed by ${interaction.user.username}`,
      components: [] });
  } else if (interaction.isStringSelectMenu()) {
    await interaction.reply(`flavour: ${interaction.values.join(',')}`);
  } else if (interaction.isModalSubmit()) {
    await interaction.reply(`answer: ${interaction.fields.getTextInputValue('answer')}`);
  }
}

client.on(Events.InteractionCreate, (interaction) => {
  onInteraction(interaction).catch(failed('interaction'));
});

client.login(settings.token).catch(failed('login'));

let exiting = false;
const commands = readline.createInterface({ input: process.stdin });
commands.on('line', (line) => {
  let command;
  try {
    command = JSON.parse(line);
  } catch (error) {
    failed('command')(error);
    return;
  }
  if (command.cmd === 'exit') {
    exiting = true;
    client.destroy().then(
      () => {
        out({ type: 'destroyed' });
        process.exit(0);
      },
      (error) => {
        failed('destroy')(error);
        process.exit(1);
      },
    );
  } else {
    out({ type: 'error', where: 'command', message: `unknown command ${command.cmd}` });
  }
});
// stdin closed without an exit command (the test is gone): leave at once.
commands.on('close', () => {
  if (!exiting) process.exit(0);
});

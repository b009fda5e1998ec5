// Drives the real discord.js v14 against a wiretwin Discord twin.
//
// Usage: node driver.mjs '<settings JSON>'
//
// settings = {
//   rest: {api, version},   // discord_js_options(twin)["rest"]: new Client({rest})
//   token,                  // client.login(token)
//   intents,                // the intents bitfield (a number)
//   reply,                  // {"!ping": "pong", ...}: message.reply(answer) for these
// }
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
import { Client, Events, version } from 'discord.js';
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

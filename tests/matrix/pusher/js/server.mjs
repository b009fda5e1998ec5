// The Pusher matrix's host for the Node server SDK (npm `pusher`, pusher-http-node).
// Usage: node server.mjs '<settings JSON>'   settings = {appId, key, secret, host, port,
// encryptionMasterKeyBase64}. Commands on stdin, one JSON object a line, each with an id;
// answers on stdout: {type:'result', id, value} or {type:'result', id, error}.
//   {cmd:'trigger', channels, event, data}         {cmd:'triggerBatch', batch}
//   {cmd:'authorizeChannel', socketId, channel, presenceData}
//   {cmd:'authenticateUser', socketId, userData}   {cmd:'sendToUser', userId, event, data}
//   {cmd:'get', path, params}                       GET on the HTTP API: the JSON body
import Pusher from 'pusher';
import { createRequire } from 'node:module';
import readline from 'node:readline';

const require = createRequire(import.meta.url);
const settings = JSON.parse(process.argv[2]);
const out = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');
const pusher = new Pusher({ ...settings, useTLS: false });

async function check(response) {
  if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
  return response.json();
}

const commands = {
  trigger: ({ channels, event, data }) => pusher.trigger(channels, event, data).then(check),
  triggerBatch: ({ batch }) => pusher.triggerBatch(batch).then(check),
  authorizeChannel: ({ socketId, channel, presenceData }) =>
    pusher.authorizeChannel(socketId, channel, presenceData ?? undefined),
  authenticateUser: ({ socketId, userData }) => pusher.authenticateUser(socketId, userData),
  sendToUser: ({ userId, event, data }) => pusher.sendToUser(userId, event, data).then(check),
  get: ({ path, params }) => pusher.get({ path, params }).then(check),
};

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', async (line) => {
  if (!line.trim()) return;
  const command = JSON.parse(line);
  try {
    const fn = commands[command.cmd];
    if (!fn) throw new Error(`unknown command ${command.cmd}`);
    out({ type: 'result', id: command.id, value: (await fn(command)) ?? null });
  } catch (e) {
    out({ type: 'result', id: command.id, error: String(e?.message ?? e) });
  }
});
rl.on('close', () => process.exit(0));
out({ type: 'ready', version: require('pusher/package.json').version });

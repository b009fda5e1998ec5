// Drives the real pusher-js (Node build) against a wiretwin Pusher twin.
//
// Usage: node driver.mjs '<settings JSON>'   (or the settings in $WIRETWIN_PUSHER_JS)
//
// settings = {
//   key, options,            // twin.settings()["pusher_js"]: new Pusher(key, options)
//   channelAuthEndpoint,     // absolute URL (Node has no page origin)
//   userAuthEndpoint,        // absolute URL
// }
//
// Commands arrive on stdin, one JSON object a line; every observation goes to stdout as
// one JSON object a line. Several named pusher-js clients live in one process, so one
// node start serves a whole scenario.
//
//   {"cmd":"connect","client":"a","params":{...},"options":{...}}
//                                                   new Pusher(...); params go to both
//                                                   auth endpoints as form fields; options
//                                                   are merged into the Pusher options
//                                                   (e.g. {"pongTimeout": 300})
//   {"cmd":"subscribe","client":"a","channel":"c","bind":["client-x"]}
//                                                   bind_global on the channel, plus
//                                                   channel.bind(name) for each "bind"
//                                                   name (to see the metadata argument)
//   {"cmd":"unsubscribe","client":"a","channel":"c"}
//   {"cmd":"trigger","client":"a","channel":"c","event":"client-x","data":{...}}
//   {"cmd":"members","client":"a","channel":"presence-c"}
//   {"cmd":"signin","client":"a"}
//   {"cmd":"disconnect","client":"a"}
//   {"cmd":"exit"}
//
// Observations ("client" names the pusher-js instance):
//   {"type":"ready","pusher_js","build"}                    version, class name
//   {"type":"state","previous","current","socket_id"}        connection state_change
//   {"type":"connection_error","error"}                       connection 'error'
//   {"type":"event","channel","event","data"}                 channel.bind_global
//   {"type":"bound","channel","event","data","metadata"}      channel.bind(event)
//   {"type":"triggered","channel","event","ok"}               channel.trigger's result
//   {"type":"members","channel","count","me","members"}
//   {"type":"signin_done","user_data"}                        user.signinDonePromise
//   {"type":"user_event","event","data"}                      pusher.user.bind_global
//   {"type":"watchlist","event","data"}                       user.watchlist.bind_global
//   {"type":"command_error","cmd","message"}
import Pusher from 'pusher-js';
import { createRequire } from 'node:module';
import readline from 'node:readline';

// pusher-js has no "exports" map: under Node, `import 'pusher-js'` loads "main",
// dist/node/pusher.js, whose webpack entry is src/core/pusher-with-encryption (the class
// is PusherWithEncryption). `pusher-js/with-encryption` is the *web* build (needs a
// window), so the Node build is the with-encryption build to use here.
const { version: PUSHER_JS_VERSION } = createRequire(import.meta.url)('pusher-js/package.json');

const settings = JSON.parse(process.argv[2] ?? process.env.WIRETWIN_PUSHER_JS ?? 'null');
if (!settings || !settings.key || !settings.options) {
  process.stderr.write('driver.mjs: settings JSON (argv[2] or $WIRETWIN_PUSHER_JS) needs key and options\n');
  process.exit(2);
}

Pusher.logToConsole = false;
Pusher.log = (msg) => process.stderr.write(`[pusher-js] ${msg}\n`);

function out(obj) {
  process.stdout.write(JSON.stringify(plain(obj)) + '\n');
}

// A JSON-safe copy: Errors become {name, message}; a true cycle (an object inside itself,
// as in socket handles attached to error events) becomes "[cycle]". Shared references
// (a presence Members object holds the same info object twice) are copied as they are.
function plain(value, ancestors = new Set()) {
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (typeof value !== 'object' || value === null) {
    return typeof value === 'function' || typeof value === 'symbol' ? undefined : value;
  }
  if (ancestors.has(value)) return '[cycle]';
  ancestors.add(value);
  let copy;
  if (Array.isArray(value)) {
    copy = value.map((v) => plain(v, ancestors) ?? null);
  } else {
    copy = {};
    for (const [k, v] of Object.entries(value)) {
      const p = plain(v, ancestors);
      if (p !== undefined) copy[k] = p;
    }
  }
  ancestors.delete(value);
  return copy;
}

const clients = new Map();

function client(name) {
  const pusher = clients.get(name);
  if (!pusher) throw new Error(`no client named ${name}`);
  return pusher;
}

function connect({ client: name, params = {}, options = {} }) {
  if (clients.has(name)) throw new Error(`client ${name} exists`);
  const pusher = new Pusher(settings.key, {
    ...settings.options,
    ...options,
    channelAuthorization: {
      endpoint: settings.channelAuthEndpoint,
      transport: 'ajax',
      params,
    },
    userAuthentication: {
      endpoint: settings.userAuthEndpoint,
      transport: 'ajax',
      params,
    },
  });
  clients.set(name, pusher);
  pusher.connection.bind('state_change', ({ previous, current }) => {
    out({ type: 'state', client: name, previous, current, socket_id: pusher.connection.socket_id ?? null });
  });
  pusher.connection.bind('error', (error) => {
    out({ type: 'connection_error', client: name, error });
  });
  pusher.user.bind_global((event, data) => {
    out({ type: 'user_event', client: name, event, data: data ?? null });
  });
  pusher.user.watchlist.bind_global((event, data) => {
    out({ type: 'watchlist', client: name, event, data: data ?? null });
  });
}

function subscribe({ client: name, channel, bind = [] }) {
  const ch = client(name).subscribe(channel);
  ch.bind_global((event, data) => {
    out({ type: 'event', client: name, channel, event, data: data ?? null });
  });
  for (const event of bind) {
    ch.bind(event, (data, metadata) => {
      out({ type: 'bound', client: name, channel, event, data: data ?? null, metadata: metadata ?? null });
    });
  }
}

const commands = {
  connect,
  subscribe,
  unsubscribe({ client: name, channel }) {
    client(name).unsubscribe(channel);
  },
  trigger({ client: name, channel, event, data }) {
    const ch = client(name).channel(channel);
    if (!ch) throw new Error(`client ${name} has no channel ${channel}`);
    out({ type: 'triggered', client: name, channel, event, ok: ch.trigger(event, data) });
  },
  members({ client: name, channel }) {
    const ch = client(name).channel(channel);
    if (!ch || !ch.members) throw new Error(`client ${name} has no presence channel ${channel}`);
    const members = {};
    ch.members.each((m) => { members[m.id] = m.info ?? null; });
    out({ type: 'members', client: name, channel, count: ch.members.count, me: ch.members.me, members });
  },
  signin({ client: name }) {
    const pusher = client(name);
    pusher.signin();
    pusher.user.signinDonePromise.then(() => {
      out({ type: 'signin_done', client: name, user_data: pusher.user.user_data });
    });
  },
  disconnect({ client: name }) {
    client(name).disconnect();
  },
  exit() {
    for (const pusher of clients.values()) pusher.disconnect();
    process.exit(0);
  },
};

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => {
  if (!line.trim()) return;
  let command;
  try {
    command = JSON.parse(line);
    const run = commands[command.cmd];
    if (!run) throw new Error(`unknown command ${command.cmd}`);
    run(command);
  } catch (e) {
    out({ type: 'command_error', cmd: command?.cmd ?? null, message: String(e?.message ?? e) });
  }
});
// The test closing stdin (or dying) ends the scenario.
rl.on('close', () => process.exit(0));

out({ type: 'ready', pusher_js: PUSHER_JS_VERSION, build: Pusher.name });

// The Pusher matrix's client commands, shared by the Node host (node.mjs) and the page
// in Chromium (browser.mjs): a plain script with no imports, so that Node imports it and
// a page takes it as a <script>. It defines globalThis.wiretwinMatrix(host), where
//
//   host = { flavour: 'pusher-js' | 'laravel-echo', Pusher, Echo?, settings, out }
//   settings = { key, options, channelAuthEndpoint, userAuthEndpoint }
//
// and returns run(command). Commands (one JSON object each):
//   {cmd:'connect', client, user}        a new instance; user goes to the auth endpoints
//   {cmd:'subscribe', client, channel}
//   {cmd:'client_event', client, channel, event, data}
//   {cmd:'signin', client}
//   {cmd:'reset'}                        disconnect and forget every instance
// Observations passed to out():
//   {type:'state', client, current, socket_id}
//   {type:'subscribed', client, channel, members}       members: {id: info} (presence)
//   {type:'event', client, channel, event, data}
//   {type:'signin_done', client}
//   {type:'user_event', client, event, data}
//   {type:'command_error', cmd, message}           (a subscription error too)
//   {type:'reset_done'}
globalThis.wiretwinMatrix = function wiretwinMatrix(host) {
  const { flavour, Pusher, Echo, settings, out } = host;
  const clients = new Map();

  function pusherOf(name) {
    const c = clients.get(name);
    if (!c) throw new Error(`no client named ${name}`);
    return flavour === 'laravel-echo' ? c.connector.pusher : c;
  }

  function watch(name, pusher) {
    pusher.connection.bind('state_change', ({ current }) => {
      out({ type: 'state', client: name, current, socket_id: pusher.connection.socket_id ?? null });
    });
    pusher.user.bind_global((event, data) => {
      out({ type: 'user_event', client: name, event, data: data ?? null });
    });
  }

  function connect({ client: name, user = '' }) {
    if (clients.has(name)) throw new Error(`client ${name} exists`);
    const params = { user };
    if (flavour === 'laravel-echo') {
      // Echo's own options: authEndpoint and auth are the legacy pusher-js ones it passes on.
      const echo = new Echo({
        broadcaster: 'pusher',
        Pusher,
        key: settings.key,
        cluster: settings.options.cluster,
        wsHost: settings.options.wsHost,
        wsPort: settings.options.wsPort,
        wssPort: settings.options.wssPort,
        forceTLS: false,
        enabledTransports: ['ws'],
        enableStats: false,
        authEndpoint: settings.channelAuthEndpoint,
        auth: { headers: {}, params },
        userAuthentication: { endpoint: settings.userAuthEndpoint, headers: {}, params },
      });
      clients.set(name, echo);
      watch(name, echo.connector.pusher);
      return;
    }
    const pusher = new Pusher(settings.key, {
      ...settings.options,
      channelAuthorization: { endpoint: settings.channelAuthEndpoint, transport: 'ajax', params },
      userAuthentication: { endpoint: settings.userAuthEndpoint, transport: 'ajax', params },
    });
    clients.set(name, pusher);
    watch(name, pusher);
  }

  function members(data) {
    const list = {};
    if (data && data.members) {
      for (const [id, info] of Object.entries(data.members)) list[id] = info ?? null;
    }
    return list;
  }

  function subscribePusherJs(name, channel) {
    const ch = pusherOf(name).subscribe(channel);
    ch.bind_global((event, data) => {
      if (event === 'pusher:subscription_succeeded') {
        const list = {};
        if (ch.members) ch.members.each((m) => { list[m.id] = m.info ?? null; });
        out({ type: 'subscribed', client: name, channel, members: list });
      } else if (event === 'pusher:subscription_error') {
        out({ type: 'command_error', cmd: 'subscribe', client: name, channel, message: JSON.stringify(data ?? null) });
      } else if (event === 'pusher:member_added' || event === 'pusher:member_removed') {
        out({ type: 'event', client: name, channel, event, data: data?.info ?? null });
      } else {
        out({ type: 'event', client: name, channel, event, data: data ?? null });
      }
    });
  }

  // laravel-echo's API: channel / private / encryptedPrivate / join take the name without
  // its prefix; listenToAll reports an event without a namespace as '.name'.
  function subscribeEcho(name, channel) {
    const echo = clients.get(name);
    let ch;
    if (channel.startsWith('private-encrypted-')) {
      ch = echo.encryptedPrivate(channel.slice('private-encrypted-'.length));
    } else if (channel.startsWith('private-')) {
      ch = echo.private(channel.slice('private-'.length));
    } else if (channel.startsWith('presence-')) {
      ch = echo.join(channel.slice('presence-'.length));
      ch.here((list) => {
        const byId = {};
        const pusherChannel = echo.connector.pusher.channel(channel);
        pusherChannel.members.each((m) => { byId[m.id] = m.info ?? null; });
        out({ type: 'subscribed', client: name, channel, members: byId, here: list });
      });
      ch.joining((info) => {
        out({ type: 'event', client: name, channel, event: 'pusher:member_added', data: info ?? null });
      });
    } else {
      ch = echo.channel(channel);
    }
    if (!channel.startsWith('presence-')) {
      ch.subscribed(() => out({ type: 'subscribed', client: name, channel, members: {} }));
    }
    ch.error((error) => out({ type: 'command_error', cmd: 'subscribe', client: name, channel, message: JSON.stringify(error ?? null) }));
    ch.listenToAll((event, data) => {
      out({ type: 'event', client: name, channel, event: event.replace(/^\./, ''), data: data ?? null });
    });
    // Echo's listenToAll leaves pusher: events out; the cache miss is one.
    ch.on('pusher:cache_miss', (data) => {
      out({ type: 'event', client: name, channel, event: 'pusher:cache_miss', data: data ?? null });
    });
  }

  const commands = {
    connect,
    subscribe({ client: name, channel }) {
      if (flavour === 'laravel-echo') subscribeEcho(name, channel);
      else subscribePusherJs(name, channel);
    },
    client_event({ client: name, channel, event, data }) {
      if (flavour === 'laravel-echo') {
        // whisper('typing') sends client-typing, on private and presence channels.
        const echo = clients.get(name);
        const ch = echo.connector.channels[channel];
        if (!ch) throw new Error(`client ${name} has no channel ${channel}`);
        ch.whisper(event.replace(/^client-/, ''), data);
        return;
      }
      const ch = pusherOf(name).channel(channel);
      if (!ch) throw new Error(`client ${name} has no channel ${channel}`);
      if (!ch.trigger(event, data)) throw new Error(`trigger of ${event} refused`);
    },
    signin({ client: name }) {
      const c = clients.get(name);
      if (!c) throw new Error(`no client named ${name}`);
      if (flavour === 'laravel-echo') c.connector.signin(); else c.signin();
      pusherOf(name).user.signinDonePromise.then(() => out({ type: 'signin_done', client: name }));
    },
    reset() {
      for (const name of clients.keys()) pusherOf(name).disconnect();
      clients.clear();
      out({ type: 'reset_done' });
    },
  };

  return function run(command) {
    try {
      const fn = commands[command.cmd];
      if (!fn) throw new Error(`unknown command ${command.cmd}`);
      fn(command);
    } catch (e) {
      out({ type: 'command_error', cmd: command?.cmd ?? null, message: String(e?.message ?? e) });
    }
  };
};

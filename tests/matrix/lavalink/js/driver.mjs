// The Lavalink matrix's Node host: one client library (shoukaku, lavalink-client,
// moonlink.js or magmastream) driven by commands, one JSON object a line on stdin; what
// it reports goes to stdout, one JSON object a line (tests/matrix/lavalink/js_clients.py).
//
// Usage: node driver.mjs <library> '<settings JSON>'
//   settings = { host, port, password, userId }
// Commands: {id, cmd, ...}: connect, load {identifier}, join {guild, channel},
//   play {identifier}, queue {identifiers}, pause {paused}, seek {position},
//   volume {volume}, timescale {speed}, resuming, reset.
// Replies: {type:'result', id, value} or {type:'command_error', id, message}.
// Events (the library's own, normalised):
//   {type:'ready', session_id, resumed}  {type:'start', title}
//   {type:'end', title, reason}          {type:'update', position}
//
// Discord is played by a small gateway here: a library asks to join voice with an op 4
// payload (through the send function or connector it was given, as it would ask its
// Discord library), and gets back the bot's VOICE_STATE_UPDATE and a VOICE_SERVER_UPDATE
// (a new token each join), as raw gateway packets through the library's own entry point
// for them. The voice server's endpoint is one the twin does not dial.
import readline from 'node:readline';

const library = process.argv[2];
const settings = JSON.parse(process.argv[3]);
const out = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');
const BOT = String(settings.userId);
const ENDPOINT = 'wiretwin.discord.media:443';
let joins = 0;

// The bot's gateway answering op 4 (voice state update) as Discord does.
function gateway(payload, deliver) {
  const { op, d } = payload;
  if (op !== 4) return;
  const guild = String(d.guild_id);
  setImmediate(() => {
    const channel = d.channel_id == null ? null : String(d.channel_id);
    deliver({ op: 0, t: 'VOICE_STATE_UPDATE', d: {
      guild_id: guild, channel_id: channel, user_id: BOT, session_id: `voice-session-${BOT}`,
      deaf: false, mute: false, self_deaf: Boolean(d.self_deaf), self_mute: Boolean(d.self_mute),
      self_video: false, suppress: false, request_to_speak_timestamp: null,
      member: { user: { id: BOT, username: 'wiretwin-bot' } } } });
    if (channel !== null) {
      joins += 1;
      deliver({ op: 0, t: 'VOICE_SERVER_UPDATE', d: {
        guild_id: guild, token: `voice-token-${guild}-${joins}`, endpoint: ENDPOINT } });
    }
  });
}

const title = (track) => track?.info?.title ?? track?.title ?? null;
const nodeUrl = `${settings.host}:${settings.port}`;

const drivers = {
  async shoukaku() {
    const { Shoukaku, Connector } = await import('shoukaku');
    class TwinConnector extends Connector {
      getId() { return BOT; }
      sendPacket(_shard, payload) { gateway(payload, (p) => this.raw(p)); }
      listen(nodes) { setImmediate(() => this.ready(nodes)); }
    }
    const shoukaku = new Shoukaku(new TwinConnector({}),
      [{ name: 'twin', url: nodeUrl, auth: settings.password }],
      { resume: false, resumeTimeout: 60, reconnectTries: 10, reconnectInterval: 0.1,
        moveOnDisconnect: false, userAgent: 'wiretwin-matrix' });
    shoukaku.on('error', (_name, error) => process.stderr.write(`[shoukaku] ${error?.stack ?? error}\n`));
    shoukaku.on('ready', (name, resumed) => {
      const node = shoukaku.nodes.get(name);
      out({ type: 'ready', session_id: node?.sessionId ?? null, resumed: Boolean(resumed) });
    });
    let player = null;
    let queue = [];
    const node = () => shoukaku.nodes.get('twin');
    async function resolve(identifier) {
      const res = await node().rest.resolve(identifier);
      switch (res?.loadType) {
        case 'track': return { loadType: 'track', tracks: [res.data] };
        case 'search': return { loadType: 'search', tracks: res.data };
        case 'playlist': return { loadType: 'playlist', tracks: res.data.tracks, playlist: res.data.info.name };
        case 'error': return { loadType: 'error', tracks: [], error: res.data.message };
        default: return { loadType: res?.loadType ?? 'empty', tracks: [] };
      }
    }
    async function playFirst(identifier) {
      const [track] = (await resolve(identifier)).tracks;
      await player.playTrack({ track: { encoded: track.encoded } });
    }
    return {
      sessionId: () => node()?.sessionId,
      resolve,
      async join(guild, channel) {
        player = await shoukaku.joinVoiceChannel({ guildId: guild, channelId: channel, shardId: 0, deaf: true });
        queue = [];
        player.on('start', (e) => out({ type: 'start', title: title(e.track) }));
        player.on('update', (e) => out({ type: 'update', position: e.state.position }));
        // shoukaku has no queue: the driver plays the next track when one finishes.
        player.on('end', (e) => {
          out({ type: 'end', title: title(e.track), reason: e.reason });
          const next = queue.shift();
          if (e.reason === 'finished' && next) playFirst(next).catch((err) => out({ type: 'command_error', id: null, message: String(err) }));
        });
      },
      play: playFirst,
      async queue(identifiers) { queue = identifiers.slice(1); await playFirst(identifiers[0]); },
      pause: (paused) => player.setPaused(paused),
      seek: (position) => player.seekTo(position),
      volume: (volume) => player.setGlobalVolume(volume),
      timescale: (speed) => player.setTimescale({ speed, pitch: 1, rate: 1 }),
      async resuming() {
        // shoukaku's own switch: PATCH /sessions (resuming) now, Session-Id on reconnects.
        shoukaku.options.resume = true;
        await node().rest.updateSession(true, 60);
      },
      async reset() {
        if (player) await shoukaku.leaveVoiceChannel(player.guildId);
        player = null;
      },
    };
  },

  async 'lavalink-client'() {
    const { LavalinkManager } = await import('lavalink-client');
    const manager = new LavalinkManager({
      nodes: [{ id: 'twin', host: settings.host, port: settings.port, authorization: settings.password,
        retryDelay: 100, retryAmount: 20, heartBeatInterval: -1, requestSignalTimeoutMS: 8000 }],
      sendToShard: (_guild, payload) => gateway(payload, (p) => manager.sendRawData(p)),
      client: { id: BOT, username: 'wiretwin-bot' },
      autoSkip: true,
      playerOptions: { onDisconnect: { autoReconnect: false, destroyPlayer: false } },
    });
    manager.nodeManager.on('error', (_node, error) => process.stderr.write(`[lavalink-client] ${error?.stack ?? error}\n`));
    manager.nodeManager.on('raw', (_node, payload) => {
      if (payload?.op === 'ready') out({ type: 'ready', session_id: payload.sessionId, resumed: Boolean(payload.resumed) });
    });
    manager.on('trackStart', (_p, track) => out({ type: 'start', title: title(track) }));
    manager.on('trackEnd', (_p, track, payload) => out({ type: 'end', title: title(track), reason: payload?.reason ?? null }));
    manager.on('playerUpdate', (_old, p) => out({ type: 'update', position: p.lastPosition }));
    // A node takes requests once it has read /v4/info, after ready: its connect event.
    const usable = new Promise((resolve) => manager.nodeManager.once('connect', resolve));
    await manager.init({ id: BOT, username: 'wiretwin-bot' });
    let player = null;
    const node = () => manager.nodeManager.nodes.get('twin');
    async function search(identifier) {
      return node().search({ query: identifier }, 'wiretwin');
    }
    return {
      sessionId: async () => { await usable; return node()?.sessionId; },
      async resolve(identifier) {
        const res = await search(identifier);
        return { loadType: res.loadType, tracks: res.tracks ?? [], playlist: res.playlist?.name ?? res.playlist?.title ?? null,
          error: res.exception?.message ?? null };
      },
      async join(guild, channel) {
        player = manager.createPlayer({ guildId: guild, voiceChannelId: channel, textChannelId: channel, selfDeaf: true, volume: 100 });
        await player.connect();
      },
      async play(identifier) {
        const res = await search(identifier);
        await player.play({ clientTrack: res.tracks[0] });
      },
      async queue(identifiers) {
        for (const identifier of identifiers) await player.queue.add((await search(identifier)).tracks[0]);
        await player.play();
      },
      pause: (paused) => (paused ? player.pause() : player.resume()),
      seek: (position) => player.seek(position),
      volume: (volume) => player.setVolume(volume),
      timescale: (speed) => player.filterManager.setSpeed(speed),
      async resuming() { await node().updateSession(true, 60); },
      async reset() { if (player) await player.destroy(); player = null; },
    };
  },

  async 'moonlink.js'() {
    const { Manager } = await import('moonlink.js');
    const manager = new Manager({
      nodes: [{ identifier: 'twin', host: settings.host, port: settings.port, password: settings.password,
        secure: false, retryDelay: 100, retryAmount: 20 }],
      options: { resume: false, resumeTimeout: 60, clientName: 'wiretwin-matrix' },
      send: (_guild, payload) => gateway(payload, (p) => manager.packetUpdate(p)),
    });
    manager.on('nodeError', (_node, error) => process.stderr.write(`[moonlink.js] ${error?.stack ?? error}\n`));
    manager.on('nodeReady', (_node, payload) => out({ type: 'ready', session_id: payload?.sessionId ?? null, resumed: Boolean(payload?.resumed) }));
    manager.on('trackStart', (_p, track) => out({ type: 'start', title: title(track) }));
    manager.on('trackEnd', (_p, track, reason) => out({ type: 'end', title: title(track), reason }));
    manager.on('playerUpdate', (_p, _track, payload) => out({ type: 'update', position: payload?.state?.position ?? null }));
    await manager.init(BOT);
    let player = null;
    const node = () => manager.nodes.nodes.get('twin');
    // moonlink.js, too, puts its default platform's prefix (ytsearch) before a query that
    // is not a URL: a search goes as its words.
    async function search(identifier) {
      const match = /^ytsearch:(.*)$/.exec(identifier);
      return manager.search({ query: match ? match[1] : identifier });
    }
    return {
      sessionId: () => node()?.sessionId,
      async resolve(identifier) {
        const res = await search(identifier);
        return { loadType: res.loadType, tracks: res.tracks ?? [], playlist: res.playlistInfo?.name ?? null,
          error: res.error ?? res.exception?.message ?? null };
      },
      async join(guild, channel) {
        player = manager.players.create({ guildId: guild, voiceChannelId: channel, textChannelId: channel, autoPlay: false });
        player.connect({ setDeaf: true });
      },
      async play(identifier) {
        player.queue.add((await search(identifier)).tracks[0]);
        await player.play();
      },
      async queue(identifiers) {
        for (const identifier of identifiers) player.queue.add((await search(identifier)).tracks[0]);
        await player.play();
      },
      pause: (paused) => (paused ? player.pause() : player.resume()),
      seek: (position) => player.seek(position),
      volume: (volume) => player.setVolume(volume),
      // moonlink.js sends filters on apply().
      async timescale(speed) { player.filters.setTimescale({ speed, pitch: 1, rate: 1 }); await player.filters.apply(); },
      async resuming() { manager.options.resume = true; await node().rest.updateSession(true, 60); },
      async reset() { if (player) await player.destroy(); player = null; },
    };
  },

  async magmastream() {
    const { Manager } = await import('magmastream');
    const manager = new Manager({
      nodes: [{ identifier: 'twin', host: settings.host, port: settings.port, password: settings.password,
        useSSL: false, maxRetryAttempts: 20, retryDelayMs: 100, enableSessionResumeOption: false,
        sessionTimeoutSeconds: 60 }],
      playNextOnEnd: true,
      clientName: 'wiretwin-matrix',
      listenToSIGEvents: false,
      send: (packet) => gateway(packet, (p) => manager.updateVoiceState(p)),
      getUser: (id) => ({ id, username: 'wiretwin-bot' }),
      getGuild: (id) => ({ id, name: 'wiretwin' }),
    });
    manager.on('nodeError', (_node, error) => process.stderr.write(`[magmastream] ${error?.stack ?? error}\n`));
    manager.on('nodeRaw', (payload) => {
      if (payload?.op === 'ready') out({ type: 'ready', session_id: payload.sessionId, resumed: Boolean(payload.resumed) });
      if (payload?.op === 'playerUpdate') out({ type: 'update', position: payload.state?.position ?? null });
    });
    manager.on('trackStart', (_p, track) => out({ type: 'start', title: title(track) }));
    manager.on('trackEnd', (_p, track, payload) => out({ type: 'end', title: title(track), reason: payload?.reason ?? null }));
    await manager.init({ clientId: BOT });
    let player = null;
    const node = () => manager.nodes.get('twin');
    // magmastream puts its platform's prefix before any query that is not a URL (its
    // default platform is YouTube's ytsearch): a search goes as the words alone.
    async function search(identifier) {
      const match = /^ytsearch:(.*)$/.exec(identifier);
      return manager.search(match ? match[1] : identifier, 'wiretwin');
    }
    return {
      sessionId: () => node()?.sessionId,
      async resolve(identifier) {
        const res = await search(identifier);
        return { loadType: res.loadType, tracks: res.tracks ?? res.playlist?.tracks ?? [],
          playlist: res.playlist?.name ?? null, error: res.exception?.message ?? null };
      },
      async join(guild, channel) {
        player = manager.create({ guildId: guild, voiceChannelId: channel, textChannelId: channel, selfDeafen: true, volume: 100 });
        player.connect();
      },
      async play(identifier) {
        await player.queue.add((await search(identifier)).tracks[0]);
        await player.play();
      },
      async queue(identifiers) {
        for (const identifier of identifiers) await player.queue.add((await search(identifier)).tracks[0]);
        await player.play();
      },
      pause: (paused) => player.pause(paused),
      seek: (position) => player.seek(position),
      volume: (volume) => player.setVolume(volume),
      timescale: (speed) => player.filters.setTimescale({ speed, pitch: 1, rate: 1 }),
      async resuming() { await node().rest.updateSession(true, 60); },
      async reset() { if (player) await player.destroy(); player = null; },
    };
  },
};

const make = drivers[library];
if (!make) throw new Error(`no driver for ${library}`);
const driver = await make();

async function run(command) {
  switch (command.cmd) {
    case 'session': return (await driver.sessionId()) ?? null;
    case 'load': {
      const res = await driver.resolve(command.identifier);
      return { loadType: res.loadType, titles: res.tracks.map(title), playlist: res.playlist ?? null, error: res.error ?? null };
    }
    case 'join': await driver.join(String(command.guild), String(command.channel)); break;
    case 'play': await driver.play(command.identifier); break;
    case 'queue': await driver.queue(command.identifiers); break;
    case 'pause': await driver.pause(command.paused); break;
    case 'seek': await driver.seek(command.position); break;
    case 'volume': await driver.volume(command.volume); break;
    case 'timescale': await driver.timescale(command.speed); break;
    case 'resuming': await driver.resuming(); break;
    case 'reset': await driver.reset(); break;
    default: throw new Error(`unknown command ${command.cmd}`);
  }
  return null;
}

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => {
  if (!line.trim()) return;
  const command = JSON.parse(line);
  Promise.resolve().then(() => run(command)).then(
    (value) => out({ type: 'result', id: command.id, value: value ?? null }),
    (error) => out({ type: 'command_error', id: command.id, message: String(error?.message ?? error) }));
});
rl.on('close', () => process.exit(0));
out({ type: 'started', library });

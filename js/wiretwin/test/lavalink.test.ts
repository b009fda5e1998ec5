// The Lavalink twin through the package: its catalogue read back through Lavalink's own
// REST API, a session on its websocket (ws), a player, injected events, a dropped session.
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

import { AdminError } from 'wiretwin';
import { useTwins } from 'wiretwin/vitest';

const lavalink = useTwins().lavalink!;
const sockets: WebSocket[] = [];

interface Op { op: string; type?: string; sessionId?: string; [key: string]: unknown }

/** A Lavalink client's session: the websocket, every op it got, and a wait for the next. */
async function session(): Promise<{ id: string; ws: WebSocket; next: (type: string) => Promise<Op> }> {
  const ws = new WebSocket(lavalink.settings.ws_url, {
    headers: { Authorization: lavalink.settings.password, 'User-Id': '1191168914227331074',
      'Client-Name': 'wiretwin-js-tests/1.0' },
  });
  sockets.push(ws);
  const ops: Op[] = [];
  const waiting: Array<{ type: string; resolve: (op: Op) => void }> = [];
  ws.on('message', (raw) => {
    const op = JSON.parse(String(raw)) as Op;
    const index = waiting.findIndex((w) => w.type === (op.type ?? op.op));
    if (index >= 0) waiting.splice(index, 1)[0].resolve(op);
    else ops.push(op);
  });
  const next = (type: string) => new Promise<Op>((resolve) => {
    const index = ops.findIndex((op) => (op.type ?? op.op) === type);
    if (index >= 0) resolve(ops.splice(index, 1)[0]);
    else waiting.push({ type, resolve });
  });
  const ready = await next('ready');
  return { id: ready.sessionId!, ws, next };
}

async function rest(method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(`${lavalink.settings.url}${path}`, {
    method, body: body === undefined ? undefined : JSON.stringify(body),
    headers: { Authorization: lavalink.settings.password, 'Content-Type': 'application/json' },
  });
  expect(response.ok).toBe(true);
  return response.json();
}

afterEach(() => {
  for (const ws of sockets.splice(0)) ws.close();
});

describe('the Lavalink twin through the package', () => {
  it('serves the tracks, searches and failures added to its catalogue', async () => {
    const track = await lavalink.addTrack({ title: 'Blue Monday', author: 'New Order', length: 447000 });
    expect(track.info).toMatchObject({ title: 'Blue Monday', author: 'New Order', length: 447000 });
    const loaded = await rest('GET', `/v4/loadtracks?identifier=${encodeURIComponent(track.info.uri!)}`);
    expect(loaded).toEqual({ loadType: 'track', data: track });

    const results = await lavalink.addSearch({ query: 'lofi beats', count: 3 });
    const searched = await rest('GET', '/v4/loadtracks?identifier=ytsearch%3Alofi%20beats');
    expect(searched.loadType).toBe('search');
    expect(searched.data.map((t: { encoded: string }) => t.encoded))
      .toEqual(results.map((t) => t.encoded));

    await lavalink.addFailure({ identifier: 'https://example.com/gone', message: 'This video is unavailable' });
    const failed = await rest('GET', '/v4/loadtracks?identifier=https%3A%2F%2Fexample.com%2Fgone');
    expect(failed.loadType).toBe('error');
    expect(failed.data.message).toBe('This video is unavailable');
  });

  it('shows a session and its player, tells it of a track exception, and drops it', async () => {
    const { id, ws, next } = await session();
    const [listed] = await lavalink.sessions();
    expect(listed).toMatchObject({ id, userId: '1191168914227331074', attached: true, players: [] });

    const track = await lavalink.addTrack({ title: 'Song' });
    const guild = '1191531302092931072';
    await rest('PATCH', `/v4/sessions/${id}/players/${guild}`, { track: { encoded: track.encoded }, volume: 80 });
    await next('TrackStartEvent');
    const player = await lavalink.player(guild);
    expect(player).toMatchObject({ sessionId: id, guildId: guild, volume: 80, paused: false });
    expect(player.track?.encoded).toBe(track.encoded);
    expect((await lavalink.players()).map((p) => p.guildId)).toEqual([guild]);

    await lavalink.trackException(guild, { message: 'decoder broke', severity: 'fault' });
    const exception = await next('TrackExceptionEvent');
    expect(exception).toMatchObject({ guildId: guild, exception: { message: 'decoder broke', severity: 'fault' } });
    expect(await next('TrackEndEvent')).toMatchObject({ reason: 'loadFailed' });

    const closed = new Promise<number>((resolve) => ws.once('close', resolve));
    await lavalink.dropSession(id);
    expect(await closed).toBe(1006);
    const missing = await lavalink.dropSession('nope').catch((e) => e);
    expect(missing).toBeInstanceOf(AdminError);
    expect(missing.status).toBe(404);
  });
});

// The Lavalink twin's admin routes (/_wiretwin/lavalink/...).
import { AdminClient } from './admin.js';

export class LavalinkTwin extends AdminClient {
  /** @param {object} settings the `lavalink` block of the settings file */
  constructor(settings, options = {}) {
    super(settings.admin_url, options);
    this.settings = settings;
  }

  sessions() {
    return this.request('GET', '/lavalink/sessions');
  }

  /** Drop a session's websocket (1006 by default: an abrupt reset). */
  async dropSession(session, { code } = {}) {
    await this.request('POST', `/lavalink/sessions/${encodeURIComponent(session)}/drop`, {
      body: { code },
    });
  }

  players() {
    return this.request('GET', '/lavalink/players');
  }

  player(guild) {
    return this.request('GET', `/lavalink/players/${encodeURIComponent(guild)}`);
  }

  /** Add a track to the catalogue the twin loads from (missing fields are generated). */
  addTrack(track) {
    return this.request('POST', '/lavalink/catalogue/tracks', { body: track });
  }

  addPlaylist(playlist) {
    return this.request('POST', '/lavalink/catalogue/playlists', { body: playlist });
  }

  /** Register what a search returns (`{query, count?, prefix?}`). */
  addSearch(search) {
    return this.request('POST', '/lavalink/catalogue/searches', { body: search });
  }

  async trackException(guild, { message, severity } = {}) {
    await this.request('POST', `/lavalink/players/${encodeURIComponent(guild)}/exception`, {
      body: { message, severity },
    });
  }

  async trackStuck(guild, { thresholdMs } = {}) {
    await this.request('POST', `/lavalink/players/${encodeURIComponent(guild)}/stuck`, {
      body: { thresholdMs },
    });
  }

  /** WebSocketClosedEvent: the player's Discord voice socket closed (4006 by default). */
  async voiceClosed(guild, { code, reason, byRemote } = {}) {
    await this.request('POST', `/lavalink/players/${encodeURIComponent(guild)}/voice-closed`, {
      body: { code, reason, byRemote },
    });
  }

  /** Make loading `identifier` fail with `message` (LoadResult "error"). */
  async addFailure({ identifier, message, severity }) {
    await this.request('POST', '/lavalink/catalogue/failures', {
      body: { identifier, message, severity },
    });
  }
}

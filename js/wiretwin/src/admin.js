// The admin API every twin serves under /_wiretwin on its own port: reset, snapshots,
// faults, the clock and the journal. PusherTwin, DiscordTwin and LavalinkTwin add their
// own routes. One HTTP call per method; errors become AdminError with the twin's message.

/** An admin API call answered with an error: `status` and the twin's `{"error": ...}`. */
export class AdminError extends Error {
  constructor(method, url, status, message) {
    super(`${method} ${url}: ${status} ${message}`);
    this.name = 'AdminError';
    this.status = status;
    this.reason = message;
  }
}

function queryString(query) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null) params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

export class AdminClient {
  /**
   * @param {string} adminUrl the twin's admin API (`settings.admin_url`)
   * @param {{adminToken?: string, waitTimeout?: number}} [options] `waitTimeout`: the
   *   seconds a wait (for the journal, a delivery, the bot's replies) takes when the call
   *   gives none (the twin's default, 5, when unset)
   */
  constructor(adminUrl, options = {}) {
    this.adminUrl = adminUrl.replace(/\/$/, '');
    this.adminToken = options.adminToken;
    this.waitTimeout = options.waitTimeout;
  }

  /** A wait's timeout: the one given, else the client's `waitTimeout` (else the twin's). */
  timeout(timeout) {
    return timeout ?? this.waitTimeout;
  }

  /** One admin call: JSON in, JSON (or nothing, for 204) out; AdminError on an error. */
  async request(method, path, { body, query } = {}) {
    const url = `${this.adminUrl}${path}${queryString(query)}`;
    const headers = {};
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (this.adminToken) headers.Authorization = `Bearer ${this.adminToken}`;
    const response = await fetch(url, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) {
      let message = text;
      try {
        message = JSON.parse(text).error ?? text;
      } catch {
        // not JSON: the text as it is
      }
      throw new AdminError(method, url, response.status, message);
    }
    if (!text) return undefined;
    return (response.headers.get('content-type') ?? '').includes('json')
      && !(response.headers.get('content-type') ?? '').includes('ndjson')
      ? JSON.parse(text) : text;
  }

  /** What this twin is: service, version, URLs and client settings. */
  info() {
    return this.request('GET', '');
  }

  /** The admin API's OpenAPI document. */
  openapi() {
    return this.request('GET', '/openapi.json');
  }

  /** Back to the starting state: faults removed, connections closed (unless
   * `disconnect: false`), state as built, recorder and journal emptied. */
  async reset({ disconnect = true } = {}) {
    await this.request('POST', '/reset', { body: { disconnect } });
  }

  snapshot() {
    return this.request('GET', '/snapshot');
  }

  async restore(snapshot) {
    await this.request('PUT', '/snapshot', { body: snapshot });
  }

  // -- faults ------------------------------------------------------------------------------

  /** Add a fault (`{type, name?, scope?, probability?, after?, times?, ...}`). */
  addFault(fault) {
    return this.request('POST', '/faults', { body: fault });
  }

  faults() {
    return this.request('GET', '/faults');
  }

  async removeFault(name) {
    await this.request('DELETE', `/faults/${encodeURIComponent(name)}`);
  }

  async clearFaults() {
    await this.request('DELETE', '/faults');
  }

  // -- the clock ---------------------------------------------------------------------------

  clock() {
    return this.request('GET', '/clock');
  }

  /** Move a virtual clock forward (serve with `virtualClock: true`), firing every timer
   * due; a 409 AdminError on the real clock. */
  advanceClock(seconds, { waitReplies = true } = {}) {
    return this.request('POST', '/clock/advance', { body: { seconds, wait_replies: waitReplies } });
  }

  // -- the journal -------------------------------------------------------------------------

  /** Journal entries, oldest first, filtered (`kind`, `connection`, `direction`, `event`,
   * `since`, `limit`). */
  journal(filter = {}) {
    return this.request('GET', '/journal', { query: filter });
  }

  async clearJournal() {
    await this.request('DELETE', '/journal');
  }

  /** The newest journal entry's seq: pass it as `since` to wait for what comes next. */
  async journalMark() {
    return (await this.request('GET', '/journal/mark')).seq;
  }

  /** Wait (a long-poll on the twin) until `count` journal entries after `since` match the
   * filter; an AdminError with status 504 after `timeout` seconds (default: the client's
   * `waitTimeout`, else 5). */
  waitForJournal(filter = {}) {
    const { pathPrefix, timeout, ...rest } = filter;
    return this.request('GET', '/journal/wait', {
      query: { ...rest, path_prefix: pathPrefix, timeout: this.timeout(timeout) },
    });
  }
}

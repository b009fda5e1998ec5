// Types of the wiretwin package (its code is plain JavaScript in src/).
import type { ChildProcess } from 'node:child_process';

export type TwinName = 'pusher' | 'lavalink' | 'discord';
export type Snowflake = string;
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

// -- settings (what `wiretwin serve --settings-file` writes) ---------------------------------

export interface PusherJsOptions {
  cluster: string;
  wsHost: string;
  wsPort: number;
  wssPort: number;
  forceTLS: boolean;
  enabledTransports: Array<'ws' | 'wss' | 'xhr_streaming' | 'xhr_polling' | 'sockjs'>;
  enableStats: boolean;
  channelAuthorization: { endpoint: string; transport: 'ajax' };
  userAuthentication: { endpoint: string; transport: 'ajax' };
}

export interface PusherSettings {
  app_id: string;
  key: string;
  secret: string;
  host: string;
  port: number;
  ws_url: string;
  http_url: string;
  admin_url: string;
  /** The `pusher` server SDKs' options (appId, key, secret, host, port, useTLS: false). */
  pusher: { app_id: string; key: string; secret: string; host: string; port: number; ssl: boolean };
  pusher_js: { key: string; options: PusherJsOptions };
  laravel_echo: Record<string, Json>;
  pysher: Record<string, Json>;
}

export interface LavalinkSettings {
  host: string;
  port: number;
  password: string;
  version: string;
  url: string;
  ws_url: string;
  admin_url: string;
  [client: string]: Json;
}

export interface DiscordSettings {
  host: string;
  port: number;
  token: string;
  application_id: Snowflake;
  bot_id: Snowflake;
  /** discord.js's `rest.api`. */
  api_base: string;
  rest_url: string;
  gateway_url: string;
  admin_url: string;
  oauth2: { client_id: string; client_secret: string; authorize_url: string; token_url: string };
}

export interface Settings {
  pusher?: PusherSettings;
  lavalink?: LavalinkSettings;
  discord?: DiscordSettings;
}

// -- the generic admin API --------------------------------------------------------------------

/** An admin API call answered with an error status; `reason` is the twin's message. */
export class AdminError extends Error {
  readonly status: number;
  readonly reason: string;
}

export type FaultType =
  | 'latency' | 'latency_spike' | 'drop' | 'disconnect' | 'refuse_handshake' | 'http_error'
  | 'stall';

/** Where a fault applies (every field given must match). */
export interface FaultScope {
  twin?: string;
  /** An HTTP route template or path. */
  route?: string;
  /** A frame's label (a Pusher event name, a Discord dispatch or opcode name...). */
  event?: string;
  connection?: string;
  direction?: 'in' | 'out';
}

/** A fault to add: its `type`, optional `name`, `scope`, `probability`, `after`, `times`, and
 * the type's own parameters (latency: `ms`, `jitter`; disconnect: `code`, `reason`, `reset`,
 * `in_band`; http_error and refuse_handshake: `status`, `body`...). */
export interface FaultSpec {
  type: FaultType;
  name?: string;
  scope?: FaultScope;
  probability?: number;
  after?: number;
  times?: number;
  [parameter: string]: Json | FaultScope | undefined;
}

export interface Fault extends FaultSpec {
  name: string;
}

export interface ClockState {
  virtual: boolean;
  time: number;
  monotonic: number;
  pending_timers?: number;
  next_due?: number | null;
}

export interface ClockAdvanced {
  fired: number;
  time: number;
  monotonic: number;
}

export type JournalKind = 'http' | 'frame' | 'connection' | 'fault' | 'note' | 'dropped';

export interface JournalEntry {
  seq: number;
  kind: JournalKind;
  twin: string;
  wall: number;
  twin_time: number;
  connection: string | null;
  direction: 'in' | 'out' | null;
  event: string | null;
  data: string | null;
  binary: boolean;
  /** http: method, path, query, status, request_body, response_body...; connection: path,
   * peer, code; fault: action. */
  detail: Record<string, Json>;
}

export interface JournalQuery {
  kind?: JournalKind;
  connection?: string;
  direction?: 'in' | 'out';
  event?: string;
  since?: number;
  limit?: number;
}

export interface JournalWait {
  kind?: JournalKind;
  connection?: string;
  direction?: 'in' | 'out';
  event?: string;
  /** An http entry's method. */
  method?: string;
  /** An http entry's (or a websocket connection's) path, exactly. */
  path?: string;
  pathPrefix?: string;
  status?: number;
  /** The frame's text, or the request's or response's body, contains this. */
  contains?: string;
  /** Only entries after this seq (a journalMark()); 0 by default. */
  since?: number;
  /** How many matching entries to wait for (1 by default). */
  count?: number;
  /** Seconds (5 by default, at most 120); then an AdminError with status 504. */
  timeout?: number;
}

export interface TwinInfo {
  service: string;
  wiretwin: string;
  url: string;
  admin: string;
  settings: Record<string, Json>;
}

/** The admin API every twin serves under /_wiretwin. */
export interface ClientOptions {
  /** The admin token the twins were started with. */
  adminToken?: string;
  /** Seconds a wait (journal, deliveries, the bot's replies) takes when a call gives no
   * `timeout` (unset: the twin's default, 5). */
  waitTimeout?: number;
}

export class AdminClient {
  constructor(adminUrl: string, options?: ClientOptions);
  readonly adminUrl: string;
  readonly adminToken: string | undefined;
  readonly waitTimeout: number | undefined;
  /** A wait's timeout: the one given, else `waitTimeout` (undefined: the twin's default). */
  timeout(timeout?: number): number | undefined;
  /** One admin call: JSON in, JSON out (undefined for 204); AdminError on an error. */
  request<T = unknown>(method: string, path: string,
    options?: { body?: unknown; query?: Record<string, string | number | boolean | undefined | null> }
  ): Promise<T>;
  info(): Promise<TwinInfo>;
  openapi(): Promise<{ openapi: string; paths: Record<string, Record<string, unknown>> }>;
  /** Back to the starting state: faults removed, connections closed (unless
   * `disconnect: false`), state as built, recorder and journal emptied. */
  reset(options?: { disconnect?: boolean }): Promise<void>;
  snapshot(): Promise<Record<string, Json>>;
  restore(snapshot: Record<string, Json>): Promise<void>;
  addFault(fault: FaultSpec): Promise<Fault>;
  faults(): Promise<Fault[]>;
  removeFault(name: string): Promise<void>;
  clearFaults(): Promise<void>;
  clock(): Promise<ClockState>;
  /** Move a virtual clock forward, firing every timer due (409 on the real clock). */
  advanceClock(seconds: number, options?: { waitReplies?: boolean }): Promise<ClockAdvanced>;
  journal(filter?: JournalQuery): Promise<JournalEntry[]>;
  clearJournal(): Promise<void>;
  /** The newest journal entry's seq: pass it as `since` to wait for what comes next. */
  journalMark(): Promise<number>;
  /** A long-poll: `count` matching entries after `since`, oldest first. */
  waitForJournal(filter?: JournalWait): Promise<JournalEntry[]>;
}

// -- Pusher -----------------------------------------------------------------------------------

export interface PusherDelivery<T = Json> {
  seq: number;
  socketId: string;
  event: string;
  channel: string | null;
  /** The event's data, parsed from JSON when it is JSON. */
  data: T;
  entry: JournalEntry;
}

export interface PusherConnection {
  socket_id: string;
  app: string;
  protocol: number;
  channels: string[];
  user: string | null;
}

export interface PusherChannelInfo {
  occupied: boolean;
  subscription_count?: number;
  user_count?: number;
  members?: Record<string, Json>;
}

export interface PusherTriggered {
  app_id: string;
  name: string;
  channels: string[];
  data: string;
  socket_id: string | null;
  source: string;
}

export interface PusherRecordedDelivery {
  socket_id: string;
  event: string;
  channel: string | null;
  data: Json;
}

export interface PusherApp {
  id: string;
  key: string;
  connections: number;
  channels: Array<{ name: string; kind: string; cache: boolean; subscription_count: number;
    user_count: number | null; members: Record<string, Json> | null }>;
  [setting: string]: Json;
}

export class PusherTwin extends AdminClient {
  constructor(settings: PusherSettings, options?: ClientOptions);
  readonly settings: PusherSettings;
  /** `new Pusher(...twin.pusherJs())`: pusher-js's key and options for this twin. */
  pusherJs<E extends object = {}>(extra?: E): [string, PusherJsOptions & E];
  /** Publish an event, as the Pusher HTTP API would (a 400 AdminError for what it refuses). */
  trigger(channels: string | string[], event: string, data: unknown,
    options?: { socketId?: string; app?: string }): Promise<void>;
  /** `count` deliveries of `event` (on `channel`, to `socketId`) written after `since`. */
  waitForDelivery<T = Json>(options: { event: string; channel?: string; socketId?: string;
    since?: number; count?: number; timeout?: number }): Promise<Array<PusherDelivery<T>>>;
  apps(): Promise<PusherApp[]>;
  channels(options?: { prefix?: string; info?: string[]; app?: string }):
    Promise<{ channels: Record<string, { user_count?: number; subscription_count?: number }> }>;
  channel(name: string, options?: { info?: string[]; app?: string }): Promise<PusherChannelInfo>;
  addMember(channel: string, userId: string, userInfo?: Json, options?: { app?: string }):
    Promise<{ added: boolean }>;
  removeMember(channel: string, userId: string, options?: { app?: string }): Promise<void>;
  connections(): Promise<PusherConnection[]>;
  disconnect(socketId: string, options?: { code?: number; message?: string; errorFirst?: boolean }):
    Promise<void>;
  terminateUser(userId: string, options?: { app?: string }): Promise<{ terminated: number }>;
  triggered(filter?: { channel?: string; name?: string }): Promise<PusherTriggered[]>;
  deliveries(filter?: { socketId?: string; channel?: string; event?: string }):
    Promise<PusherRecordedDelivery[]>;
  clientEvents(): Promise<Array<Record<string, Json>>>;
  webhooks(): Promise<Array<Record<string, Json>>>;
}

// -- Lavalink ---------------------------------------------------------------------------------

/** A track as Lavalink v4 serializes it. */
export interface LavalinkTrack {
  encoded: string;
  info: {
    identifier: string; isSeekable: boolean; author: string; length: number; isStream: boolean;
    position: number; title: string; uri: string | null; artworkUrl: string | null;
    isrc: string | null; sourceName: string;
  };
  pluginInfo: Record<string, Json>;
  userData: Record<string, Json>;
}

export interface LavalinkSession {
  id: string;
  userId: string;
  clientName: string | null;
  attached: boolean;
  resuming: boolean;
  timeout: number;
  /** The guild ids of its players. */
  players: string[];
}

/** A player as the node holds it. */
export interface LavalinkPlayer {
  sessionId: string;
  guildId: string;
  track: LavalinkTrack | null;
  position: number;
  paused: boolean;
  volume: number;
  filters: Record<string, Json>;
  voice: Record<string, Json>;
  connected: boolean;
  endTime: number | null;
}

export class LavalinkTwin extends AdminClient {
  constructor(settings: LavalinkSettings, options?: ClientOptions);
  readonly settings: LavalinkSettings;
  sessions(): Promise<LavalinkSession[]>;
  /** Drop a session's websocket (1006 by default: an abrupt reset). */
  dropSession(session: string, options?: { code?: number }): Promise<void>;
  players(): Promise<LavalinkPlayer[]>;
  player(guild: Snowflake): Promise<LavalinkPlayer>;
  /** Add a track to the catalogue the twin loads from (missing fields are generated). */
  addTrack(track?: { title?: string; author?: string; length?: number; source?: string;
    isStream?: boolean }): Promise<LavalinkTrack>;
  addPlaylist(playlist?: { name?: string; trackCount?: number }):
    Promise<{ url: string; info: { name: string; selectedTrack: number };
      pluginInfo: Record<string, Json>; tracks: LavalinkTrack[] }>;
  /** Register what a search returns. */
  addSearch(search: { query: string; count?: number; prefix?: string }): Promise<LavalinkTrack[]>;
  trackException(guild: Snowflake, options?: { message?: string; severity?: string }): Promise<void>;
  trackStuck(guild: Snowflake, options?: { thresholdMs?: number }): Promise<void>;
  voiceClosed(guild: Snowflake, options?: { code?: number; reason?: string; byRemote?: boolean }):
    Promise<void>;
  addFailure(failure: { identifier: string; message: string; severity?: string }): Promise<void>;
}

// -- Discord ----------------------------------------------------------------------------------

export interface DiscordUser {
  id: Snowflake;
  username: string;
  global_name?: string | null;
  bot?: boolean;
  [field: string]: Json | undefined;
}

/** A message as Discord's API serializes it (the fields tests read most are typed). */
export interface DiscordMessage {
  id: Snowflake;
  channel_id: Snowflake;
  guild_id?: Snowflake;
  author: DiscordUser;
  content: string;
  embeds: Array<Record<string, Json>>;
  components?: Array<Record<string, Json>>;
  flags?: number;
  message_reference?: { message_id?: Snowflake; channel_id?: Snowflake; guild_id?: Snowflake };
  [field: string]: Json | DiscordUser | undefined;
}

export interface DiscordGuildSummary {
  id: Snowflake;
  name: string;
  [field: string]: Json;
}

export interface DiscordChannel {
  id: Snowflake;
  name: string;
  type: number;
  [field: string]: Json;
}

export type CallbackName =
  | 'PONG' | 'CHANNEL_MESSAGE_WITH_SOURCE' | 'DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE'
  | 'DEFERRED_UPDATE_MESSAGE' | 'UPDATE_MESSAGE' | 'APPLICATION_COMMAND_AUTOCOMPLETE_RESULT'
  | 'MODAL' | 'LAUNCH_ACTIVITY' | (string & {});

export interface InteractionReply {
  kind: string;
  callback_type: number | null;
  callback: CallbackName | null;
  target: string | null;
  data: Json;
  message: DiscordMessage | null;
}

/** An interaction and what the bot answered, as the twin holds it now. */
export interface InteractionState {
  id: Snowflake;
  type: number;
  kind: string | null;
  name: string | null;
  user_id: Snowflake;
  channel_id: Snowflake;
  guild_id: Snowflake | null;
  created: number;
  data: Record<string, Json> | null;
  responded: boolean;
  callback_type: number | null;
  callback: CallbackName | null;
  deferred: boolean;
  ephemeral: boolean;
  /** The response message as it is now. */
  message: DiscordMessage | null;
  followups: DiscordMessage[];
  modal: Record<string, Json> | null;
  modal_open: boolean;
  choices: Array<{ name: string; value: Json }> | null;
  replies: InteractionReply[];
  source_message_id: Snowflake | null;
  opened_by: Snowflake | null;
}

/** How long to wait for the bot: `replies` answers (1 by default; 0 for none) within
 * `timeout` seconds (5 by default; then an AdminError with status 504). */
export interface WaitForBot {
  replies?: number;
  timeout?: number;
}

/** An id: a snowflake as a string (a number only for ids below 2**53). */
export type Id = Snowflake | number;

export interface DiscordRateLimits {
  default: { limit: number; reset_after: number };
  overrides: Array<{ route: string; limit: number; reset_after: number }>;
  /** Every REST route template the twin serves. */
  routes: string[];
  /** The routes Discord answers without rate-limit headers. */
  unbucketed: Array<{ method: string; route: string }>;
}

export class DiscordTwin extends AdminClient {
  constructor(settings: DiscordSettings, options?: ClientOptions);
  readonly settings: DiscordSettings;
  /** discord.js's client options for this twin: `new Client({ intents, ...twin.discordJs() })`. */
  discordJs(): { rest: { api: string } };
  users(): Promise<DiscordUser[]>;
  addUser(user: { username: string; global_name?: string; bot?: boolean; id?: Id }): Promise<DiscordUser>;
  guilds(): Promise<DiscordGuildSummary[]>;
  guild(guild: Id): Promise<Record<string, Json>>;
  channels(guild: Id): Promise<DiscordChannel[]>;
  members(guild: Id): Promise<Array<Record<string, Json>>>;
  addMember(guild: Id, member: { user: Id; nick?: string; roles?: Id[] }): Promise<Record<string, Json>>;
  messages(channel: Id, options?: { limit?: number }): Promise<DiscordMessage[]>;
  /** A user sends a message; the bot gets MESSAGE_CREATE. */
  sendMessage(message: { channel: Id; author: Id; content?: string;
    embeds?: Array<Record<string, Json>>; replyTo?: Id }): Promise<DiscordMessage>;
  /** Send as a user, then wait until the bot has posted `replies` messages in the channel. */
  ask(message: { channel: Id; author: Id; content?: string; embeds?: Array<Record<string, Json>>;
    replyTo?: Id } & WaitForBot): Promise<{ message: DiscordMessage; replies: DiscordMessage[] }>;
  /** `count` messages the bot created in `channel` through REST after `since`. */
  waitForBotMessages(options: { channel: Id; since?: number; count?: number; timeout?: number }):
    Promise<DiscordMessage[]>;
  /** Until a bot's gateway session got READY (after `since`). */
  waitForBot(options?: { since?: number; timeout?: number }): Promise<void>;
  react(reaction: { channel: Id; message: Id; user: Id; emoji: string }): Promise<Record<string, Json>>;
  vote(vote: { channel: Id; message: Id; user: Id; answers: number[] }): Promise<Record<string, Json>>;
  commands(options?: { guild?: Id }): Promise<Array<Record<string, Json>>>;
  slash(command: { user: Id; channel?: Id; name: string; options?: Record<string, Json> } & WaitForBot):
    Promise<InteractionState>;
  contextMenu(command: { user: Id; channel?: Id; name: string; target: Id } & WaitForBot):
    Promise<InteractionState>;
  autocomplete(typing: { user: Id; channel?: Id; name: string; focused: string; value?: string;
    options?: Record<string, Json> } & WaitForBot): Promise<InteractionState>;
  click(click: { user: Id; message: Id; customId: string } & WaitForBot): Promise<InteractionState>;
  select(pick: { user: Id; message: Id; customId: string; values: Json[] } & WaitForBot):
    Promise<InteractionState>;
  /** Submit the modal the bot opened in answer to `interaction` (its id, or its state). */
  submitModal(interaction: Id | InteractionState, values: Record<string, Json>, options?: WaitForBot):
    Promise<InteractionState>;
  interaction(interaction: Id, options?: WaitForBot): Promise<InteractionState>;
  interactions(options?: { user?: Id; limit?: number }): Promise<InteractionState[]>;
  modals(user: Id): Promise<Array<{ interaction_id: Snowflake; channel_id: Snowflake;
    custom_id: string | null; title: string | null; modal: Record<string, Json> | null }>>;
  seenBy(channel: Id, user: Id, options?: { limit?: number }): Promise<DiscordMessage[]>;
  sessions(): Promise<Array<Record<string, Json>>>;
  reconnect(): Promise<void>;
  invalidateSessions(options?: { resumable?: boolean }): Promise<void>;
  dispatch(dispatch: { event: string; data: Record<string, Json>; guildId?: Id; userIds?: Id[] }):
    Promise<void>;
  rateLimits(): Promise<DiscordRateLimits>;
  /** `limit` requests per `resetAfter` seconds on a REST route template, then 429s. */
  setRateLimit(limit: { route: string; limit: number; resetAfter?: number }):
    Promise<{ route: string; limit: number; reset_after: number }>;
  clearRateLimits(): Promise<void>;
  /** The privileged intents the application may ask for (the developer portal's switches). */
  privilegedIntents(): Promise<PrivilegedIntent[]>;
  /** Flip the portal's switches: sessions already identified keep their intents; the next
   * IDENTIFY asking for one switched off is closed with 4014. */
  setPrivilegedIntents(enabled: PrivilegedIntent[] | boolean): Promise<PrivilegedIntent[]>;
}

/** A privileged intent, by discord.py's name for it. */
export type PrivilegedIntent = 'presences' | 'members' | 'message_content';

// -- starting and connecting ------------------------------------------------------------------

export interface StartOptions {
  /** Which twins (default: all three). */
  twins?: TwinName[];
  /** The wiretwin command: a path, or a command and its first arguments
   * (default: $WIRETWIN_BIN, else `wiretwin` on the PATH). */
  bin?: string | string[];
  /** Ports (default 0: any free one). */
  ports?: Partial<Record<TwinName, number>>;
  /** Time moves only through advanceClock(). */
  virtualClock?: boolean;
  /** A world file (TOML or JSON) to start from. */
  world?: string;
  seed?: number;
  /** Require this bearer token on the admin API. */
  adminToken?: string;
  /** Seconds a wait takes when a call gives no `timeout` (see ClientOptions). */
  waitTimeout?: number;
  /** More arguments for `wiretwin serve`. */
  args?: string[];
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Seconds to wait for serve to be ready (30). */
  timeout?: number;
  onOutput?: (line: string) => void;
  onStderr?: (chunk: string) => void;
}

export const TWIN_NAMES: TwinName[];

/** The running twins, and the process that serves them when startTwins() started it. */
export class Twins {
  constructor(settings: Settings, options?: ClientOptions);
  readonly settings: Settings;
  readonly adminToken: string | undefined;
  readonly process: ChildProcess | null;
  readonly pusher: PusherTwin | undefined;
  readonly lavalink: LavalinkTwin | undefined;
  readonly discord: DiscordTwin | undefined;
  all(): AdminClient[];
  /** Every twin back to its starting state. */
  reset(options?: { disconnect?: boolean }): Promise<void>;
  /** Stop `wiretwin serve` (when this handle started it) and wait for it to exit. */
  stop(): Promise<void>;
}

/** Start `wiretwin serve` on free ports; answers once the twins listen. */
export function startTwins(options?: StartOptions): Promise<Twins>;

/** A handle on twins already running: their settings, or the path of serve's settings file
 * (default: $WIRETWIN_SETTINGS_FILE). */
export function connectTwins(settings?: Settings | string, options?: ClientOptions):
  Promise<Twins>;

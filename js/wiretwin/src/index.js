// wiretwin for JavaScript tests: start or connect to wiretwin's twins and drive them
// through their admin API (see index.d.ts for the types, docs/javascript.md for a guide).
export { AdminClient, AdminError } from './admin.js';
export { DiscordTwin } from './discord-twin.js';
export { LavalinkTwin } from './lavalink.js';
export { PusherTwin } from './pusher.js';
export { TWIN_NAMES, Twins, connectTwins, startTwins } from './twins.js';

// The Pusher matrix's Node host: pusher-js (its Node build) or laravel-echo over it,
// driven by commands.js. Usage: node node.mjs <pusher-js|laravel-echo> '<settings JSON>'
// Commands on stdin and observations on stdout, one JSON object a line.
import Pusher from 'pusher-js';
import Echo from 'laravel-echo';
import readline from 'node:readline';
import './commands.js';

const flavour = process.argv[2];
const settings = JSON.parse(process.argv[3]);
const out = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');
Pusher.logToConsole = false;
Pusher.log = (msg) => process.stderr.write(`[pusher-js] ${msg}\n`);

const run = globalThis.wiretwinMatrix({ flavour, Pusher, Echo, settings, out });
const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => { if (line.trim()) run(JSON.parse(line)); });
rl.on('close', () => process.exit(0));
// (The versions are read from the packages' package.json by the tests.)
out({ type: 'ready', flavour });

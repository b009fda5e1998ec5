// What every JavaScript scenario bot of the Discord matrix shares: its settings (argv[2],
// the JSON tests/matrix/discord/harness.py writes), JSON lines out, the exit command in,
// and every failure reported as an "error" line (the matrix fails the scenario on it).
import readline from 'node:readline';

export const settings = JSON.parse(process.argv[2] ?? 'null');
if (!settings || !settings.token) {
  process.stderr.write('scenario bot: settings JSON (argv[2]) needed\n');
  process.exit(2);
}

export function out(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

export function failed(where) {
  return (error) => out({ type: 'error', where, message: String(error?.stack ?? error) });
}

process.on('unhandledRejection', failed('unhandledRejection'));
process.on('uncaughtException', failed('uncaughtException'));

// What the library raised or emitted to say that the bot cannot log in (the matrix's
// disallowed-intent scenario waits for it).
export function fatal(where, error) {
  const code = error?.code !== undefined ? ` (code ${error.code})` : '';
  out({ type: 'fatal', where, message: `${String(error)}${code}` });
}

// A handler's promise, its rejection reported.
export function guarded(where, handler) {
  return (...args) => Promise.resolve().then(() => handler(...args)).catch(failed(where));
}

// Calls close() when the matrix sends {"cmd":"exit"} (or stdin closes), then exits.
export function onExit(close) {
  const lines = readline.createInterface({ input: process.stdin });
  let closing = false;
  const stop = async () => {
    if (closing) return;
    closing = true;
    try { await close(); } catch (error) { failed('close')(error); }
    process.exit(0);
  };
  lines.on('line', (line) => { if (JSON.parse(line).cmd === 'exit') stop(); });
  lines.on('close', stop);
}

// The words of a user's message command: ["!ping", "1"].
export function words(content) {
  return (content ?? '').trim().split(/\s+/).filter(Boolean);
}

// The console's shared API (docs/console.md; contract in the repository's notes):
// api() for the admin JSON routes, live for the server-sent events, registerView() for
// the service views, el() to build DOM. Plain ES module: no framework, no build step.

export const ADMIN = '/_wiretwin';

/** fetch ADMIN + path with a JSON body; the admin cookie authenticates. Throws
 *  Error(message) from {"error": ...} answers; resolves to the parsed JSON, or null. */
export async function api(method, path, body) {
  const init = {
    method,
    credentials: 'same-origin',
    headers: { 'X-Wiretwin-Console': '1' },
  };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(ADMIN + path, init);
  } catch {
    throw new Error(`the twin does not answer (${method} ${ADMIN}${path}): is it still running?`);
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = text; }
  }
  if (!response.ok) {
    const message = data && typeof data === 'object' && data.error
      ? data.error : `${method} ${path}: ${response.status}`;
    throw new Error(message);
  }
  return data;
}

/** Build an element: attrs may hold class, text, on:<event> handlers, data-* and any
 *  attribute (false/null/undefined leave it out); children are nodes or strings. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key.startsWith('on:')) node.addEventListener(key.slice(3), value);
    else if (key === 'value' && 'value' in node) node.value = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

// -- live events ----------------------------------------------------------------------

const listeners = new Map();
let source = null;

function connect() {
  if (source) return;
  source = new EventSource(ADMIN + '/ui/stream', { withCredentials: true });
  source.addEventListener('open', () => dispatch('open', {}));
  source.addEventListener('error', () => dispatch('error', {}));
  for (const name of ['journal', 'clock', 'gap']) {
    source.addEventListener(name, (event) => {
      let data;
      try { data = JSON.parse(event.data); } catch { return; }
      dispatch(name, data);
    });
  }
}

function dispatch(name, data) {
  for (const fn of listeners.get(name) || []) {
    try { fn(data); } catch (error) { console.error(error); }
  }
}

export const live = {
  /** Call fn(data) for every event called name; returns what stops it. */
  on(name, fn) {
    if (!listeners.has(name)) listeners.set(name, new Set());
    listeners.get(name).add(fn);
    connect();
    return () => listeners.get(name).delete(fn);
  },
  /** True while the stream is open. */
  get connected() { return source !== null && source.readyState === EventSource.OPEN; },
};

// -- views ----------------------------------------------------------------------------

export const views = new Map();

/** A service view: {title, mount(root, ctx)}; ctx is {info, api, live, el}. */
export function registerView(service, view) {
  views.set(service, view);
}

// -- small helpers the views share ----------------------------------------------------

/** A labelled section with a heading and a body element. */
export function section(title, testName, ...children) {
  return el('section', { class: 'card', 'data-test': testName },
    el('h3', { text: title }), ...children);
}

/** A table from rows of cells (strings or nodes); the header names the columns. */
export function table(columns, rows, testName) {
  return el('table', { 'data-test': testName },
    el('thead', {}, el('tr', {}, columns.map((c) => el('th', { text: c })))),
    el('tbody', {}, rows.length
      ? rows.map((row) => el('tr', {}, row.map((cell) => el('td', {}, cell))))
      : el('tr', {}, el('td', { colspan: columns.length, class: 'empty', text: 'none' }))));
}

/** Show a message in the shell's status line (errors in red). */
export function notify(message, isError = false) {
  const status = document.querySelector('[data-test="status"]');
  if (!status) return;
  status.textContent = message;
  status.classList.toggle('error', isError);
}

/** Run an async action, showing its error (if any) in the status line. */
export async function attempt(action, done) {
  try {
    const result = await action();
    if (done) notify(done);
    return result;
  } catch (error) {
    notify(error.message, true);
    return undefined;
  }
}

/** Call fn at most once per `ms`, however often it is asked for (the last ask wins). */
export function throttle(fn, ms = 100) {
  let queued = false;
  return () => {
    if (queued) return;
    queued = true;
    setTimeout(() => { queued = false; fn(); }, ms);
  };
}

/** A JSON value, pretty-printed in a <pre>. */
export function json(value, testName) {
  return el('pre', { class: 'json', 'data-test': testName }, JSON.stringify(value, null, 2));
}

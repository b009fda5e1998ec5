"""Routing unmodified client libraries to twins without pointing them: offline mode's
driver (the pytest side is :mod:`wiretwin.testing.offline`).

Why at the HTTP-client level: the clients reach their services over HTTPS/WSS at fixed
hosts (``discord.com``, ``gateway.discord.gg``, ``api-<cluster>.pusher.com``,
``ws-<cluster>.pusher.com``), so redirecting their sockets would hand a plain-HTTP twin a
TLS handshake; and each library spells its URL constants its own way, version by version
(discord.py's ``Route.BASE``, py-cord's ``API_BASE_URL``, hikari's ``rest_url`` default,
the pusher SDK's host, Pysher's URL). Every one of them, though, sends through one of
three HTTP clients: aiohttp (the discord.py family, hikari, every Lavalink client),
requests (the pusher SDK) or websocket-client (Pysher). :func:`route_clients` wraps the
one method of each that takes the URL, and :class:`OfflineRouter` rewrites the URL when
it names a service: scheme, host and port become the twin's, path and query stay.

Lavalink nodes have no fixed host, so a request is Lavalink's when it looks like it:
``/v4/...`` or ``/version`` with an ``Authorization`` header that is no bot or bearer
token. Such a request goes to the Lavalink twin unless it is addressed to a loopback port
something already listens on (a node the test started itself, such as the Sonora
simulator's on 2333). Its ``Authorization`` becomes the twin's password; a Discord bot's
token becomes the Discord twin's (:func:`adopt_discord_token`); a Pusher app the twin does
not know is added (:func:`ensure_pusher_app`, and the pusher SDK's constructor tells the
twin its id, key and secret).

The wrappers are installed when the HTTP client's module is imported (:class:`AfterImport`)
and removed by :meth:`Patches.restore`.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import ipaddress
import re
import socket
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from types import ModuleType
from typing import TYPE_CHECKING, Any
from urllib.parse import SplitResult, urlsplit, urlunsplit

from .discord_py import FAST_GUILD_READY_TIMEOUT

if TYPE_CHECKING:
    from ..discord.twin import DiscordTwin
    from ..lavalink import LavalinkTwin
    from ..pusher import PusherTwin
    from ..pusher.apps import App

#: Hosts whose HTTP API is Discord's (REST under /api/v*).
DISCORD_HOSTS = frozenset({"discord.com", "discordapp.com", "www.discord.com",
                           "canary.discord.com", "ptb.discord.com"})
#: Discord's gateway and its resume hosts (``gateway-us-east1-b.discord.gg``).
DISCORD_GATEWAY = re.compile(r"\Agateway(-[a-z0-9-]+)?\.discord\.gg\Z")
#: Pusher Channels' API and websocket hosts, with or without a cluster.
PUSHER_HOSTS = re.compile(r"\A(api|ws|sockjs)(-[a-z0-9-]+)?\.(pusher\.com|pusherapp\.com)\Z")
#: A Lavalink REST or websocket path.
LAVALINK_PATH = re.compile(r"\A/(v[34]/.*|version)\Z")
PUSHER_WS_PATH = re.compile(r"\A/app/([^/?]+)")

DEFAULT_PORTS = {"http": 80, "ws": 80, "https": 443, "wss": 443}


@dataclass(frozen=True)
class Redirect:
    """Where a request goes instead, and the headers it must carry there."""

    url: str
    service: str
    headers: Mapping[str, str]


class OfflineRouter:
    """Decides, from a URL and its headers, which twin (if any) answers a request.

    ``discord``, ``lavalink`` and ``pusher`` hand out the running twins (started on first
    call); ``served(host, port)`` says whether something listens at a loopback address.
    """

    def __init__(self, *, discord: Callable[[], DiscordTwin],
                 lavalink: Callable[[], LavalinkTwin], pusher: Callable[[], PusherTwin],
                 served: Callable[[str, int], bool] | None = None) -> None:
        self._discord = discord
        self._lavalink = lavalink
        self._pusher = pusher
        self._served = served or listening
        #: Every redirect made, as (service, original URL), oldest first.
        self.routed: list[tuple[str, str]] = []

    def route(self, url: str, headers: Mapping[str, str], *, websocket: bool
              ) -> Redirect | None:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower().rstrip(".")
        if not host:
            return None
        redirect: Redirect | None = None
        if host in DISCORD_HOSTS or DISCORD_GATEWAY.match(host):
            discord = self._discord()
            token = _header(headers, "Authorization")
            if token is not None and token.startswith("Bot "):
                adopt_discord_token(discord, token.removeprefix("Bot "))
            redirect = Redirect(_moved(parts, discord.host, discord.port, websocket),
                                "discord", {})
        elif PUSHER_HOSTS.match(host):
            pusher = self._pusher()
            key = PUSHER_WS_PATH.match(parts.path)
            if websocket and key:
                ensure_pusher_app(pusher, key=key.group(1))
            redirect = Redirect(_moved(parts, pusher.host, pusher.port, websocket),
                                "pusher", {})
        elif _looks_like_lavalink(parts.path, headers):
            port = parts.port or DEFAULT_PORTS.get(parts.scheme, 80)
            if not (is_loopback(host) and self._served(host, port)):
                lavalink = self._lavalink()
                redirect = Redirect(_moved(parts, lavalink.host, lavalink.port, websocket),
                                    "lavalink", {"Authorization": lavalink.config.password})
        if redirect is not None:
            self.routed.append((redirect.service, url))
        return redirect

    def pusher_client(self, host: str, app_id: str, key: str, secret: str) -> None:
        """The pusher SDK made a client for ``host``: a Pusher host's app goes onto the
        twin with the client's credentials, so the requests it signs are accepted."""
        if PUSHER_HOSTS.match(host.lower().split(":")[0]):
            ensure_pusher_app(self._pusher(), key=key, app_id=app_id, secret=secret)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    lowered = name.lower()
    for key, value in headers.items():
        if str(key).lower() == lowered:
            return str(value)
    return None


def _looks_like_lavalink(path: str, headers: Mapping[str, str]) -> bool:
    auth = _header(headers, "Authorization")
    return (bool(LAVALINK_PATH.match(path)) and auth is not None
            and not auth.startswith(("Bot ", "Bearer ", "Basic ")))


def _moved(parts: SplitResult, host: str, port: int, websocket: bool) -> str:
    scheme = ("ws" if websocket or parts.scheme in ("ws", "wss") else "http")
    return urlunsplit((scheme, f"{host}:{port}", parts.path or "/", parts.query,
                       parts.fragment))


def is_loopback(host: str) -> bool:
    """``localhost``, ``*.localhost``, 127.0.0.0/8, ::1 (and the unspecified address,
    which a connect reaches on this machine)."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def listening(host: str, port: int) -> bool:
    """Whether a TCP server accepts at ``host:port`` (on loopback a refusal is immediate)."""
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


# -- what the twins learn from the clients -----------------------------------------------

def adopt_discord_token(twin: DiscordTwin, token: str) -> None:
    """Make ``token`` the twin's bot token (the bot's real one works offline); a change
    closes the gateway sessions of the previous token, as Discord does on a reset."""
    if twin.application.token == token:
        return
    state = twin.snapshot()
    state["application"]["token"] = token
    twin.restore(state)


def ensure_pusher_app(twin: PusherTwin, *, key: str, app_id: str | None = None,
                      secret: str | None = None) -> App:
    """The twin's app with ``key`` (and ``app_id``/``secret`` when the pusher SDK gave
    them), added or updated. An app known only by its key (a websocket client's) gets an
    id made from the key and the secret ``offline-secret``; it stays so when the SDK
    names the key later with another id."""
    try:
        found: App | None = twin.find_app(app_id or key)
    except KeyError:
        found = None
    if found is None and app_id is not None:
        # A websocket client asked for this key first, under a made-up id: the key's
        # app stays as it is (ids cannot change under live connections).
        found = next((app for app in twin.apps if app.key == key), None)
        if found is not None:
            return found
    if found is None:
        digest = hashlib.sha256(key.encode()).hexdigest()
        # The twin's first app's settings and limits, under these credentials.
        app = replace(twin.app, id=app_id or str(int(digest[:12], 16)), key=key,
                      secret=secret or "offline-secret", name=f"offline {key}",
                      webhooks=[])
        twin.call(twin.model.add_app, app)
        return app
    wanted = replace(found, key=key, secret=secret or found.secret)
    if wanted != found:
        twin.call(twin.model.update_apps, [wanted])
    return wanted


# -- the wrappers ------------------------------------------------------------------------

_INHERITED = object()


class Patches:
    """Attributes replaced on library classes, put back by :meth:`restore`."""

    def __init__(self) -> None:
        self._saved: list[tuple[Any, str, Any]] = []
        self._finder: AfterImport | None = None

    def set(self, owner: Any, name: str, value: Any) -> None:
        """``owner.name = value``; an inherited attribute is deleted again on restore."""
        self._saved.append((owner, name, vars(owner).get(name, _INHERITED)))
        setattr(owner, name, value)

    def restore(self) -> None:
        if self._finder is not None and self._finder in sys.meta_path:
            sys.meta_path.remove(self._finder)
        self._finder = None
        for owner, name, value in reversed(self._saved):
            if value is _INHERITED:
                delattr(owner, name)
            else:
                setattr(owner, name, value)
        self._saved.clear()


class AfterImport(importlib.abc.MetaPathFinder):
    """Runs a hook on a module right after it is first imported (or at once if it is)."""

    def __init__(self, hooks: Mapping[str, Callable[[ModuleType], None]]) -> None:
        self._hooks = dict(hooks)
        self._finding: set[str] = set()
        for name in list(self._hooks):
            if name in sys.modules:
                self._hooks.pop(name)(sys.modules[name])

    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if fullname not in self._hooks or fullname in self._finding:
            return None
        self._finding.add(fullname)
        try:
            spec = importlib.util.find_spec(fullname)
        finally:
            self._finding.discard(fullname)
        if spec is None or spec.loader is None:
            return None
        spec.loader = _HookedLoader(spec.loader, self._hooks.pop(fullname))
        return spec


class _HookedLoader(importlib.abc.Loader):
    def __init__(self, loader: importlib.abc.Loader,
                 hook: Callable[[ModuleType], None]) -> None:
        self._loader = loader
        self._hook = hook

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        self._hook(module)

    def __getattr__(self, name: str) -> Any:
        # get_source (tracebacks, linecache), get_resource_reader...: the real loader's.
        return getattr(self._loader, name)


def route_clients(router: OfflineRouter,
                  more: Mapping[str, Callable[[Patches, ModuleType], None]] | None = None
                  ) -> Patches:
    """Wrap aiohttp's, requests' and websocket-client's URL-taking methods (and shorten
    the discord.py family's wait for guilds, which the twin sends at once) until
    :meth:`Patches.restore`; ``more`` patches further modules, by name, the same way."""
    patches = Patches()
    hooks: dict[str, Callable[[ModuleType], None]] = {
        "aiohttp.client": functools.partial(_patch_aiohttp, patches, router),
        "requests.adapters": functools.partial(_patch_requests, patches, router),
        "websocket._core": functools.partial(_patch_websocket_client, patches, router),
        "websocket._app": functools.partial(_patch_websocket_app, patches, router),
    }
    hooks["pusher.client"] = functools.partial(_patch_pusher_sdk, patches, router)
    for family in ("discord", "nextcord", "disnake"):
        hooks[f"{family}.client"] = functools.partial(_patch_discord_login, patches)
    for name, patch in (more or {}).items():
        hooks[name] = functools.partial(patch, patches)
    patches._finder = AfterImport(hooks)
    sys.meta_path.insert(0, patches._finder)
    return patches


def _patch_aiohttp(patches: Patches, router: OfflineRouter, module: ModuleType) -> None:
    session = module.ClientSession
    request, ws_connect = session._request, session._ws_connect

    def redirect(self: Any, url: Any, kwargs: dict[str, Any], websocket: bool) -> Any:
        text = str(url)
        if not urlsplit(text).hostname and getattr(self, "_base_url", None) is not None:
            text = str(self._base_url.join(module.URL(text)))
        merged = {**dict(self.headers), **dict(kwargs.get("headers") or {})}
        moved = router.route(text, merged, websocket=websocket)
        if moved is None:
            return url
        kwargs["headers"] = {**merged, **moved.headers}
        return moved.url

    @functools.wraps(request)
    async def routed_request(self: Any, method: str, str_or_url: Any, **kwargs: Any) -> Any:
        return await request(self, method, redirect(self, str_or_url, kwargs, False),
                             **kwargs)

    @functools.wraps(ws_connect)
    async def routed_ws_connect(self: Any, url: Any, **kwargs: Any) -> Any:
        return await ws_connect(self, redirect(self, url, kwargs, True), **kwargs)

    patches.set(session, "_request", routed_request)
    patches.set(session, "_ws_connect", routed_ws_connect)


def _patch_requests(patches: Patches, router: OfflineRouter, module: ModuleType) -> None:
    adapter = module.HTTPAdapter
    send = adapter.send

    @functools.wraps(send)
    def routed_send(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        moved = router.route(request.url, request.headers, websocket=False)
        if moved is not None:
            request = request.copy()
            request.url = moved.url
            request.headers.update(moved.headers)
            kwargs["proxies"] = {}  # the proxy was chosen for the service's host
        return send(self, request, *args, **kwargs)

    patches.set(adapter, "send", routed_send)


def _patch_websocket_client(patches: Patches, router: OfflineRouter,
                            module: ModuleType) -> None:
    websocket = module.WebSocket
    connect = websocket.connect

    @functools.wraps(connect)
    def routed_connect(self: Any, url: str, **options: Any) -> Any:
        header = options.get("header")
        headers = dict(header) if isinstance(header, Mapping) else {}
        moved = router.route(url, headers, websocket=True)
        if moved is not None:
            url = moved.url
            for name in ("http_proxy_host", "http_proxy_port", "proxy_type"):
                options.pop(name, None)
        return connect(self, url, **options)

    patches.set(websocket, "connect", routed_connect)


def _patch_websocket_app(patches: Patches, router: OfflineRouter, module: ModuleType) -> None:
    app = module.WebSocketApp
    run_forever = app.run_forever

    @functools.wraps(run_forever)
    def routed_run_forever(self: Any, *args: Any, **kwargs: Any) -> Any:
        # The app picks its dispatcher (TLS or not) from its own URL, so it moves too.
        header = self.header
        headers = dict(header) if isinstance(header, Mapping) else {}
        moved = router.route(self.url, headers, websocket=True)
        if moved is not None:
            self.url = moved.url
            for name in ("http_proxy_host", "http_proxy_port", "proxy_type"):
                kwargs.pop(name, None)
        return run_forever(self, *args, **kwargs)

    patches.set(app, "run_forever", routed_run_forever)


def _patch_pusher_sdk(patches: Patches, router: OfflineRouter, module: ModuleType) -> None:
    client = module.Client
    init = client.__init__

    @functools.wraps(init)
    def registering_init(self: Any, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        router.pusher_client(str(self.host), str(self.app_id), str(self.key),
                             str(self.secret))

    patches.set(client, "__init__", registering_init)


def _patch_discord_login(patches: Patches, module: ModuleType) -> None:
    client = module.Client
    login = client.login

    @functools.wraps(login)
    async def quick_login(self: Any, *args: Any, **kwargs: Any) -> Any:
        state = getattr(self, "_connection", None)
        if state is not None and getattr(state, "guild_ready_timeout", None) == 2.0:
            state.guild_ready_timeout = FAST_GUILD_READY_TIMEOUT
        return await login(self, *args, **kwargs)

    patches.set(client, "login", quick_login)


__all__ = ["DISCORD_GATEWAY", "DISCORD_HOSTS", "PUSHER_HOSTS", "AfterImport",
           "OfflineRouter", "Patches", "Redirect", "adopt_discord_token",
           "ensure_pusher_app", "is_loopback", "listening", "route_clients"]

"""``wiretwin serve``: the twins as a dev server, with copy-paste client settings.

Default ports follow each service's convention where it has one (Pusher 6001, as soketi;
Lavalink 2333); the Discord twin, which replaces a remote service, defaults to 8008.
The settings printed, and written as JSON with ``--settings-file``, are
the same objects :meth:`PusherTwin.settings` returns, so scripts, CI and JavaScript test
set-ups read exactly what a Python test would use. Ctrl-C (or SIGTERM) stops cleanly.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

from . import __version__
from .discord.twin import DiscordTwin
from .lavalink import LavalinkTwin
from .pusher import PusherTwin
from .runtime.base import Twin
from .runtime.clock import VirtualClock
from .runtime.traffic_log import log_traffic
from .runtime.wire import ADMIN_PREFIX
from .runtime.worlds import WorldError, default_world, read_world, write_world

DEFAULT_PUSHER_PORT = 6001
DEFAULT_LAVALINK_PORT = 2333
DEFAULT_DISCORD_PORT = 8008


def _kwargs(values: dict[str, Any]) -> str:
    return ", ".join(f"{k}={json.dumps(v) if not isinstance(v, bool) else v}"
                     for k, v in values.items())


def describe_pusher(settings: dict[str, Any]) -> str:
    """The human-readable block ``wiretwin serve`` prints for the Pusher twin."""
    js = settings["pusher_js"]
    return "\n".join([
        f"Pusher Channels   {settings['ws_url']}",
        f"  HTTP API        {settings['http_url']}",
        f"  admin API       {settings['admin_url']}  (OpenAPI: /_wiretwin/openapi.json)",
        f"  app_id={settings['app_id']}  key={settings['key']}  secret={settings['secret']}",
        "",
        "  pusher-http-python:",
        f"    pusher.Pusher({_kwargs(settings['pusher'])})",
        "  pusher-js / laravel-echo:",
        f"    new Pusher({json.dumps(js['key'])}, {json.dumps(js['options'])})",
        "  Pysher:",
        f"    pysher.Pusher({_kwargs(settings['pysher'])})",
    ])


def describe_lavalink(settings: dict[str, Any]) -> str:
    """The human-readable block ``wiretwin serve`` prints for the Lavalink twin."""
    return "\n".join([
        f"Lavalink v{settings['version']}    {settings['url']}  (websocket {settings['ws_url']})",
        f"  password        {settings['password']}",
        f"  admin API       {settings['admin_url']}",
        "",
        "  lavalink.py:",
        f"    lavalink.Client(user_id).add_node({_kwargs(settings['lavalink_py'])})",
        "  wavelink:",
        f"    wavelink.Node({_kwargs(settings['wavelink'])})",
        "  mafic:",
        f"    mafic.NodePool(client).create_node({_kwargs(settings['mafic'])})",
        "  pomice:",
        f"    pomice.NodePool().create_node(bot=bot, {_kwargs(settings['pomice'])})",
    ])


def describe_discord(settings: dict[str, Any]) -> str:
    """The human-readable block ``wiretwin serve`` prints for the Discord twin."""
    token = json.dumps(settings["token"])
    return "\n".join([
        f"Discord           REST {settings['rest_url']}  gateway {settings['gateway_url']}",
        f"  admin API       {settings['admin_url']}",
        f"  application_id={settings['application_id']}  bot_id={settings['bot_id']}",
        f"  token           {settings['token']}",
        f"  OAuth2          client_id={settings['oauth2']['client_id']}  "
        f"client_secret={settings['oauth2']['client_secret']}",
        f"                  authorize {settings['oauth2']['authorize_url']}  "
        f"token {settings['oauth2']['token_url']}",
        "",
        "  discord.py (in a test: with wiretwin.drivers.discord_py.use_discord_py(twin, bot)):",
        f"    discord.http.Route.BASE = {json.dumps(settings['rest_url'])}",
        "    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = "
        f"yarl.URL({json.dumps(settings['gateway_url'])})",
        f"    await bot.start({token})",
        "  hikari:",
        f"    hikari.GatewayBot({token}, rest_url={json.dumps(settings['rest_url'])})"
        ".run(check_for_updates=False)",
        "  discord.js:",
        f"    new Client({{ intents, rest: {{ api: {json.dumps(settings['api_base'])} }} }})"
        f".login({token})",
    ])


def describe_discord_world(twin: DiscordTwin, limit: int = 8) -> str:
    """What the Discord twin holds, with ids, and how to speak as a member by hand."""
    model = twin.model
    lines = ["  world (ids for the admin API, docs/how-to/admin-api-from-any-language.md):"]
    example: tuple[int, int] | None = None
    for guild in model.guilds.values():
        lines.append(f"    guild {guild.id}  {guild.name}")
        texts = [model.channels[c] for c in guild.channels if c in model.channels]
        for channel in texts[:limit]:
            kind = channel.type.name.lower().removeprefix("guild_")
            lines.append(f"      channel {channel.id}  {channel.name} ({kind})")
        people = [model.users[u] for u in guild.members if u in model.users]
        for user in people[:limit]:
            lines.append(f"      member  {user.id}  {user.username}"
                         + (" (the bot)" if user.id == model.bot.id else ""))
        if example is None:
            text = next((c for c in texts if c.type.name == "GUILD_TEXT"), None)
            human = next((u for u in people if not u.bot), None)
            if text is not None and human is not None:
                example = (text.id, human.id)
    if example is not None:
        channel_id, user_id = example
        lines += ["  a member says hello:",
                  f"    curl -X POST {twin.http_url(ADMIN_PREFIX)}/discord/channels/{channel_id}"
                  f"/messages -d '{{\"author\": \"{user_id}\", \"content\": \"hello\"}}'"]
    return "\n".join(lines)


DESCRIBE = {"pusher": describe_pusher, "lavalink": describe_lavalink,
            "discord": describe_discord}


def _build_twins(args: argparse.Namespace, world: dict[str, Any]) -> dict[str, Twin]:
    unknown = sorted(set(world) - set(DESCRIBE))
    if unknown:
        raise WorldError(f"{args.world}: no twin called {', '.join(unknown)} "
                         f"(known: {', '.join(DESCRIBE)})")
    clock = VirtualClock() if args.virtual_clock else None
    common = {"host": args.host, "seed": args.seed, "clock": clock,
              "admin_token": args.admin_token}
    where = args.world or "default world"
    kinds: dict[str, tuple[Callable[..., Twin], int]] = {
        "pusher": (PusherTwin, args.pusher_port),
        "lavalink": (LavalinkTwin, args.lavalink_port),
        "discord": (DiscordTwin, args.discord_port),
    }
    twins: dict[str, Twin] = {}
    for name, (kind, port) in kinds.items():
        if name not in args.twins:
            continue
        # Built with their world, so POST /_wiretwin/reset goes back to the world, not
        # to the built-in defaults.
        extra: dict[str, Any] = {}
        if name == "pusher" and args.pusher_redis:
            extra = {"cluster": args.pusher_redis, "cluster_node": args.pusher_node}
        try:
            twins[name] = kind(port=port, world=world.get(name), **common, **extra)
        except ValueError as exc:
            raise WorldError(f"{where}: [{name}] {exc}") from None
    return twins


def console_url(twin: Twin) -> str:
    """The twin's web console, with its admin token when it has one (the page trades it
    for a cookie and drops it from the address)."""
    url = twin.http_url("/_wiretwin/ui")
    return f"{url}?token={quote(twin.admin_token)}" if twin.admin_token else url


async def serve(args: argparse.Namespace, out: TextIO) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        # Not possible off the main thread or on Windows; Ctrl-C then ends asyncio.run.
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    world = read_world(args.world) if args.world else default_world()
    twins = _build_twins(args, world)
    started: list[Twin] = []
    try:
        for name, twin in twins.items():
            try:
                await twin.start()
            except OSError as exc:
                if exc.strerror is None:
                    raise  # not the port: e.g. the Redis of --pusher-redis refused
                raise OSError(exc.errno, f"the {name} twin {exc.strerror} (choose another "
                                         f"with --{name}-port; 0 takes any free port)"
                              ) from None
            started.append(twin)
        settings = {name: twin.settings() for name, twin in twins.items()}
        if args.settings_file:
            text = json.dumps(settings, indent=2) + "\n"
            Path(args.settings_file).write_text(text)  # noqa: ASYNC240 (once, at start-up)
        print(f"wiretwin {__version__}: twins listening on {args.host} (Ctrl-C to stop)",
              file=out)
        for name, block in settings.items():
            print("\n" + DESCRIBE[name](block), file=out)
            twin = twins[name]
            print(f"  web console     {console_url(twin)}", file=out)
            if isinstance(twin, PusherTwin) and twin.cluster is not None:
                print(f"  cluster: sharing its apps through {twin.cluster.url} as node "
                      f"{twin.cluster.node}", file=out)
            if isinstance(twin, DiscordTwin) and twin.model.guilds:
                print(describe_discord_world(twin), file=out)
            elif isinstance(twin, DiscordTwin) and name not in world:
                print(f"  world: no guilds ({args.world} has no [discord] table, so the "
                      "Discord twin holds only its application and bot; add one, or "
                      "--twins to leave Discord out)", file=out)
        if args.settings_file:
            print(f"\nSettings written to {args.settings_file}", file=out)
        if args.log_requests:
            print("\nLogging requests, websocket connections, faults and admin API calls "
                  "as they come:", file=out)
            log_traffic([twin.journal for twin in twins.values()], out,
                        admin=[twin.wire for twin in twins.values()])
        out.flush()
        await stop.wait()
    finally:
        if args.save and len(started) == len(twins):
            write_world(args.save, {name: twin.snapshot() for name, twin in twins.items()})
            print(f"State saved to {args.save}", file=out)
        for twin in reversed(started):
            await twin.stop()
        if started and len(started) == len(twins):  # not when a twin could not start
            print("wiretwin stopped", file=out)
        out.flush()


def _port(text: str) -> int:
    """A port for ``--*-port``: 0 (any free one) to 65535."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port (0 to 65535; 0: any free one)")
    return port


def _twin_names(text: str) -> list[str]:
    """``--twins pusher,discord``: known twin names, at least one."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in DESCRIBE]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"{', '.join(unknown) or 'no twin'}: choose from {', '.join(DESCRIBE)}")
    return names


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wiretwin", description="Offline twins of Discord, Lavalink and Pusher for "
                                     "tests: `wiretwin serve` runs them as a dev server.")
    parser.add_argument("--version", action="version", version=f"wiretwin {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve_cmd = commands.add_parser(
        "serve", help="run the twins until Ctrl-C",
        description="Run the Pusher, Lavalink and Discord twins on 127.0.0.1 with the "
                    "built-in world (or --world), print each one's URLs and ready-to-paste "
                    "client settings, and stop cleanly on Ctrl-C.")
    serve_cmd.add_argument("--twins", type=_twin_names, default=list(DESCRIBE),
                           metavar="NAMES",
                           help="which twins to run, comma-separated (default: "
                                "pusher,lavalink,discord)")
    serve_cmd.add_argument("--host", default="127.0.0.1",
                           help="address to listen on (default: 127.0.0.1)")
    serve_cmd.add_argument("--pusher-port", type=_port, default=DEFAULT_PUSHER_PORT,
                           help=f"Pusher twin port (default: {DEFAULT_PUSHER_PORT}; 0 = any)")
    serve_cmd.add_argument("--pusher-redis", metavar="URL",
                           help="share the Pusher twin's apps with every other one given "
                                "the same Redis (redis://host:port/db): events, presence "
                                "and webhooks become cluster-wide")
    serve_cmd.add_argument("--pusher-node", metavar="NAME",
                           help="this Pusher twin's name in its Redis cluster (default: "
                                "random)")
    serve_cmd.add_argument("--lavalink-port", type=_port, default=DEFAULT_LAVALINK_PORT,
                           help=f"Lavalink twin port (default: {DEFAULT_LAVALINK_PORT}; "
                                "0 = any)")
    serve_cmd.add_argument("--discord-port", type=_port, default=DEFAULT_DISCORD_PORT,
                           help=f"Discord twin port (default: {DEFAULT_DISCORD_PORT}; 0 = any)")
    serve_cmd.add_argument("--seed", type=int, default=0, help="seed for the twins' randomness")
    serve_cmd.add_argument("--settings-file", metavar="PATH",
                           help="write every twin's URLs, ports and credentials as JSON")
    serve_cmd.add_argument("--world", metavar="FILE",
                           help="start from this world file (TOML or JSON; default: the "
                                "built-in world)")
    serve_cmd.add_argument("--virtual-clock", action="store_true",
                           help="run the twins on a virtual clock, moved only through "
                                "POST /_wiretwin/clock/advance")
    serve_cmd.add_argument("--admin-token", metavar="TOKEN",
                           default=os.environ.get("WIRETWIN_ADMIN_TOKEN") or None,
                           help="require 'Authorization: Bearer TOKEN' on the admin API "
                                "(default: $WIRETWIN_ADMIN_TOKEN; none: open to loopback)")
    serve_cmd.add_argument("--log-level", default="warning",
                           choices=["debug", "info", "warning", "error"],
                           help="what the twins log to stderr (default: warning: a twin's "
                                "own bugs, with their tracebacks; debug adds every "
                                "malformed request a client sent)")
    serve_cmd.add_argument("--log-requests", action="store_true",
                           help="print a line for every HTTP request (admin API ones "
                                "included), websocket connection and fault as it happens "
                                "(frames stay in the journal)")
    serve_cmd.add_argument("--save", metavar="FILE",
                           help="write the twins' state to FILE on exit (.toml or .json)")
    commands.add_parser("discord-routes",
                        help="which of Discord's published REST routes the Discord twin "
                             "models (Markdown)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "serve" and args.pusher_node and not args.pusher_redis:
        parser.error("--pusher-node names the Pusher twin in a Redis cluster: give "
                     "--pusher-redis too")
    if args.command == "serve":
        logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        try:
            asyncio.run(serve(args, sys.stdout))
        except (OSError, WorldError) as exc:
            said = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            print(f"wiretwin: {said}", file=sys.stderr)
            return 1
    elif args.command == "discord-routes":
        from .discord.coverage import coverage, report

        sys.stdout.write(report(coverage()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

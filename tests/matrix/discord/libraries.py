"""The Discord matrix's libraries: what each one is, how its scenario bot is started,
and what it cannot do (with why)."""

from __future__ import annotations

import functools
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..core import Library, npm_version, python_version
from ..process import jar_version, java_command
from .harness import Command

HERE = Path(__file__).parent
BOTS = HERE / "bots"
ROOT = HERE.parents[2]
JS_DIR = HERE / "js"
MODULES = JS_DIR / "node_modules"
GO_DIR = HERE / "go"
JAVA_TARGET = HERE / "java" / "target"
#: Where make install builds the Go bot (build/ is not committed).
DISCORDGO_BOT = ROOT / "build" / "matrix-bin" / "discordgo-bot"
RUST_DIR = HERE / "rust"
#: Where make install puts the Rust bot (built with its target directory outside the clone).
TWILIGHT_BOT = ROOT / "build" / "matrix-bin" / "twilight-bot"


def _python(interpreter: str, script: str, *args: str) -> Command:
    def command(settings: str) -> Sequence[str]:
        return [interpreter, str(BOTS / script), *args, settings]
    return command


def _node(script: str) -> Command:
    def command(settings: str) -> Sequence[str]:
        return [shutil.which("node") or "node", str(JS_DIR / script), settings]
    return command


def _binary(path: Path) -> Command:
    def command(settings: str) -> Sequence[str]:
        return [str(path), settings]
    return command


def _go_version(module: str) -> Callable[[], str]:
    """The version go.mod requires (the build uses exactly that one: go.sum pins it)."""
    def read() -> str:
        for line in (GO_DIR / "go.mod").read_text().splitlines():
            words = line.split()
            if module in words:
                return words[words.index(module) + 1].removeprefix("v")
        raise ValueError(f"{module} is not in go.mod")
    return read


def _java(main: str) -> Command:
    def command(settings: str) -> Sequence[str]:
        return [*java_command(JAVA_TARGET, main), settings]
    return command


def _crate_version(crate: str) -> Callable[[], str]:
    """The version of ``crate`` that Cargo.lock pins (the one the bot is built with)."""
    def read() -> str:
        lines = (RUST_DIR / "Cargo.lock").read_text().splitlines()
        for index, line in enumerate(lines):
            if line == f'name = "{crate}"':
                return lines[index + 1].split('"')[1]
        raise ValueError(f"{crate} is not in Cargo.lock")
    return read


def _venv(name: str) -> str:
    return str(ROOT / name / "bin" / "python")


def _venv_version(venv: str, distribution: str) -> Callable[[], str]:
    """The version of ``distribution`` installed in a venv of its own."""
    @functools.cache
    def read() -> str:
        code = f"from importlib import metadata; print(metadata.version({distribution!r}))"
        try:
            done = subprocess.run([_venv(venv), "-c", code], capture_output=True, text=True,
                                  timeout=30, check=True)
        except (OSError, subprocess.SubprocessError) as exc:
            raise OSError(f"{venv} is missing: make install makes it") from exc
        return done.stdout.strip()
    return read


#: How the discord.py family's bot is pointed at the twin (the page shows it).
DPY_NOTE = ("Pointed at the twin by setting its REST route base and "
            "DiscordWebSocket.DEFAULT_GATEWAY (wiretwin's use_discord_py does this).")


@dataclass(frozen=True)
class DiscordLibrary:
    library: Library
    command: Command
    #: What the twin's /gateway/bot says (how many shards may identify at once).
    max_concurrency: int = 2


LIBRARIES = [
    DiscordLibrary(Library(
        "discord.py", "discord.py", "Python", "bot library", "PyPI discord.py",
        python_version("discord.py"),
        note=DPY_NOTE), _python(sys.executable, "dpy_bot.py", "discord")),
    DiscordLibrary(Library(
        "nextcord", "nextcord", "Python", "bot library (discord.py fork)", "PyPI nextcord",
        _venv_version(".venv-nextcord", "nextcord"), note=DPY_NOTE + " Run from a venv "
        "of its own. By default nextcord deletes, at login, every application command it "
        "has no code for (the bot answers /echo from on_interaction: it sets "
        "rollout_delete_unknown=False), and its views and modals defer an interaction "
        "nobody answered at once (auto_defer=False, where on_interaction answers)."),
        _python(_venv(".venv-nextcord"), "dpy_bot.py", "nextcord")),
    DiscordLibrary(Library(
        "py-cord", "py-cord", "Python", "bot library (discord.py fork)", "PyPI py-cord",
        _venv_version(".venv-py-cord", "py-cord"), note=DPY_NOTE + " Run from a venv "
        "of its own (it installs a discord package)."),
        _python(_venv(".venv-py-cord"), "dpy_bot.py", "discord")),
    DiscordLibrary(Library(
        "disnake", "disnake", "Python", "bot library (discord.py fork)", "PyPI disnake",
        _venv_version(".venv-disnake", "disnake"), note=DPY_NOTE + " Run from a venv "
        "of its own."), _python(_venv(".venv-disnake"), "dpy_bot.py", "disnake")),
    DiscordLibrary(Library(
        "hikari", "hikari", "Python", "bot library", "PyPI hikari", python_version("hikari"),
        note="GatewayBot(rest_url=...): it asks the twin's /gateway/bot for the gateway."),
        _python(sys.executable, "hikari_bot.py")),
    DiscordLibrary(Library(
        "interactions.py", "interactions.py", "Python", "bot library",
        "PyPI discord-py-interactions",
        _venv_version(".venv-interactions", "discord-py-interactions"),
        note="Run from a venv of its own. Pointed at the twin by setting its Route.BASE; it "
             "asks the twin's /gateway for the gateway. Its slash command, autocomplete, "
             "button and modal go through its own command system (synced to the twin at "
             "login). Run with max_concurrency 1 in /gateway/bot: with 2, interactions.py "
             "5.16 never starts its second shard (AutoShardedClient.astart waits for every "
             "shard to be ready before it starts the next identify bucket)."),
        _python(_venv(".venv-interactions"), "interactions_bot.py"), max_concurrency=1),
    DiscordLibrary(Library(
        "discord.js", "discord.js", "JavaScript", "bot library", "npm discord.js",
        npm_version(MODULES / "discord.js"),
        note="new Client({rest: {api, version: '10'}}): it asks the twin's /gateway/bot "
             "for the gateway."), _node("discordjs_bot.mjs")),
    DiscordLibrary(Library(
        "eris", "Eris", "JavaScript", "bot library", "npm eris", npm_version(MODULES / "eris"),
        note="Its REST always uses HTTPS on port 443 of rest.domain: it reaches the twin "
             "only through its rest.agent option, an agent that opens a plain TCP "
             "connection to the twin instead. The gateway comes from /gateway/bot."),
        _node("eris_bot.mjs")),
    DiscordLibrary(Library(
        "oceanic.js", "Oceanic.js", "JavaScript", "bot library", "npm oceanic.js",
        npm_version(MODULES / "oceanic.js"),
        note="new Client({rest: {baseURL}}): the gateway comes from the twin's "
             "/gateway/bot."), _node("oceanic_bot.mjs")),
    DiscordLibrary(Library(
        "discordeno", "discordeno", "JavaScript", "bot library", "npm @discordeno/bot",
        npm_version(MODULES / "@discordeno" / "bot"),
        note="Its REST reaches another host only in its proxied mode (rest.proxy.baseUrl, "
             "with the bot's authorization passed on); the gateway comes from the twin's "
             "/gateway/bot. It keeps no cache: the bot counts READY's guilds itself.",
        unsupported={"rate-limit": "in its proxied REST mode (the only way to point it at "
                                    "another host) discordeno leaves rate limits to the "
                                    "proxy: it sends at once and throws a 429 to the caller "
                                    "(run here: 2 of 5 posts arrived, the third threw)"},
        known_failures={"disallowed-intent": "the 4014 reaches no caller: bot.start() never "
                        "settles, discordeno throws the close's reason (\"Disallowed "
                        "intent(s).\") from its socket's close handler as an unhandled "
                        "promise rejection, and the gateway's disconnected event tells the "
                        "bot only that the shard is Offline (it does not reconnect)"}),
        _node("discordeno_bot.mjs")),
    DiscordLibrary(Library(
        "discordgo", "discordgo", "Go", "bot library", "Go module github.com/bwmarrin/discordgo",
        _go_version("github.com/bwmarrin/discordgo"),
        note="Its REST URLs are package variables made when the package loads (and API v9 "
             "by default): the bot sets APIVersion and the Endpoint variables to the twin's "
             "/api/v10; the gateway comes from the twin's /gateway. One Session per shard."),
        _binary(DISCORDGO_BOT)),
    DiscordLibrary(Library(
        "jda", "JDA", "Java", "bot library", "Maven net.dv8tion:JDA",
        jar_version(JAVA_TARGET, "JDA"),
        note="RestConfig().setBaseUrl(...) points its REST at the twin; the gateway comes "
             "from the twin's /gateway. Built with createLight (no member or emoji cache); "
             "the two shards through DefaultShardManagerBuilder.",
        unsupported={"permission-error": "JDA checks the bot's permissions itself, from "
                                          "its cache of roles and overwrites, and throws "
                                          "InsufficientPermissionException (MESSAGE_SEND) "
                                          "without sending the request: the 403 never "
                                          "happens"}),
        _java("wiretwin.matrix.discord.JdaBot")),
    DiscordLibrary(Library(
        "twilight", "twilight", "Rust", "bot library (twilight-http, twilight-gateway)",
        "crates.io twilight-gateway", _crate_version("twilight-gateway"),
        note="twilight-http sends every request to its proxy (ClientBuilder::proxy, over "
             "plain HTTP): the twin; each shard dials the twin's gateway through "
             "ConfigBuilder::proxy_url. One Shard per shard, as twilight runs them."),
        _binary(TWILIGHT_BOT)),
]

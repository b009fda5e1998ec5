"""The Lavalink matrix's libraries: what each one is, how to start its driver, and what
it cannot do (with why) or is known to get wrong (its bug, with why)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from ..core import Library, npm_version, python_version
from ..process import jar_version
from . import js_clients, py_discord, py_lavalink, py_pomice
from .harness import LavalinkCase
from .js_clients import JAVA_TARGET, MODULES


@dataclass(frozen=True)
class LavalinkLibrary:
    library: Library
    open: Callable[[LavalinkCase], Awaitable[Any]]
    #: Its players join voice through discord.py on a Discord twin.
    discord: bool = False


def _js(name: str) -> Callable[[LavalinkCase], Awaitable[Any]]:
    async def open_driver(case: LavalinkCase) -> Any:
        return await js_clients.start(case, name)

    return open_driver


MOONLINK_LATE = ("on some connects (most here): its websocket code (services/WebSocket.js) "
                 "keeps the bytes that came with the HTTP 101 response (the upgrade's head) "
                 "in its buffer without parsing them until more data arrives; Lavalink "
                 "sends ready at once, so when ready is read together with the handshake "
                 "the library reports it only when the next frame comes (stats, a minute "
                 "later)")

POMICE_NO_RESUME = ("pomice 2.11 sends no Session-Id when it reconnects, and destroys its "
                    "players when its websocket closes: it has no session resuming")

JAVA_NO_CHANNEL = ("its voice state (Link.onVoiceServerUpdate takes Lavalink protocol "
                   "4.0.3's VoiceState) has no channelId, which Lavalink 4.2 requires "
                   "(DAVE): the node answers the voice PATCH with 400 and the player never "
                   "gets a voice connection (3.3.0 and 3.4.0 could not be fetched here)")


async def _java(case: LavalinkCase) -> Any:
    return await js_clients.start_java(case)


RAW_VOICE = ("Voice from raw gateway packets: the driver answers the library's op 4 with "
             "the bot's VOICE_STATE_UPDATE and a VOICE_SERVER_UPDATE, handed to ")

LIBRARIES = [
    LavalinkLibrary(Library(
        "lavalink.py", "lavalink.py", "Python", "Lavalink v4 client", "PyPI lavalink",
        python_version("lavalink"),
        note="Voice as the raw VOICE_STATE_UPDATE and VOICE_SERVER_UPDATE dispatches a bot "
             "hands to voice_update_handler. It builds its upgrade headers once per "
             "connection task, so a reconnect carries Session-Id only after the task "
             "restarted once the id was known (the driver does that when it turns resuming "
             "on)."), py_lavalink.LavalinkPyDriver.open),
    LavalinkLibrary(Library(
        "wavelink", "wavelink", "Python", "Lavalink v4 client (over discord.py)",
        "PyPI wavelink", python_version("wavelink"),
        note="Its client is logged in to a Discord twin, which answers the player's join "
             "as Discord does. Playable.search gives a list for a track and for a search "
             "alike (no loadType); a ytsearch: query goes as its words with "
             "TrackSource.YouTube (its default source is YouTube Music). The queue plays "
             "on with AutoPlayMode.partial."), py_discord.WavelinkDriver.open,
        discord=True),
    LavalinkLibrary(Library(
        "mafic", "mafic", "Python", "Lavalink v4 client (over discord.py)", "PyPI mafic",
        python_version("mafic"),
        known_failures={"resume": "mafic 2.11 reconnects on its own with the Session-Id it "
                                  "was created with (none), so the node opens a new "
                                  "session; only a session id given at node creation "
                                  "(resuming_session_id) is resumed"},
        note="Its client is logged in to a Discord twin, which answers the player's join "
             "as Discord does. fetch_tracks gives a list for a track and for a search "
             "alike (no loadType). mafic has no queue: the driver plays the next track on "
             "track_end, as a bot does."), py_discord.MaficDriver.open, discord=True),
    LavalinkLibrary(Library(
        "pomice", "pomice", "Python", "Lavalink v4 client (over discord.py)", "PyPI pomice",
        python_version("pomice"), unsupported={"resume": POMICE_NO_RESUME},
        note="Its bot is logged in to a Discord twin, which answers the player's join as "
             "Discord does. get_tracks gives a list for a track and for a search alike "
             "(no loadType) and raises TrackLoadError with the node's message; pomice's "
             "Queue is a container, so the driver plays the next track on track_end, as "
             "a bot does."), py_pomice.PomiceDriver.open, discord=True),
    LavalinkLibrary(Library(
        "shoukaku", "shoukaku", "JavaScript", "Lavalink v4 client (Node)", "npm shoukaku",
        npm_version(MODULES / "shoukaku"),
        note=RAW_VOICE + "a Connector of the driver's own (shoukaku's documented way to "
             "support a Discord library). shoukaku has no queue: the driver plays the next "
             "track on the player's end event."), _js("shoukaku")),
    LavalinkLibrary(Library(
        "lavalink-client", "lavalink-client", "JavaScript", "Lavalink v4 client (Node)",
        "npm lavalink-client", npm_version(MODULES / "lavalink-client"),
        known_failures={"resume": "its automatic reconnect (executeReconnect) calls "
                                  "connect() without the session id, so it sends no "
                                  "Session-Id and opens a new session; only a session id "
                                  "given at node creation (options.sessionId) is resumed"},
        note=RAW_VOICE + "sendRawData; its sendToShard option sends op 4."),
        _js("lavalink-client")),
    LavalinkLibrary(Library(
        "moonlink.js", "moonlink.js", "JavaScript", "Lavalink v4 client (Node)",
        "npm moonlink.js", npm_version(MODULES / "moonlink.js"),
        known_failures={"connect": MOONLINK_LATE}, intermittent=frozenset({"connect"}),
        note=RAW_VOICE + "packetUpdate; its send option sends op 4. The other scenarios "
             "run once the node's first stats frame made it report ready (the clock moved "
             "a minute); after the drop in Node drop and resume, the same when the resumed "
             "ready came with the handshake. A ytsearch: query goes as its words "
             "(its search() adds the prefix); filters are sent by filters.apply()."),
        _js("moonlink.js")),
    LavalinkLibrary(Library(
        "magmastream", "magmastream", "JavaScript", "Lavalink v4 client (Node)",
        "npm magmastream", npm_version(MODULES / "magmastream"),
        known_failures={"load-error": "its search result for loadType error carries no "
                                      "exception: the node's message and severity are "
                                      "dropped (Manager.search keeps only loadType)"},
        note=RAW_VOICE + "updateVoiceState; its send option sends op 4 (playNextOnEnd on, "
             "getUser and getGuild given, as a Manager without a wrapper needs). Its "
             "clientId constructor option throws (Manager sets this.options.clientId before "
             "this.options exists): the id goes to init(). A ytsearch: query goes as its "
             "words alone: search() puts the platform's prefix before anything that is "
             "not a URL."),
        _js("magmastream")),
    LavalinkLibrary(Library(
        "lavalink-client-java", "lavalink-client (Java)", "Java",
        "Lavalink v4 client (JVM, Kotlin)", "Maven dev.arbjerg:lavalink-client",
        jar_version(JAVA_TARGET, "lavalink-client"),
        known_failures=dict.fromkeys(
            ("play", "pause-resume", "seek", "volume", "filters", "track-end-next",
             "player-update", "resume"),
            JAVA_NO_CHANNEL),
        note="It has no Discord connection of its own: the driver hands it the voice server "
             "(Link.onVoiceServerUpdate), as its JDA and Discord4J helpers do. It has no "
             "queue: the driver plays the next track on its TrackEndEvent. Against the "
             "twin set to report Lavalink 4.1.2 (no channelId needed) play, pause and "
             "resume, seek, volume, filters, track end and next, and player updates pass; "
             "after a resumed ready "
             "it PATCHes its player's track again, at the position it works out from its "
             "own clock."),
        _java),
]

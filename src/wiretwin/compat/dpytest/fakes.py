"""dpytest's ``Fake*`` classes, as the configured bot's real objects.

dpytest replaced the bot's HTTP client, connection state and gateway socket with fakes of
its own. Here nothing is replaced: the bot keeps discord.py's own objects, talking to the
twin. So that code written against dpytest's classes keeps working, :func:`install`
(called by ``configure()``) re-classes two of them to dpytest's names, subclasses that
add only what dpytest's fakes did that a test can see:

- ``client.http`` becomes a :class:`FakeHttp`, a ``discord.http.HTTPClient`` whose every
  call still goes over the wire. Its one addition is dpytest 0.7.0's ``create_channel``
  idiom, a guild object in place of the id and the name read from the caller (see
  :meth:`FakeHttp.create_channel`); discord.py's own calls pass an id and are untouched.
- ``client._connection`` becomes a :class:`FakeState`, a ``ConnectionState`` with
  dpytest's ``stop_dispatch()`` / ``start_dispatch()``.

The gateway socket changes with every connection, so :data:`FakeWebSocket` is discord.py's
own ``DiscordWebSocket`` (what ``bot.ws`` is), and :data:`FakeVoiceChannel` is
``discord.VoiceChannel`` (what the bot's voice channels are). Only an object of exactly
discord.py's class is re-classed: a client with an HTTP client or state of its own keeps
it as it is.
"""

from __future__ import annotations

import asyncio
import sys
import urllib.parse
import urllib.request
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord
import discord.gateway
import discord.http
import discord.state

JsonDict = dict[str, Any]


@dataclass
class FakeRequest:
    """dpytest's stand-in response, to raise discord.py's HTTP errors with in a test:
    ``discord.Forbidden(FakeRequest(403, "Forbidden"), "Missing Permissions")``."""

    status: int
    reason: str

    @property
    def status_code(self) -> int:
        return self.status


def _local_file(url_path: str) -> bytes | None:
    path = Path(urllib.request.url2pathname(url_path))
    return path.read_bytes() if path.is_file() else None


#: Where the twin serves its files.
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


class FakeHttp(discord.http.HTTPClient):
    """The configured bot's ``discord.http.HTTPClient``, under dpytest's name: its calls
    go to the twin over HTTP, as any HTTPClient's do."""

    #: The bot's connection state (dpytest's fake client kept it here).
    state: discord.state.ConnectionState

    def create_channel(
            self, guild_id: Any, channel_type: Any, *, reason: str | None = None,
            **options: Any) -> Coroutine[Any, Any, Any]:
        """discord.py's call, over the wire (discord.py's ``Guild.create_*_channel`` pass
        an id and ``name=``). dpytest's tests call it without ``name=``, and its fake read
        ``name`` from the caller's local variables: without ``name=``, so does this one
        (if the caller has no string ``name``, Discord's 400 says the field is required).
        Given the guild itself instead of its id (dpytest 0.7.0's tests), the answer is
        dpytest 0.7.0's fake's, with ``type`` as a ``discord.ChannelType``."""
        if "name" not in options:
            name = sys._getframe(1).f_locals.get("name")
            if isinstance(name, str):
                options["name"] = name
        if isinstance(guild_id, int | str) or not hasattr(guild_id, "id"):
            return super().create_channel(guild_id, channel_type, reason=reason, **options)
        return self._create_in(guild_id.id, channel_type, reason, options)

    async def get_from_cdn(self, url: str) -> bytes:
        """The twin's files from the twin; a url elsewhere (an attachment a test made up
        with the factories) is, as dpytest's fake read it, the local file its path names,
        when there is one."""
        parsed = urllib.parse.urlparse(url)
        if parsed.hostname not in _LOOPBACK:
            local = await asyncio.to_thread(_local_file, parsed.path)
            if local is not None:
                return local
        data: bytes = await super().get_from_cdn(url)
        return data

    async def _create_in(self, guild_id: int, channel_type: Any, reason: str | None,
                         options: JsonDict) -> JsonDict:
        data: JsonDict = dict(await super().create_channel(guild_id, channel_type,
                                                           reason=reason, **options))
        data["type"] = discord.enums.try_enum(discord.ChannelType, data["type"])
        return data


def _silent(*_args: Any, **_kwargs: Any) -> None:
    return None


class FakeState(discord.state.ConnectionState):
    """The configured bot's ``ConnectionState``, under dpytest's name, with dpytest's
    switch for the bot's events. Everything else is discord.py's own: the twin's gateway
    fills it, member chunking included."""

    #: The bot's ``dispatch`` while events are stopped.
    _dpytest_dispatch: Callable[..., Any] | None = None

    def stop_dispatch(self) -> None:
        """Stop handing events to the bot: its cache still follows the twin, but no
        ``on_*`` handler runs until :meth:`start_dispatch`."""
        if self._dpytest_dispatch is None:
            self._dpytest_dispatch = self.dispatch
            self.dispatch = _silent

    def start_dispatch(self) -> None:
        """Hand events to the bot again (what happened meanwhile is not replayed)."""
        if self._dpytest_dispatch is not None:
            self.dispatch, self._dpytest_dispatch = self._dpytest_dispatch, None


#: dpytest's fake gateway socket: here the bot's real one (``bot.ws``), in memory.
FakeWebSocket = discord.gateway.DiscordWebSocket
#: dpytest's fake voice channel: here the bot's own voice channels. Their ``connect()``
#: is discord.py's (it needs a voice server, which the twin does not run); pass
#: ``cls=voice.FakeVoiceClient`` to join without one.
FakeVoiceChannel = discord.VoiceChannel


def install(client: discord.Client) -> None:
    """Re-class ``client``'s HTTP client and state to :class:`FakeHttp` and
    :class:`FakeState` (the same objects: nothing is copied or replaced), events on."""
    http, state = client.http, client._connection
    if type(http) is discord.http.HTTPClient:
        http.__class__ = FakeHttp
    if type(state) is discord.state.ConnectionState:
        state.__class__ = FakeState
    if isinstance(state, FakeState):  # a new session hands the bot its events again
        state.start_dispatch()
    if isinstance(http, FakeHttp):
        http.state = state


__all__ = ["FakeHttp", "FakeRequest", "FakeState", "FakeVoiceChannel", "FakeWebSocket",
           "install"]

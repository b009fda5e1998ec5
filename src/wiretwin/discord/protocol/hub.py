"""Gateway sessions: identify, resume, heartbeats, and who gets which dispatch.

Theory of operation
-------------------
A *connection* is one websocket; a *session* is what IDENTIFY creates (its id, sequence
number, intents, shard, and the dispatches it was sent, kept for RESUME). A connection
starts unauthenticated (HELLO sent); IDENTIFY makes a session (READY, then one
GUILD_CREATE per guild of its shard); RESUME re-attaches a connection to a session it
left, replaying every dispatch after the client's ``seq`` and then RESUMED.

Every payload a client sends is read by :mod:`.frames` into a typed request or refused
with the close code Discord uses; nothing a client sends reaches the model unread.
Connections and sessions are :mod:`.session`'s; the requests an identified session may
make (ops 4, 8, 31, 43) are answered by :mod:`.requests`.

State table (what a connection may send, per state):

=================  =======================================================================
unauthenticated    1 heartbeat; 2 identify; 6 resume; 3, 4, 8, 31, 43 close 4003;
                   any other opcode closes 4001
ready              1 heartbeat; 3 presence; 4 voice state; 8 request members;
                   31 request soundboard sounds; 43 request channel info;
                   2 and 6 close 4005; any other opcode (0, 7, 9, 10, 11...) closes 4001
=================  =======================================================================

Payloads, and what each bad one gets ("4001": Discord documents 4001 for "an invalid
payload for an opcode" and answers missing fields so; "#N" is a discord-api-docs issue
where Discord's answer was observed; "unknown" marks a choice where Discord's answer is
neither documented nor observed, made by the documented code that fits):

==================  ====================================================================
any frame           not JSON, over 4096 bytes, not an object, ``op`` not an integer:
                    4002; more than 120 payloads in 60 s: 4008
op 1 heartbeat      ``d`` an integer or null, else 4001 (unknown); answered op 11
op 2 identify       ``d`` not an object, ``token`` not a string, ``properties`` not an
                    object, ``compress`` not a boolean, ``large_threshold`` not an
                    integer, ``presence`` not an object: 4001 (unknown);
                    ``large_threshold`` outside 50-250 is clamped (unknown); wrong token
                    4004; ``intents`` missing, not an integer or unknown bits 4013
                    (discord-api-docs #2114); privileged intents the app lacks 4014;
                    ``shard`` not ``[id, count]`` with ``0 <= id < count``: 4010; more
                    than 2500 guilds on the shard: 4011
op 3 presence       ``since`` (number or null), ``status`` (online, dnd, idle,
                    invisible, offline) and ``activities`` (or the legacy ``game``
                    hikari sends) required, each activity a ``name`` and a ``type``
                    0-5 (unknown), ``afk`` a boolean (unknown): else 4001 (#2226,
                    #3854); accepted silently
op 4 voice state    ``guild_id`` a snowflake, ``channel_id`` a snowflake or null,
                    ``self_mute``/``self_deaf`` booleans: else 4001; a guild the bot is
                    not in, an unknown channel, a channel that is not voice or not in
                    the guild: nothing is sent (unknown); else VOICE_STATE_UPDATE (and
                    VOICE_SERVER_UPDATE when joining)
op 6 resume         ``token``, ``session_id`` strings and ``seq`` an integer, else 4001;
                    wrong token 4004; unknown, ended or attached session: op 9
                    ``d: false``; ``seq`` below 0 or past the session's last: 4007 and
                    the session ends ("start a new session"); ``seq`` older than the
                    replay buffer holds: op 9 ``d: false`` and the session ends
op 8 members        ``guild_id`` a snowflake (an array: only its first guild, as since
                    2020, #2179), ``user_ids`` snowflakes, ``query`` a string,
                    ``limit`` an integer >= 0 (required with ``query``), ``presences``
                    a boolean, else 4001; neither ``query`` nor ``user_ids``: 4001
                    (#1372); a guild the bot is not in: nothing (unknown); the whole
                    list without GUILD_MEMBERS: nothing (#5855); the whole list of
                    one guild twice in 30 s on one session: RATE_LIMITED ``{opcode:
                    8, retry_after, meta: {guild_id, nonce}}`` (documented, 2025-08-14;
                    the twin's clock); more than 100
                    ``user_ids``: the first 100 (discord.js #4313); a ``nonce`` that is
                    not a string of at most 32 bytes is left out of the chunks
                    (documented)
op 31 soundboard    ``guild_ids`` an array of snowflakes, else 4001 (unknown); one
                    SOUNDBOARD_SOUNDS per guild the bot is in (the twin has no sounds)
op 43 channel info  ``guild_id`` a snowflake, ``fields`` from ``status`` and
                    ``voice_start_time``, else 4001 (unknown); CHANNEL_INFO of the
                    guild's voice channels with the fields asked: the status set by
                    ``PUT /channels/{id}/voice-status`` and the unix second its first
                    member joined (null when unset or empty; unix seconds: unknown)
==================  ====================================================================

A connection that stops heartbeating for 1.5 intervals (on the twin's clock) is closed
4009. A session whose connection closes with 1000/1001 (or 4004, 4010-4014) is gone;
any other close *pauses* it: resumable for ``limits.resume_window`` seconds, at most
``limits.resumable_sessions`` paused at once (the one paused longest ends first). See
:mod:`.replay` for what a session keeps and why a paused one costs nothing per dispatch.

:meth:`GatewayHub.dispatch` fans a model event out to every live session of the right
shard whose intents want it, hiding message content where Discord hides it.
"""

from __future__ import annotations

import random
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from ...runtime.clock import Clock
from ..errors import (
    ALREADY_AUTHENTICATED,
    AUTHENTICATION_FAILED,
    DECODE_ERROR,
    DISALLOWED_INTENTS,
    INVALID_SEQ,
    NOT_AUTHENTICATED,
    RATE_LIMITED,
    SESSION_TIMED_OUT,
    SHARDING_REQUIRED,
    UNKNOWN_OPCODE,
    Close,
    CloseCode,
    Opcode,
)
from ..model import DiscordModel, Guild
from . import frames as F
from . import intents as I
from .frames import Closed
from .replay import GatewayLimits, Missed, PausedLog, ReplayBuffer, json_size, json_text
from .requests import GuildRequests
from .session import Connection, Session, Transport, frame, send

HEARTBEAT_INTERVAL_MS = 41_250
#: Gateway events a connection may send per minute (then 4008).
SEND_LIMIT = 120
#: "Each shard can only support a maximum of 2500 guilds" (gateway.mdx, Sharding).
GUILDS_PER_SHARD = 2500
#: Close codes after which a session cannot be resumed: the client's 1000/1001, and
#: Discord's "do not reconnect" codes. 4009 is not among them although the docs say
#: "start a new one": discord.py answers it with RESUME, and a test whose virtual clock
#: runs past a heartbeat relies on that RESUME working.
_ENDS_SESSION = frozenset({
    CloseCode.NORMAL, CloseCode.GOING_AWAY, CloseCode.AUTHENTICATION_FAILED,
    CloseCode.INVALID_SHARD, CloseCode.SHARDING_REQUIRED, CloseCode.INVALID_API_VERSION,
    CloseCode.INVALID_INTENTS, CloseCode.DISALLOWED_INTENTS})
_Selected = tuple[str, dict[str, Any], str]


class GatewayHub:
    def __init__(self, model: DiscordModel, clock: Clock, rng: random.Random,
                 resume_url: Callable[[], str], limits: GatewayLimits | None = None) -> None:
        self.model = model
        self.clock = clock
        self.rng = rng
        self.resume_url = resume_url
        self.limits = limits if limits is not None else GatewayLimits()
        #: Every session, live or paused, by id.
        self.sessions: dict[str, Session] = {}
        #: Sessions with a connection: the ones a dispatch is sent to.
        self.live: dict[str, Session] = {}
        #: Sessions awaiting RESUME, the one paused longest first.
        self.paused: OrderedDict[str, Session] = OrderedDict()
        self.log = PausedLog(self.limits)
        self.connections: dict[Connection, None] = {}
        #: Close code the next IDENTIFY gets instead of READY (backend.set_error_state).
        self.refuse_identify: Close | None = None
        #: What an identified session may ask for (voice, members, soundboard, channels).
        self.requests = GuildRequests(model, clock)

    # -- connections ------------------------------------------------------------------

    def open(self, transport: Transport) -> Connection:
        conn = Connection(transport, last_heartbeat=self.clock.monotonic())
        self.connections[conn] = None
        transport.send(frame(Opcode.HELLO, {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}), "HELLO")
        self._arm(conn)
        return conn

    def _arm(self, conn: Connection) -> None:
        if conn.timer is not None:
            conn.timer.cancel()
        deadline = HEARTBEAT_INTERVAL_MS / 1000 * 1.5

        def check() -> None:
            conn.timer = None
            if self.clock.monotonic() - conn.last_heartbeat >= deadline:
                conn.transport.close(*SESSION_TIMED_OUT)
            else:
                self._arm(conn)

        conn.timer = self.clock.call_later(deadline, check)

    def closed(self, conn: Connection, code: int | None) -> None:
        """The connection is gone (``code``: the close code, ours or the client's)."""
        if conn.timer is not None:
            conn.timer.cancel()
        self.connections.pop(conn, None)
        session = conn.session
        if session is None or session.connection is not conn:
            return
        session.connection = None
        self.live.pop(session.id, None)
        if self.sessions.get(session.id) is not session:
            return  # forgotten meanwhile (reset, new token)
        if code in _ENDS_SESSION:
            self._end(session)
        else:
            self._pause(session)

    # -- session lifetimes ------------------------------------------------------------

    def _pause(self, session: Session) -> None:
        session.mark = self.log.end
        self.paused[session.id] = session
        session.expiry = self.clock.call_later(self.limits.resume_window,
                                               lambda: self._end(session))
        while len(self.paused) > self.limits.resumable_sessions:
            self._end(next(iter(self.paused.values())))

    def _unpause(self, session: Session) -> None:
        if session.expiry is not None:
            session.expiry.cancel()
            session.expiry = None
        if self.paused.pop(session.id, None) is not None:
            oldest = next(iter(self.paused.values()), None)
            self.log.forget_before(oldest.mark if oldest is not None else self.log.end)

    def _end(self, session: Session) -> None:
        """The session can no longer be resumed (its connection, if any, is detached by
        the caller)."""
        self._unpause(session)
        self.live.pop(session.id, None)
        if self.sessions.get(session.id) is session:
            del self.sessions[session.id]

    def forget(self) -> None:
        """Every session ends (a reset, a new token): RESUME gets op 9 from now on."""
        for session in list(self.sessions.values()):
            self._end(session)
        self.sessions.clear()
        self.live.clear()

    # -- frames from the client -------------------------------------------------------

    def receive(self, conn: Connection, payload: Any) -> None:
        """Handle one decoded client payload; raises :class:`Closed` to close."""
        now = self.clock.monotonic()
        while conn.window and now - conn.window[0] >= 60:
            conn.window.popleft()
        conn.window.append(now)
        if len(conn.window) > SEND_LIMIT:
            raise Closed(RATE_LIMITED)
        op = payload.get("op") if isinstance(payload, dict) else None
        if not isinstance(op, int) or isinstance(op, bool):
            raise Closed(DECODE_ERROR, "not an object with an integer op")
        data = payload.get("d")
        if op == Opcode.HEARTBEAT:
            F.heartbeat(data)
            conn.last_heartbeat = now
            conn.transport.send(frame(Opcode.HEARTBEAT_ACK, None), "HEARTBEAT_ACK")
            return
        session = conn.session
        if session is None:
            if op == Opcode.IDENTIFY:
                self.identify(conn, data)
            elif op == Opcode.RESUME:
                self.resume(conn, data)
            elif op in self.requests.handlers:
                raise Closed(NOT_AUTHENTICATED, f"op {op} before IDENTIFY")
            else:
                raise Closed(UNKNOWN_OPCODE, f"op {op}")
            return
        if op in (Opcode.IDENTIFY, Opcode.RESUME):
            raise Closed(ALREADY_AUTHENTICATED, f"op {op} on an identified connection")
        handler = self.requests.handlers.get(op)
        if handler is None:
            raise Closed(UNKNOWN_OPCODE, f"op {op}")
        handler(session, data)

    def identify(self, conn: Connection, data: Any) -> None:
        request = F.identify(data)
        if request.token.removeprefix("Bot ") != self.model.application.token:
            raise Closed(AUTHENTICATION_FAILED)
        if self.refuse_identify is not None:
            code, reason = self.refuse_identify
            self.refuse_identify = None
            raise Closed((code, reason))
        intents = F.intents(request.intents, I.KNOWN)
        for intent, flags in I.PRIVILEGED.items():
            if intents & intent and not self.model.application.flags & flags:
                raise Closed(DISALLOWED_INTENTS)
        shard = F.shard(request.shard)
        session = Session(self._session_id(), intents, shard or (0, 1),
                          ReplayBuffer(self.limits),
                          large_threshold=request.large_threshold)
        guilds = self._guilds_for(session)
        if len(guilds) > GUILDS_PER_SHARD:
            raise Closed(SHARDING_REQUIRED, f"{len(guilds)} guilds on one shard")
        self._attach(conn, session)
        conn.compress = request.compress
        ready: dict[str, Any] = {
            "v": 10, "user": {**self.model.bot.to_json(), "verified": True,
                              "mfa_enabled": False, "email": None},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.id, "resume_gateway_url": self.resume_url(),
            "session_type": "normal", "application": {
                "id": str(self.model.application.id),
                "flags": self.model.application.flags},
            "private_channels": [], "relationships": [], "presences": [],
            "user_settings": {}, "guild_join_requests": [], "geo_ordered_rtc_regions": [],
            "auth": {}, "_trace": ["wiretwin"],
        }
        if shard is not None:
            ready["shard"] = list(shard)
        send(session, "READY", ready)
        for guild in guilds:
            send(session, "GUILD_CREATE", self.guild_create(session, guild))

    def _attach(self, conn: Connection, session: Session) -> None:
        self.sessions[session.id] = session
        self.live[session.id] = session
        session.connection = conn
        conn.session = session

    def _session_id(self) -> str:
        return f"{self.rng.getrandbits(128):032x}"  # 32 hex digits, as Discord's

    def _guilds_for(self, session: Session) -> list[Guild]:
        bot = self.model.bot.id
        return [g for g in self.model.guilds.values() if bot in g.members and session.owns(g.id)]

    def guild_create(self, session: Session, guild: Guild) -> dict[str, Any]:
        data = self.model.guild_create_json(
            guild, with_members=bool(session.intents & I.GUILD_PRESENCES))
        data["large"] = len(guild.members) > session.large_threshold
        return data

    def resume(self, conn: Connection, data: Any) -> None:
        request = F.resume(data)
        if request.token.removeprefix("Bot ") != self.model.application.token:
            raise Closed(AUTHENTICATION_FAILED)
        session = self.sessions.get(request.session_id)
        if session is None or session.connection is not None:
            conn.transport.send(frame(Opcode.INVALID_SESSION, False), "INVALID_SESSION")
            return
        if not 0 <= request.seq <= session.seq:
            self._end(session)
            raise Closed(INVALID_SEQ, f"seq {request.seq}, last sent {session.seq}")
        missed = self.log.since(session.mark)
        if missed is not None:
            for entry in missed:
                chosen = entry.select(session)
                if chosen is not None:
                    session.seq += 1
                    event, data, body = chosen
                    session.replay.append(session.seq, event, data, len(body))
        if missed is None or not session.replay.can_replay(request.seq):
            self._end(session)  # more was missed than the twin keeps: identify afresh
            conn.transport.send(frame(Opcode.INVALID_SESSION, False), "INVALID_SESSION")
            return
        self._unpause(session)
        self._attach(conn, session)
        for sent_seq, event, payload in list(session.replay.after(request.seq)):
            conn.transport.send({"op": Opcode.DISPATCH.value, "t": event, "s": sent_seq,
                                 "d": payload}, event)
        send(session, "RESUMED", {"_trace": ["wiretwin"]})

    # -- dispatches ---------------------------------------------------------------------

    def _fan_out(self, select: Callable[[Session], _Selected | None], size: int) -> None:
        """Send to every live session ``select`` picks; file once for paused ones."""
        for session in list(self.live.values()):
            chosen = select(session)
            if chosen is not None:
                send(session, *chosen)
        if self.paused:
            self.log.append(Missed(select, size))

    def dispatch(self, event: str, data: dict[str, Any], *, guild_id: int | None = None,
                 user_ids: frozenset[int] | None = None) -> None:
        dm = user_ids is not None
        bot = self.model.bot.id
        if dm and bot not in (user_ids or ()):
            return
        guild = self.model.guilds.get(guild_id) if guild_id is not None else None
        if guild is not None and bot not in guild.members and event != "GUILD_DELETE":
            return  # a guild the bot is not in: Discord tells it nothing
        # What a session gets depends only on its shard, its intents, and whether it
        # has MESSAGE_CONTENT: the (at most two) bodies are made and measured once.
        bodies: dict[bool, _Selected] = {}

        def select(session: Session) -> _Selected | None:
            if not session.owns(guild_id) or not I.wanted(
                    event, session.intents, dm=dm, data=data, bot_id=bot):
                return None
            content = bool(session.intents & I.MESSAGE_CONTENT)
            if content not in bodies:
                shown = I.hide_content(event, data, session.intents, dm=dm, bot_id=bot)
                bodies[content] = (event, shown, json_text(shown))
            return bodies[content]

        self._fan_out(select, json_size(data) if self.paused else 0)

    def guild_joined(self, guild_id: int) -> None:
        guild = self.model.guilds[guild_id]
        members = len(guild.members)
        bodies: dict[bool, dict[str, Any]] = {}

        def body(with_members: bool) -> dict[str, Any]:
            if with_members not in bodies:
                data = self.model.guild_create_json(guild, with_members=with_members)
                # A join leaves "unavailable" out: discord.py and hikari tell a join
                # (on_guild_join) from a guild coming back (on_guild_available) by it.
                data.pop("unavailable", None)
                bodies[with_members] = data
            return bodies[with_members]

        def select(session: Session) -> _Selected | None:
            if not session.owns(guild_id) or not session.intents & I.GUILDS:
                return None
            data = {**body(bool(session.intents & I.GUILD_PRESENCES)),
                    "large": members > session.large_threshold}
            return "GUILD_CREATE", data, json_text(data)

        size = 0
        if self.paused:  # made now: the guild may change before a paused session resumes
            size = max(json_size(body(False)), json_size(body(True)))
        self._fan_out(select, size)

    # -- trouble on demand (test-control API) -------------------------------------------

    def request_heartbeat(self) -> int:
        """op 1 from the server: every identified connection must heartbeat at once;
        returns how many were asked."""
        asked = 0
        for conn in list(self.connections):
            if conn.session is not None:
                conn.transport.send(frame(Opcode.HEARTBEAT, None), "HEARTBEAT")
                asked += 1
        return asked

    def request_reconnect(self) -> None:
        """op 7: every connection is asked to reconnect and resume."""
        for conn in list(self.connections):
            if conn.session is not None:
                conn.transport.send(frame(Opcode.RECONNECT, None), "RECONNECT")

    def invalidate(self, resumable: bool = False) -> None:
        """op 9: sessions are invalid (``resumable``: the client may still try RESUME)."""
        for conn in list(self.connections):
            session = conn.session
            if session is None:
                continue
            conn.transport.send(frame(Opcode.INVALID_SESSION, resumable), "INVALID_SESSION")
            if not resumable:
                session.connection = None
                conn.session = None
                self._end(session)

    def close_all(self, code: int, reason: str = "") -> None:
        for conn in list(self.connections):
            conn.transport.close(code, reason)


__all__ = ["GUILDS_PER_SHARD", "HEARTBEAT_INTERVAL_MS", "GatewayHub"]

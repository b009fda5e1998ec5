"""Gateway sessions: identify, resume, heartbeats, and who gets which dispatch.

Theory of operation
-------------------
A *connection* is one websocket; a *session* is what IDENTIFY creates (its id, sequence
number, intents, shard, and the dispatches it was sent, kept for RESUME). A connection
starts unauthenticated (HELLO sent); IDENTIFY makes a session (READY, then one
GUILD_CREATE per guild of its shard); RESUME re-attaches a connection to a session it
left, replaying every dispatch after the client's ``seq`` and then RESUMED.

State table (what a connection may send, per state):

=================  =======================================================================
unauthenticated    1 heartbeat; 2 identify; 6 resume; anything else closes 4003
ready              1 heartbeat; 3 presence; 4 voice state; 8 request members;
                   2 identify closes 4005; unknown opcodes close 4001
=================  =======================================================================

A connection that stops heartbeating for 1.5 intervals (on the twin's clock) is closed
4009. A session whose connection closes with 1000/1001 is gone; any other close leaves it
resumable for ``RESUME_WINDOW`` seconds.

:meth:`GatewayHub.dispatch` fans a model event out to every live session of the right
shard whose intents want it, hiding message content where Discord hides it.
"""

from __future__ import annotations

import random
import string
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from ...runtime.clock import Clock, TimerHandle
from ..model import DiscordModel, Guild
from . import intents as I

HEARTBEAT_INTERVAL_MS = 41_250
RESUME_WINDOW = 300.0
#: Dispatches kept per session for RESUME.
REPLAY_LIMIT = 10_000
#: Gateway events a connection may send per minute (then 4008).
SEND_LIMIT = 120
#: The most members a member search (op 8 with a query or a limit) returns.
_QUERY_MAX = 100


class Transport(Protocol):
    """One websocket connection, as the hub sees it."""

    def send(self, payload: dict[str, Any], label: str) -> None: ...

    def close(self, code: int, reason: str) -> None: ...


class Closed(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"{code} {reason}")
        self.code = code
        self.reason = reason


@dataclass(eq=False)
class Session:
    id: str
    intents: int
    shard: tuple[int, int]
    seq: int = 0
    connection: Connection | None = None
    sent: deque[tuple[int, str, dict[str, Any]]] = field(
        default_factory=lambda: deque(maxlen=REPLAY_LIMIT))
    expiry: TimerHandle | None = None
    #: IDENTIFY's ``large_threshold`` (50-250, default 50): GUILD_CREATE's ``large``.
    large_threshold: int = 50

    def owns(self, guild_id: int | None) -> bool:
        shard_id, count = self.shard
        if guild_id is None:
            return shard_id == 0
        return (guild_id >> 22) % count == shard_id


@dataclass(eq=False)
class Connection:
    transport: Transport
    compress: bool = False
    session: Session | None = None
    last_heartbeat: float = 0.0
    timer: TimerHandle | None = None
    window: deque[float] = field(default_factory=deque)


class GatewayHub:
    def __init__(self, model: DiscordModel, clock: Clock, rng: random.Random,
                 resume_url: Callable[[], str]) -> None:
        self.model = model
        self.clock = clock
        self.rng = rng
        self.resume_url = resume_url
        self.sessions: dict[str, Session] = {}
        self.connections: list[Connection] = []
        #: Close code the next IDENTIFY gets instead of READY (backend.set_error_state).
        self.refuse_identify: tuple[int, str] | None = None

    # -- connections ------------------------------------------------------------------

    def open(self, transport: Transport) -> Connection:
        conn = Connection(transport, last_heartbeat=self.clock.monotonic())
        self.connections.append(conn)
        transport.send({"op": 10, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS},
                        "s": None, "t": None}, "HELLO")
        self._arm(conn)
        return conn

    def _arm(self, conn: Connection) -> None:
        if conn.timer is not None:
            conn.timer.cancel()
        deadline = HEARTBEAT_INTERVAL_MS / 1000 * 1.5

        def check() -> None:
            conn.timer = None
            if self.clock.monotonic() - conn.last_heartbeat >= deadline:
                conn.transport.close(4009, "Session timed out")
            else:
                self._arm(conn)

        conn.timer = self.clock.call_later(deadline, check)

    def closed(self, conn: Connection, code: int | None) -> None:
        """The connection is gone (``code``: the close code, ours or the client's)."""
        if conn.timer is not None:
            conn.timer.cancel()
        if conn in self.connections:
            self.connections.remove(conn)
        session = conn.session
        if session is None or session.connection is not conn:
            return
        session.connection = None
        if code in (1000, 1001, 4004, 4010, 4011, 4012, 4013, 4014):
            self.sessions.pop(session.id, None)
            return
        def expire() -> None:
            self.sessions.pop(session.id, None)

        session.expiry = self.clock.call_later(RESUME_WINDOW, expire)

    # -- frames from the client -------------------------------------------------------

    def receive(self, conn: Connection, payload: Any) -> None:
        """Handle one decoded client payload; raises :class:`Closed` to close."""
        now = self.clock.monotonic()
        while conn.window and now - conn.window[0] >= 60:
            conn.window.popleft()
        conn.window.append(now)
        if len(conn.window) > SEND_LIMIT:
            raise Closed(4008, "Rate limited.")
        if not isinstance(payload, dict) or not isinstance(payload.get("op"), int):
            raise Closed(4002, "Error while decoding payload.")
        op, data = payload["op"], payload.get("d")
        if op == 1:
            conn.last_heartbeat = now
            conn.transport.send({"op": 11, "d": None, "s": None, "t": None}, "HEARTBEAT_ACK")
            return
        if conn.session is None:
            if op == 2:
                self.identify(conn, data)
            elif op == 6:
                self.resume(conn, data)
            elif op in (3, 4, 8):
                raise Closed(4003, "Not authenticated.")
            else:
                raise Closed(4001, "Unknown opcode.")
            return
        if op in (2, 6):
            raise Closed(4005, "Already authenticated.")
        if op == 3:
            return  # presence: accepted, nobody else is watching
        if op == 4:
            self.voice_state(conn.session, data)
        elif op == 8:
            self.request_members(conn, data)
        else:
            raise Closed(4001, "Unknown opcode.")

    def identify(self, conn: Connection, data: Any) -> None:
        if not isinstance(data, dict) or not isinstance(data.get("token"), str):
            raise Closed(4002, "Error while decoding payload.")
        token = data["token"].removeprefix("Bot ")
        if token != self.model.application.token:
            raise Closed(4004, "Authentication failed.")
        if self.refuse_identify is not None:
            code, reason = self.refuse_identify
            self.refuse_identify = None
            raise Closed(code, reason)
        intents = data.get("intents")
        if not isinstance(intents, int) or intents < 0 or intents & ~I.KNOWN:
            raise Closed(4013, "Invalid intent(s).")
        for intent, flags in I.PRIVILEGED.items():
            if intents & intent and not self.model.application.flags & flags:
                raise Closed(4014, "Disallowed intent(s).")
        shard = data.get("shard") or [0, 1]
        if (not isinstance(shard, list) or len(shard) != 2
                or not all(isinstance(x, int) for x in shard)
                or not 0 <= shard[0] < shard[1]):
            raise Closed(4010, "Invalid shard.")
        session = Session(self._session_id(), intents, (shard[0], shard[1]))
        threshold = data.get("large_threshold")
        if isinstance(threshold, int):
            session.large_threshold = max(50, min(250, threshold))
        self.sessions[session.id] = session
        session.connection = conn
        conn.session = session
        conn.compress = bool(data.get("compress"))
        guilds = self._guilds_for(session)
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
        if shard != [0, 1] or data.get("shard") is not None:
            ready["shard"] = list(session.shard)
        self._send(session, "READY", ready)
        for guild in guilds:
            self._send(session, "GUILD_CREATE", self.guild_create(session, guild))

    def _session_id(self) -> str:
        return "".join(self.rng.choice(string.hexdigits.lower()[:16]) for _ in range(32))

    def _guilds_for(self, session: Session) -> list[Guild]:
        bot = self.model.bot.id
        return [g for g in self.model.guilds.values() if bot in g.members and session.owns(g.id)]

    def guild_create(self, session: Session, guild: Guild) -> dict[str, Any]:
        data = self.model.guild_create_json(
            guild, with_members=bool(session.intents & I.GUILD_PRESENCES))
        data["large"] = len(guild.members) > session.large_threshold
        return data

    def resume(self, conn: Connection, data: Any) -> None:
        if not isinstance(data, dict):
            raise Closed(4002, "Error while decoding payload.")
        if str(data.get("token", "")).removeprefix("Bot ") != self.model.application.token:
            raise Closed(4004, "Authentication failed.")
        session = self.sessions.get(str(data.get("session_id")))
        if session is None or session.connection is not None:
            conn.transport.send({"op": 9, "d": False, "s": None, "t": None}, "INVALID_SESSION")
            return
        seq = data.get("seq")
        if not isinstance(seq, int) or seq > session.seq or (
                session.sent and seq < session.sent[0][0] - 1):
            raise Closed(4007, "Invalid seq.")
        if session.expiry is not None:
            session.expiry.cancel()
            session.expiry = None
        session.connection = conn
        conn.session = session
        for sent_seq, event, payload in list(session.sent):
            if sent_seq > seq:
                conn.transport.send({"op": 0, "t": event, "s": sent_seq, "d": payload}, event)
        self._send(session, "RESUMED", {"_trace": ["wiretwin"]})

    def voice_state(self, session: Session, data: Any) -> None:
        if not isinstance(data, dict) or "guild_id" not in data:
            raise Closed(4002, "Error while decoding payload.")
        guild = self.model.guilds.get(int(data["guild_id"]))
        if guild is None or self.model.bot.id not in guild.members:
            return
        channel = data.get("channel_id")
        self.model.set_voice(guild, self.model.bot.id, int(channel) if channel else None)

    def request_members(self, conn: Connection, data: Any) -> None:
        session = conn.session
        assert session is not None
        if not isinstance(data, dict) or "guild_id" not in data:
            raise Closed(4002, "Error while decoding payload.")
        guild_ids = data["guild_id"] if isinstance(data["guild_id"], list) else [
            data["guild_id"]]
        for raw in guild_ids:
            guild = self.model.guilds.get(int(raw))
            if guild is None:
                continue
            members = list(guild.members)
            user_ids = data.get("user_ids")
            not_found: list[str] = []
            if user_ids is not None:
                wanted = [int(u) for u in (user_ids if isinstance(user_ids, list)
                                           else [user_ids])]
                not_found = [str(u) for u in wanted if u not in guild.members]
                members = [u for u in wanted if u in guild.members]
            else:
                query = str(data.get("query", "")).lower()
                members = [u for u in members
                           if self.model.users[u].username.lower().startswith(query)]
                # limit 0 with an empty query is the whole list; anything else is a
                # search, which Discord answers with at most 100 members.
                limit = int(data.get("limit") or 0)
                if limit or query:
                    members = members[:min(limit or _QUERY_MAX, _QUERY_MAX)]
            chunks = [members[i:i + 1000] for i in range(0, len(members), 1000)] or [[]]
            for index, chunk in enumerate(chunks):
                payload: dict[str, Any] = {
                    "guild_id": str(guild.id), "chunk_index": index,
                    "chunk_count": len(chunks),
                    "members": [self.model.member_json(guild, u) for u in chunk]}
                if not_found and index == len(chunks) - 1:
                    payload["not_found"] = not_found
                if data.get("presences") and session.intents & I.GUILD_PRESENCES:
                    payload["presences"] = []  # without the intent: "always false"
                if data.get("nonce") is not None:
                    payload["nonce"] = data["nonce"]
                self._send(session, "GUILD_MEMBERS_CHUNK", payload)

    # -- dispatches ---------------------------------------------------------------------

    def _send(self, session: Session, event: str, data: dict[str, Any]) -> None:
        session.seq += 1
        session.sent.append((session.seq, event, data))
        if session.connection is not None:
            session.connection.transport.send(
                {"op": 0, "t": event, "s": session.seq, "d": data}, event)

    def dispatch(self, event: str, data: dict[str, Any], *, guild_id: int | None = None,
                 user_ids: frozenset[int] | None = None) -> None:
        dm = user_ids is not None
        bot = self.model.bot.id
        if dm and bot not in (user_ids or ()):
            return
        guild = self.model.guilds.get(guild_id) if guild_id is not None else None
        if guild is not None and bot not in guild.members and event != "GUILD_DELETE":
            return  # a guild the bot is not in: Discord tells it nothing
        for session in list(self.sessions.values()):
            if not session.owns(guild_id):
                continue
            if not I.wanted(event, session.intents, dm=dm, data=data, bot_id=bot):
                continue
            self._send(session, event,
                       I.hide_content(event, data, session.intents, dm=dm, bot_id=bot))

    def guild_joined(self, guild_id: int) -> None:
        guild = self.model.guilds[guild_id]
        for session in list(self.sessions.values()):
            if session.owns(guild_id) and session.intents & I.GUILDS:
                data = self.guild_create(session, guild)
                # A join leaves "unavailable" out: discord.py and hikari tell a join
                # (on_guild_join) from a guild coming back (on_guild_available) by it.
                data.pop("unavailable", None)
                self._send(session, "GUILD_CREATE", data)

    # -- trouble on demand (test-control API) -------------------------------------------

    def request_heartbeat(self) -> int:
        """op 1 from the server: every identified connection must heartbeat at once;
        returns how many were asked."""
        asked = 0
        for conn in list(self.connections):
            if conn.session is not None:
                conn.transport.send({"op": 1, "d": None, "s": None, "t": None}, "HEARTBEAT")
                asked += 1
        return asked

    def request_reconnect(self) -> None:
        """op 7: every connection is asked to reconnect and resume."""
        for conn in list(self.connections):
            if conn.session is not None:
                conn.transport.send({"op": 7, "d": None, "s": None, "t": None}, "RECONNECT")

    def invalidate(self, resumable: bool = False) -> None:
        """op 9: sessions are invalid (``resumable``: the client may still try RESUME)."""
        for conn in list(self.connections):
            session = conn.session
            if session is None:
                continue
            conn.transport.send({"op": 9, "d": resumable, "s": None, "t": None},
                                "INVALID_SESSION")
            if not resumable:
                self.sessions.pop(session.id, None)
                conn.session = None

    def close_all(self, code: int, reason: str = "") -> None:
        for conn in list(self.connections):
            conn.transport.close(code, reason)


__all__ = ["HEARTBEAT_INTERVAL_MS", "Closed", "Connection", "GatewayHub", "Session",
           "Transport"]

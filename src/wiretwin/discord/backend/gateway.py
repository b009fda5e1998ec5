"""Reaching into the bot's gateway: raw dispatches, dropped connections, op 7 and op 9,
forced READY or RESUMED, and waiting for dispatches."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from ...runtime.faults import RefuseHandshake, Scope
from ...runtime.journal import Entry
from ..coerce import (
    REFUSE_FAULT,
    BackendError,
    id_of,
)
from ..errors import UNKNOWN_ERROR
from .driver import Driver
from .events import dispatch_names


class GatewayControl(Driver):
    # -- the gateway --------------------------------------------------------------------

    async def dispatch_event(self, name: str, data: dict[str, Any], *,
                             guild: Any = None) -> None:
        """Any dispatch, as given, to the bot's sessions (those of ``guild``'s shard; the
        bot's intents still decide who gets a known event)."""
        guild_id = None if guild is None else id_of(guild, "guild")
        await self._run(lambda: self.twin.hub.dispatch(name, data, guild_id=guild_id))

    async def disconnect(self, code: int = UNKNOWN_ERROR[0], reason: str = UNKNOWN_ERROR[1], *,
                         refuse: bool = False) -> None:
        """Close the bot's gateway connections with ``code`` (4000: the bot resumes; 1000
        ends its sessions). With ``refuse``, gateway handshakes are refused (503) until
        :meth:`connect`."""

        def apply() -> None:
            self._disconnect_mark = self._last_seq()
            if refuse:
                self.twin.faults.remove(REFUSE_FAULT)
                self.twin.faults.add(RefuseHandshake(name=REFUSE_FAULT, status=503,
                                                     scope=Scope(route="/")))
            self.twin.hub.close_all(code, reason)

        await self._run(apply)

    async def connect(self, timeout: float = 10.0) -> str:
        """Let the bot back in (after ``disconnect(refuse=True)``) and wait until it has a
        session again (READY or RESUMED since the last disconnect); returns its id."""
        self.twin.faults.remove(REFUSE_FAULT)
        entry = await self._wait_out(("READY", "RESUMED"), self._disconnect_mark, timeout)
        return await self._session_of(entry)

    async def _wait_out(self, events: tuple[str, ...], since: int, timeout: float) -> Entry:
        """The first of ``events`` sent after journal entry ``since``, once the bot has read
        it (and whatever came with it: a READY's GUILD_CREATEs)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        try:
            (entry,) = await self.twin.journal.wait_for(
                lambda e: e.kind == "frame" and e.direction == "out" and e.event in events
                and e.seq > since, timeout=timeout)
        except TimeoutError as exc:
            raise BackendError(f"the bot did not get {' or '.join(events)} within "
                               f"{timeout:g}s\n{exc}") from None
        await self._sync_gateway({}, deadline)
        return entry

    async def _session_of(self, entry: Entry) -> str:
        payload = entry.json or {}
        if entry.event == "READY":
            return str(payload.get("d", {}).get("session_id"))

        def find() -> str:
            for session in self.twin.hub.sessions.values():
                conn = session.connection
                sock = getattr(conn.transport, "sock", None) if conn else None
                if sock is not None and sock.id == entry.connection:
                    return session.id
            return ""

        return await self._run(find, changes=False)

    async def request_heartbeat(self, *, wait: bool = True, timeout: float = 10.0) -> int:
        """Gateway op 1 from the server: the bot must heartbeat now; with ``wait``, returns
        once every asked connection has (how many were asked)."""
        entries = list(self.twin.journal)
        mark = entries[-1].seq if entries else 0
        asked = await self._run(self.twin.hub.request_heartbeat)
        if wait and asked:
            await self.twin.journal.wait_for(
                lambda e: e.kind == "frame" and e.direction == "in" and e.event == "HEARTBEAT"
                and e.seq > mark, count=asked, timeout=timeout)
        return asked

    async def request_reconnect(self, *, wait: bool = True, timeout: float = 10.0) -> str:
        """Gateway op 7: the bot reconnects and resumes; with ``wait``, returns once it has
        (RESUMED) with the session id."""
        mark = await self._run(self._last_seq, changes=False)
        await self._run(self.twin.hub.request_reconnect)
        if not wait:
            return ""
        return await self._session_of(await self._wait_out(("RESUMED",), mark, timeout))

    async def invalidate_session(self, resumable: bool = False, *, wait: bool = True,
                                 timeout: float = 10.0) -> str:
        """Gateway op 9: the bot's sessions are invalid (``resumable``: it may RESUME);
        with ``wait``, returns once it has a new one (READY) or resumed."""
        mark = await self._run(self._last_seq, changes=False)
        await self._run(lambda: self.twin.hub.invalidate(resumable))
        if not wait:
            return ""
        events = ("RESUMED", "READY") if resumable else ("READY",)
        return await self._session_of(await self._wait_out(events, mark, timeout))

    async def dispatch_ready(self, timeout: float = 10.0) -> str:
        """What READY means on a real gateway: a fresh session. The bot's session is
        invalidated (op 9), it identifies again and gets READY and its guilds; returns the
        new session id."""
        return await self.invalidate_session(False, timeout=timeout)

    async def dispatch_resumed(self, timeout: float = 10.0) -> str:
        """What RESUMED means: the bot is asked to reconnect (op 7), resumes its session
        and gets RESUMED; returns the session id."""
        return await self.request_reconnect(timeout=timeout)

    async def wait_for_event(self, name: str, timeout: float = 5.0, *,
                             match: Callable[[dict[str, Any]], bool] | None = None
                             ) -> dict[str, Any]:
        """The next ``name`` dispatch the twin sent the bot (its ``d``): each call returns
        the one after what the last call for ``name`` returned, so an event sent before
        the call is not missed. ``name``: a dispatch (``MESSAGE_CREATE``) or discord.py's
        name for the event (``"message"``, ``"member_join"``)."""
        since = self._event_cursor.get(name, 0)
        names = dispatch_names(name)

        def wanted(entry: Entry) -> bool:
            if entry.kind != "frame" or entry.direction != "out" or entry.event not in names \
                    or entry.seq <= since:
                return False
            data = (entry.json or {}).get("d")
            return match is None or (isinstance(data, dict) and match(data))

        try:
            (entry,) = await self.twin.journal.wait_for(wanted, timeout=timeout)
        except TimeoutError as exc:
            raise BackendError(f"no {name} dispatch within {timeout:g}s\n{exc}") from None
        self._event_cursor[name] = entry.seq
        data = (entry.json or {}).get("d")
        return data if isinstance(data, dict) else {}

"""Websockets without a socket: a client in the twin's own process and event loop.

A :class:`MemorySocket` is one websocket connection whose client end is a pair of
callbacks instead of a TCP peer (a test tool that wants a client library's cache filled
*during* the model operation that made an event, with no loop turn in between). It keeps
what :class:`~wiretwin.runtime.wire.WireSocket` keeps, through the same
:class:`~wiretwin.runtime.layer.WireLayer`, so transcripts and verification read it
unchanged:

* the journal gets the same entries: a ``connection`` ``open`` (``peer``: ``in-process``,
  no headers), every text frame ``in`` and ``out`` with its event label, the twin's close
  frame as an ``out`` ``ws:close`` frame, and a ``connection`` ``close`` naming who
  closed and the code;
* frame faults apply as on a socket: drop, disconnect (a close with the fault's code; a
  reset closes without a close frame, the client sees 1006) and delay (the frame waits
  on the twin's clock, holding back the frames behind it, as TCP would). A fault's
  in-band goodbye (Pusher's ``pusher:error``) is not sent: the twins that use a memory
  socket (Discord's gateway) have none.

Theory of operation
-------------------
Out (twin to client): :meth:`MemorySocket.send` journals the frame and hands it to
``deliver(text, event)`` at once, synchronously, with one exception: a frame the twin
sends *while it handles a frame from this client* (a reply: HEARTBEAT_ACK, READY, member
chunks) waits until that handling is over, then goes :data:`REPLY_TURNS` loop turns
later, or at once when the client calls :meth:`flush`. On a socket a reply never
overtakes its request, and takes a few loop turns to come back; client libraries
register what awaits a reply after their send returns, sometimes in a task of its own
(discord.py's ``query_members`` waits in ``asyncio.wait_for``, whose task first runs a
turn later).

In (client to twin): :meth:`MemorySocket.receive` journals the frame, applies faults and
runs the twin's handler under the same guard as a socket's (a twin bug is logged,
journaled and answered with the service's internal-error close).

Closing: :meth:`close` is the twin's (its close frame, then the client's
``on_client_close``); :meth:`client_close` is the client's. Either way the connection ends
at once (there is no handshake to wait for) and ``on_closed`` tells the twin's adapter.
"""

from __future__ import annotations

import asyncio
import struct
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from .clock import Clock, TimerHandle
from .faults import Disconnect
from .frames import Opcode
from .layer import WireLayer

T = TypeVar("T")

#: What a client sees when the connection ends without a close frame (RFC 6455 7.1.5).
ABNORMAL_CLOSURE = 1006
#: Loop turns between the end of a client's send and the twin's replies to it: what a
#: round trip through a socket in the same loop takes at least (write; the server reads
#: and answers; the client reads).
REPLY_TURNS = 3

Deliver = Callable[[str, "str | None"], None]
#: The due time of a frame held only until the next flush (a reply).
_AT_FLUSH = float("-inf")


@dataclass(slots=True)
class _Held:
    due: float  # clock time it may go (_AT_FLUSH: at the next flush)
    run: Callable[[], None]


class _Lane:
    """Frames held back, in order: by a delay fault (until due on the clock) or, going
    out, while the twin handles a client frame (until flushed)."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.items: deque[_Held] = deque()
        self.timer: TimerHandle | None = None

    def hold(self, delay: float, run: Callable[[], None]) -> None:
        due = self.clock.monotonic() + delay if delay > 0 else _AT_FLUSH
        if self.items:
            due = max(due, self.items[-1].due)
        self.items.append(_Held(due, run))
        self.arm()

    def arm(self) -> None:
        """A timer for the first item held by a delay (flushes run the others)."""
        if self.timer is not None or not self.items or self.items[0].due == _AT_FLUSH:
            return
        self.timer = self.clock.call_later(self.items[0].due - self.clock.monotonic(),
                                           self.due)

    def due(self) -> None:
        self.timer = None
        self.flush()

    def flush(self) -> None:
        now = self.clock.monotonic()
        while self.items and self.items[0].due <= now:
            self.items.popleft().run()
        self.arm()

    def ready(self) -> bool:
        """Something is held only until the next flush."""
        return bool(self.items) and self.items[0].due == _AT_FLUSH

    def cancel(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        self.items.clear()


class MemorySocket:
    """A twin's websocket connection to a client in the same process and loop."""

    def __init__(self, layer: WireLayer, deliver: Deliver, *, route: str = "/",
                 query: Mapping[str, str] | None = None, peer: str = "in-process") -> None:
        self.layer = layer
        self.id = layer.new_connection_id()
        self.route = route
        self.peer = peer
        self._deliver = deliver
        #: The client is told the twin closed (code, reason): 1006 for a reset.
        self.on_client_close: Callable[[int, str], None] | None = None
        #: The twin's adapter is told the connection ended (the close code, whoever sent
        #: it; None for a reset).
        self.on_closed: Callable[[int | None], None] | None = None
        self._out = _Lane(layer.clock)
        self._in = _Lane(layer.clock)
        self._handling = 0
        self._soon: asyncio.Handle | None = None
        self._faulted = False
        self.closed = False
        #: The code of the close, whoever sent it (None: reset, or still open).
        self.close_code: int | None = None
        layer.journal.record_connection(self.id, "open", path=route, query=dict(query or {}),
                                        peer=peer, headers={})

    # -- out: twin to client ----------------------------------------------------------

    def send(self, text: str, *, event: str | None = None) -> bool:
        """Send a text frame to the client (``event``: the service's name for it, for
        the journal and fault scopes); False if it was not sent (closed, dropped)."""
        if self.closed:
            return False
        delay = self._fault("out", event)
        if delay is None:
            return False
        if delay > 0 or self._out.items or self._handling:
            self._out.hold(delay, lambda: self._write(text, event))
        else:
            self._write(text, event)
        return True

    def _write(self, text: str, event: str | None) -> None:
        if self.closed:
            return
        self.layer.journal.record_frame(self.id, "out", text, event=event,
                                        opcode=Opcode.TEXT)
        self._deliver(text, event)

    def flush(self) -> None:
        """Deliver the replies held until now (and delayed frames that are due)."""
        if self._soon is not None:
            self._soon.cancel()
            self._soon = None
        self._out.flush()

    # -- in: client to twin -----------------------------------------------------------

    def receive(self, text: str, handler: Callable[[str], None], *,
                event: str | None = None) -> bool:
        """A text frame from the client: journaled, faulted, then ``handler(text)`` (the
        twin's) unless the frame is lost; False if the twin ignores it."""
        if self.closed:
            return False
        self.layer.journal.record_frame(self.id, "in", text, event=event, opcode=Opcode.TEXT)
        delay = self._fault("in", event)
        if delay is None:
            return False
        if delay > 0 or self._in.items:
            self._in.hold(delay, lambda: self._handle(handler, text))
        else:
            self._handle(handler, text)
        return True

    def _handle(self, handler: Callable[[str], None], text: str) -> None:
        if self.closed:
            return
        self._handling += 1
        try:
            self.guarded(handler, text)
        finally:
            self._handling -= 1
        if not self._handling and self._out.ready() and self._soon is None:
            self._flush_later()

    def _flush_later(self, turns: int = REPLY_TURNS) -> None:
        if turns > 1:
            self._soon = asyncio.get_running_loop().call_soon(self._flush_later, turns - 1)
        else:
            self._soon = asyncio.get_running_loop().call_soon(self.flush)

    def guarded(self, fn: Callable[..., T], *args: Any) -> T | None:
        """Run one of the twin's handlers for this connection, as
        :meth:`WireSocket.guarded <wiretwin.runtime.wire.WireSocket.guarded>` does."""
        try:
            return fn(*args)
        except Exception as exc:
            self.layer.internal_error(exc, f"in-process websocket {self.route} ({self.id})")
            self.close(*self.layer.internal_close)
            return None

    # -- closing ----------------------------------------------------------------------

    def close(self, code: int = 1000, reason: str = "") -> None:
        """The twin closes (after the frames it holds back): its close frame, then the
        client is told."""
        if self.closed:
            return
        if self._out.items:
            self._out.hold(0.0, lambda: self._close_now(code, reason))
            if not self._handling and self._soon is None:
                self._flush_later()
            return
        self._close_now(code, reason)

    def _close_now(self, code: int, reason: str) -> None:
        if self.closed:
            return
        self.layer.journal.record_frame(self.id, "out", struct.pack("!H", code) + reason.encode(),
                                        event="ws:close", opcode=Opcode.CLOSE)
        self._end("twin", code)
        if self.on_client_close is not None:
            self.on_client_close(code, reason)

    def client_close(self, code: int = 1000) -> None:
        """The client closes with ``code``."""
        if not self.closed:
            self._end("client", code)

    def abort(self) -> None:
        """End without a close frame (what a crash or a reset looks like): 1006."""
        if self.closed:
            return
        self._end("twin", None)
        if self.on_client_close is not None:
            self.on_client_close(ABNORMAL_CLOSURE, "")

    def _fault(self, direction: Literal["in", "out"], event: str | None) -> float | None:
        """A frame's delay under the faults, or None if they lose it."""
        if not self.layer.faults.active or self._faulted:
            return 0.0
        return self.layer.frame_delay(connection=self.id, route=self.route,
                                      direction=direction, event=event,
                                      disconnect=self._fault_disconnect)

    def _fault_disconnect(self, fault: Disconnect) -> None:
        self._faulted = True  # the goodbye is not subject to faults itself
        if fault.reset:
            self.abort()
        else:
            self.close(fault.code, fault.reason)

    def _end(self, initiator: str, code: int | None) -> None:
        self.closed = True
        self.close_code = code
        self._out.cancel()
        self._in.cancel()
        if self._soon is not None:
            self._soon.cancel()
            self._soon = None
        # An in-process peer answers a close frame with the same code, at once.
        self.layer.journal.record_connection(self.id, "close", initiator=initiator,
                                             code=code, peer_code=code)
        if self.on_closed is not None:
            self.on_closed(code)


__all__ = ["ABNORMAL_CLOSURE", "REPLY_TURNS", "MemorySocket"]

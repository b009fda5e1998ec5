"""The real Pysher 1.0.8 client (protocol 6, websocket-client in its own thread) against a twin.

How these tests synchronise: Pysher calls back from its own thread, and every callback
appends to a :class:`WaitableLog` the test waits on (event-driven, with a timeout); the
twin's side is read with its recorder's ``wait_for_*_sync``. Nothing sleeps.

Pysher facts these tests lean on (read from its installed source):

* Callbacks bound to ``pusher.connection`` get ``data`` as parsed from the frame; channel
  callbacks get the raw ``data`` string. Presence events keep their
  ``pusher_internal:`` names.
* ``Pusher.subscribe`` sends the frame *before* it creates the ``Channel`` object, so a
  subscription made from another thread can lose its own ``subscription_succeeded``.
  Subscriptions are therefore made inside the ``pusher:connection_established`` callback,
  in Pysher's thread, where no frame can be handled in between.
* On reconnect (``auto_sub=True``) Pysher resubscribes every channel with the auth it
  stored on the ``Channel``, which it never stores: private and presence channels come
  back unauthenticated and get a ``pusher:error``. An application has to subscribe them
  again itself, which is what :class:`PysherDriver` does when asked.
* An in-band ``pusher:error`` 42xx makes it reconnect at once and 40xx makes it give up.
  With websocket-client 1.9 a close frame *also* reaches Pysher's ``on_error``, so a close
  without an in-band error (whatever its code) makes it reconnect after
  ``reconnect_interval``.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pusher
import pytest

from wiretwin.pusher import App, CloseCode, PusherTwin
from wiretwin.runtime.clock import VirtualClock
from wiretwin.runtime.waiters import WaitableLog

from .pysher_driver import NEVER, TIMEOUT, PysherFactory


def _sdk(twin: PusherTwin) -> Any:
    return pusher.Pusher(**twin.settings()["pusher"])


# -- connecting, ping/pong ------------------------------------------------------------


def test_connection_established_reaches_pysher(
    pusher_twin: PusherTwin, pysher_client: PysherFactory
) -> None:
    driver = pysher_client()
    socket_id = driver.start()

    (established,) = driver.wait("pusher:connection_established")
    assert isinstance(established.data, str), "connection_established data is double-encoded"
    assert json.loads(established.data) == {"socket_id": socket_id, "activity_timeout": 120}
    assert driver.connection.socket_id == socket_id
    assert driver.connection.state == "connected"
    assert pusher_twin.socket_ids() == [socket_id]


def test_pysher_ping_on_open_gets_a_pong(
    pusher_twin: PusherTwin, pysher_client: PysherFactory
) -> None:
    driver = pysher_client()
    socket_id = driver.start()

    (pong,) = driver.wait("pusher:pong")
    assert pong.data == "{}"
    pusher_twin.recorder.wait_for_delivery_sync(socket_id, event="pusher:pong")
    assert driver.connection.pong_received
    # Pysher's ping (``"data": ""``) was accepted, not answered with an error.
    assert pusher_twin.recorder.delivered(socket_id, event="pusher:error") == []


def test_pysher_answers_the_twins_pings(pysher_client: PysherFactory) -> None:
    """After activity_timeout of silence the twin pings; Pysher's pong keeps it open.

    On a virtual clock: each advance past the activity timeout sends a ping and waits for
    the pong it is owed before time moves on, so a second ping on the *same* socket proves
    the first was answered (unanswered, the pong deadline would have closed it with 4201).
    """
    clock = VirtualClock()
    with PusherTwin(clock=clock) as twin:
        driver = pysher_client(twin, reconnect_interval=NEVER)
        socket_id = driver.start()
        # Pysher pings as it opens; once the twin has answered, that ping cannot land
        # after the clock moved (resetting the twin's activity timer past the advance).
        twin.recorder.wait_for_delivery_sync(socket_id, event="pusher:pong")
        for _ in range(2):
            clock.advance_sync(120)
            twin.recorder.wait_for_delivery_sync(socket_id, event="pusher:ping")
        clock.advance_sync(30)  # past a pong deadline: answered, so nothing happens
        pings = driver.wait("pusher:ping", count=2, timeout=TIMEOUT)
        assert [p.data for p in pings] == ["{}", "{}"]
        assert driver.closes.snapshot() == []
        assert len(driver.socket_ids) == 1
        assert twin.socket_ids() == [socket_id]
        driver.stop()


# -- channels and events --------------------------------------------------------------


def test_public_channel_receives_twin_and_sdk_events_as_raw_strings(
    pusher_twin: PusherTwin, pysher_client: PysherFactory
) -> None:
    driver = pysher_client().plan("news", "headline", "plain")
    socket_id = driver.start()
    (ok,) = driver.wait("pusher_internal:subscription_succeeded", channel="news")
    assert ok.data == "{}"
    assert pusher_twin.subscriptions(socket_id) == {"news"}

    pusher_twin.trigger("news", "headline", {"title": "Twin", "n": 1})
    (from_twin,) = driver.wait("headline", channel="news")
    assert from_twin.data == '{"title":"Twin","n":1}'

    _sdk(pusher_twin).trigger("news", "headline", {"title": "SDK", "n": 2})
    _, from_sdk = driver.wait("headline", channel="news", count=2)
    assert isinstance(from_sdk.data, str)
    assert json.loads(from_sdk.data) == {"title": "SDK", "n": 2}
    # Passed through byte for byte: what the SDK POSTed is what Pysher got.
    (posted,) = pusher_twin.recorder.wait_for_event_sync("news", "headline", count=2)[1:]
    assert posted.source == "events"
    assert from_sdk.data == posted.data

    pusher_twin.trigger("news", "plain", "not json at all")
    (plain,) = driver.wait("plain", channel="news")
    assert plain.data == "not json at all"


def test_private_channel_signed_locally_with_the_secret(
    pusher_twin: PusherTwin, pysher_client: PysherFactory
) -> None:
    driver = pysher_client().plan("private-orders", "created")
    socket_id = driver.start()
    driver.wait("pusher_internal:subscription_succeeded", channel="private-orders")
    assert pusher_twin.subscriptions(socket_id) == {"private-orders"}

    _sdk(pusher_twin).trigger("private-orders", "created", {"id": 7})
    (created,) = driver.wait("created", channel="private-orders")
    assert json.loads(created.data) == {"id": 7}
    assert driver.seen_events("pusher:error") == []


def test_private_channel_with_a_wrong_secret_gets_pysher_compatible_error(
    pusher_twin: PusherTwin, pysher_client: PysherFactory
) -> None:
    """A bad signature is a ``pusher:error`` with ``code: null``: Pysher stays connected."""
    driver = pysher_client(secret="not-the-secret").plan("private-orders").plan("news", "ev")
    socket_id = driver.start()

    (error,) = driver.wait("pusher:error")
    assert error.data["code"] is None
    assert error.data["message"].startswith(
        f"Invalid signature: Expected HMAC SHA256 hex digest of {socket_id}:private-orders")
    driver.wait("pusher_internal:subscription_succeeded", channel="news")
    assert pusher_twin.subscriptions(socket_id) == {"news"}
    pusher_twin.trigger("news", "ev", {"still": "connected"})
    driver.wait("ev", channel="news")
    assert driver.connection.is_alive()
    assert len(driver.socket_ids) == 1
    assert driver.seen_events("pusher_internal:subscription_succeeded",
                              "private-orders") == []


@dataclass
class AuthEndpoint:
    """An app's channel-auth endpoint, signing with the real ``pusher`` SDK."""

    sdk: Any
    requests: WaitableLog[dict[str, list[str]]] = field(default_factory=WaitableLog)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/pusher/auth"


@pytest.fixture
def auth_endpoint(pusher_twin: PusherTwin) -> Iterator[AuthEndpoint]:
    endpoint = AuthEndpoint(_sdk(pusher_twin))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            form = parse_qs(self.rfile.read(length).decode())
            endpoint.requests.append(form)
            auth = endpoint.sdk.authenticate(channel=form["channel_name"][0],
                                             socket_id=form["socket_id"][0])
            body = json.dumps(auth).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    endpoint.server = server
    thread = threading.Thread(target=server.serve_forever, args=(0.01,),
                              name="auth-endpoint", daemon=True)
    thread.start()
    try:
        yield endpoint
    finally:
        server.shutdown()
        server.server_close()
        thread.join(TIMEOUT)


def test_private_channel_signed_by_an_auth_endpoint_using_the_pusher_sdk(
    pusher_twin: PusherTwin, pysher_client: PysherFactory, auth_endpoint: AuthEndpoint
) -> None:
    driver = pysher_client(secret="", auth_endpoint=auth_endpoint.url).plan(
        "private-inbox", "message")
    socket_id = driver.start()

    (form,) = auth_endpoint.requests.wait_for_sync(lambda f: True)
    assert form == {"channel_name": ["private-inbox"], "socket_id": [socket_id]}
    driver.wait("pusher_internal:subscription_succeeded", channel="private-inbox")
    assert pusher_twin.subscriptions(socket_id) == {"private-inbox"}

    pusher_twin.trigger("private-inbox", "message", {"text": "hi"})
    (message,) = driver.wait("message", channel="private-inbox")
    assert message.data == '{"text":"hi"}'


def test_client_events_between_pysher_and_a_twin_client(
    pusher_twin: PusherTwin, pysher_client: PysherFactory
) -> None:
    driver = pysher_client().plan("private-chat", "client-typing")
    socket_id = driver.start()
    driver.wait("pusher_internal:subscription_succeeded", channel="private-chat")

    with asyncio.Runner() as runner:
        other = runner.run(pusher_twin.connect())
        runner.run(other.subscribe("private-chat"))
        # Pysher -> twin client: Pysher sends data as an object; it is relayed as a string.
        driver.pusher.channel("private-chat").trigger("client-typing", {"who": "pysher"})
        relayed = runner.run(other.receive("client-typing", channel="private-chat"))
        assert relayed.data == {"who": "pysher"}
        recorded = pusher_twin.recorder.client_events.wait_for_sync(lambda e: True)[0]
        assert (recorded.socket_id, recorded.event, recorded.decoded) == (
            socket_id, "client-typing", {"who": "pysher"})
        # twin client -> Pysher (the sender never gets its own client event).
        runner.run(other.trigger("private-chat", "client-typing", {"who": "twin"}))
        (typing,) = driver.wait("client-typing", channel="private-chat")
        assert typing.data == '{"who":"twin"}'
        assert [m.data for m in other.received("client-typing")] == [{"who": "pysher"}]
        runner.run(other.close())


# -- presence -------------------------------------------------------------------------

PRESENCE_EVENTS = ("pusher_internal:member_added", "pusher_internal:member_removed")


def test_presence_roster_and_member_events_from_a_twin_client(
    pusher_twin: PusherTwin, pysher_client: PysherFactory
) -> None:
    me = {"user_id": "pysher-1", "user_info": {"name": "Py"}}
    driver = pysher_client(user_data=me).plan("presence-lobby", *PRESENCE_EVENTS)
    driver.start()

    (ok,) = driver.wait("pusher_internal:subscription_succeeded", channel="presence-lobby")
    assert json.loads(ok.data) == {"presence": {
        "ids": ["pysher-1"], "hash": {"pysher-1": {"name": "Py"}}, "count": 1}}
    assert pusher_twin.members("presence-lobby") == {"pysher-1": {"name": "Py"}}

    with asyncio.Runner() as runner:
        other = runner.run(pusher_twin.connect())
        joined = runner.run(other.subscribe("presence-lobby", user_id="twin-2",
                                            user_info={"name": "Twin"}))
        assert joined is not None
        assert joined.data["presence"]["hash"] == {"pysher-1": {"name": "Py"},
                                                   "twin-2": {"name": "Twin"}}
        (added,) = driver.wait("pusher_internal:member_added", channel="presence-lobby")
        assert isinstance(added.data, str)
        assert json.loads(added.data) == {"user_id": "twin-2", "user_info": {"name": "Twin"}}

        runner.run(other.close())
    (removed,) = driver.wait("pusher_internal:member_removed", channel="presence-lobby")
    assert json.loads(removed.data) == {"user_id": "twin-2"}
    assert pusher_twin.members("presence-lobby") == {"pysher-1": {"name": "Py"}}


def test_presence_member_events_for_socketless_members(
    pusher_twin: PusherTwin, pysher_client: PysherFactory
) -> None:
    driver = pysher_client(user_data={"user_id": 10}).plan("presence-room", *PRESENCE_EVENTS)
    driver.start()
    (ok,) = driver.wait("pusher_internal:subscription_succeeded", channel="presence-room")
    # A numeric user_id (as in Pusher's own signing example) is keyed as a string.
    assert json.loads(ok.data)["presence"] == {"ids": ["10"], "hash": {"10": None},
                                               "count": 1}

    assert pusher_twin.add_member("presence-room", "ghost", {"name": "G"}) is True
    (added,) = driver.wait("pusher_internal:member_added", channel="presence-room")
    assert json.loads(added.data) == {"user_id": "ghost", "user_info": {"name": "G"}}

    assert pusher_twin.remove_member("presence-room", "ghost") is True
    (removed,) = driver.wait("pusher_internal:member_removed", channel="presence-room")
    assert json.loads(removed.data) == {"user_id": "ghost"}
    assert set(pusher_twin.members("presence-room")) == {"10"}


# -- reconnecting ---------------------------------------------------------------------


@pytest.mark.parametrize("code", [CloseCode.GENERIC_RECONNECT, CloseCode.PONG_NOT_RECEIVED,
                                  CloseCode.CLOSED_AFTER_INACTIVITY])
def test_42xx_with_an_in_band_error_reconnects_at_once_and_resubscribes(
    pusher_twin: PusherTwin, pysher_client: PysherFactory, code: int
) -> None:
    # reconnect_interval=NEVER: only the in-band error's immediate reconnect can pass.
    driver = pysher_client(reconnect_interval=NEVER).plan("news", "after")
    driver.plan("private-orders", "after", resubscribe=True)
    first = driver.start()
    pusher_twin.recorder.wait_for_delivery_sync(
        first, event="pusher_internal:subscription_succeeded", count=2)

    pusher_twin.disconnect(first, code, "Please reconnect", error_first=True)

    (error,) = driver.wait("pusher:error")
    assert error.data == {"code": code, "message": "Please reconnect"}
    second = driver.reconnected()
    assert second != first
    assert driver.closes.wait_for_sync(lambda c: True)[0] == code
    # Pysher's auto_sub resubscribed "news" itself; the private channel it sent unsigned
    # (it never stores the auth) and the driver subscribed it again, signed anew.
    for channel in ("news", "private-orders"):
        pusher_twin.recorder.wait_for_delivery_sync(
            second, channel=channel, event="pusher_internal:subscription_succeeded")
    (unsigned,) = pusher_twin.recorder.wait_for_delivery_sync(second, event="pusher:error")
    assert unsigned.data["code"] is None
    assert "Auth value for subscription to private-orders is missing" in (
        unsigned.data["message"])
    assert pusher_twin.subscriptions(second) == {"news", "private-orders"}

    pusher_twin.trigger(["news", "private-orders"], "after", {"reconnected": True})
    for channel in ("news", "private-orders"):
        (after,) = driver.wait("after", channel=channel)
        assert after.data == '{"reconnected":true}'
    # Pysher's "news" Channel (and its bindings) survived: it saw both confirmations.
    driver.wait("pusher_internal:subscription_succeeded", channel="news", count=2)


def test_40xx_with_an_in_band_error_makes_pysher_give_up(
    pusher_twin: PusherTwin, pysher_client: PysherFactory
) -> None:
    driver = pysher_client(reconnect_interval=0).plan("news")
    first = driver.start()

    pusher_twin.disconnect(first, CloseCode.UNAUTHORIZED, "Go away", error_first=True)

    (error,) = driver.wait("pusher:error")
    assert error.data["code"] == CloseCode.UNAUTHORIZED
    # Its thread ends, so it cannot reconnect later either.
    driver.wait_thread_ended()
    assert driver.socket_ids.snapshot() == [first]
    assert driver.connection.disconnect_called


@pytest.mark.parametrize("code", [CloseCode.UNAUTHORIZED, CloseCode.GENERIC_RECONNECT])
def test_a_close_without_an_in_band_error_reconnects_after_pyshers_back_off(
    pusher_twin: PusherTwin, pysher_client: PysherFactory, code: int
) -> None:
    """Pysher never reads the close code; websocket-client reports any close as an error."""
    driver = pysher_client(reconnect_interval=0).plan("news", "after")
    first = driver.start()
    pusher_twin.recorder.wait_for_delivery_sync(
        first, channel="news", event="pusher_internal:subscription_succeeded")

    pusher_twin.disconnect(first, code, "Closed by the test", error_first=False)

    assert driver.closes.wait_for_sync(lambda c: True)[0] == code
    second = driver.reconnected()
    assert second != first
    assert driver.seen_events("pusher:error") == []
    pusher_twin.recorder.wait_for_delivery_sync(
        second, channel="news", event="pusher_internal:subscription_succeeded")
    pusher_twin.trigger("news", "after", "back")
    (after,) = driver.wait("after", channel="news")
    assert after.data == "back"


def test_real_inactivity_4201_when_pysher_cannot_answer_the_ping(
    pysher_client: PysherFactory,
) -> None:
    """The twin's own liveness path: ping after activity_timeout, 4201 after pong_timeout.

    Pysher always answers pings, so its thread is held in a callback while the twin's
    (virtual) clock runs out; with the real clock and small timeouts Pysher would simply
    pong in time. The twin closes with 4201 and no in-band error (protocol 6+), so Pysher
    reconnects after its ``reconnect_interval`` (0 here) rather than at once.
    """
    clock = VirtualClock()
    app = App(id="1", key="app-key", secret="app-secret", activity_timeout=120,
              pong_timeout=30)
    with PusherTwin([app], clock=clock) as twin:
        driver = pysher_client(twin, reconnect_interval=0).plan("news", "hold", "after")
        first = driver.start()
        twin.recorder.wait_for_delivery_sync(
            first, channel="news", event="pusher_internal:subscription_succeeded")
        held, release = threading.Event(), threading.Event()

        def hold(data: str) -> None:
            held.set()
            release.wait(TIMEOUT)

        driver.pusher.channel("news").bind("hold", hold)
        try:
            twin.trigger("news", "hold", {})
            assert held.wait(TIMEOUT)
            # Pysher is held, so no pong is coming: don't wait for one.
            clock.advance_sync(119, wait_replies=False)
            assert twin.recorder.delivered(first, event="pusher:ping") == []
            clock.advance_sync(1, wait_replies=False)
            twin.recorder.wait_for_delivery_sync(first, event="pusher:ping")
            clock.advance_sync(30, wait_replies=False)
        finally:
            release.set()

        # Released, Pysher answers the buffered ping late; the twin ignores it, waits for
        # the close reply (RFC 6455 closing handshake), so the code always gets through.
        assert driver.closes.wait_for_sync(lambda c: True)[0] == CloseCode.PONG_NOT_RECEIVED
        second = driver.reconnected()
        assert second != first
        assert twin.recorder.delivered(first, event="pusher:error") == []
        twin.recorder.wait_for_delivery_sync(
            second, channel="news", event="pusher_internal:subscription_succeeded")
        twin.trigger("news", "after", {"n": 1})
        (after,) = driver.wait("after", channel="news")
        assert after.data == '{"n":1}'
        driver.stop()

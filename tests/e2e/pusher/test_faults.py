"""Real clients meet injected faults: pusher-js, Pysher and pusher-http-python.

Every fault is applied at the twin's own wire layer and journaled; these tests check both
what the client did about it and what the journal says fired.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pusher
import pytest
from pusher.errors import PusherBadStatus

from wiretwin.pusher import App, PusherTwin
from wiretwin.runtime.faults import Disconnect, Drop, HttpError, Scope, Stall

from .pusher_js import TIMEOUT, PusherJs, call
from .pysher_driver import NEVER, PysherFactory


async def test_pusher_js_reconnects_after_a_4200_close(pusher_twin: PusherTwin, js: PusherJs,
                                                      sdk: pusher.Pusher) -> None:
    first = await js.connected("a")
    await js.subscribed("a", "news")
    # The close comes instead of the frame that carries the event "bye".
    pusher_twin.faults.add(Disconnect(name="reconnect-now", code=4200, reason="Reconnect",
                                      times=1, scope=Scope(event="bye")))
    await call(sdk.trigger, "news", "bye", {})
    await js.expect(type="state", client="a", previous="connected", current="connecting")
    again = await js.expect(type="state", client="a", current="connected")
    assert again["socket_id"] != first
    # pusher-js resubscribed on its own: an event after the reconnect arrives.
    await pusher_twin.recorder.wait_for_delivery(
        again["socket_id"], channel="news", event="pusher_internal:subscription_succeeded",
        timeout=TIMEOUT)
    await call(sdk.trigger, "news", "after", {"n": 1})
    after = await js.expect(type="event", client="a", channel="news", event="after")
    assert after["data"] == {"n": 1}
    assert js.seen(type="event", client="a", event="bye") == []
    (fired,) = pusher_twin.journal.faults("reconnect-now")
    assert fired.detail == {"action": "close", "frame": "bye", "code": 4200}
    assert fired.connection == first
    closes = [e for e in pusher_twin.journal.connections() if e.event == "close"]
    assert closes[0].detail["code"] == 4200
    assert closes[0].detail["initiator"] == "twin"


@pytest.mark.pusher_twin(apps=[App(id="1", key="app-key", secret="app-secret",
                                   activity_timeout=1)])
async def test_pusher_js_reconnects_after_a_stall_past_its_pong_timeout(
    pusher_twin: PusherTwin, js: PusherJs
) -> None:
    # The server's activity_timeout (1 s) caps pusher-js's own; pongTimeout is a client option.
    first = await js.connected("a", options={"pongTimeout": 300})
    stall = pusher_twin.faults.add(Stall(name="stall"))
    # Silent for 1 s, pusher-js pings; the twin swallows its pong; 0.3 s later pusher-js
    # gives up on the connection and opens a new one.
    again = await js.expect(type="state", client="a", current="connected")
    pusher_twin.faults.remove(stall)
    assert again["socket_id"] != first
    # The twin went quiet on heartbeats: its own pings and its answer to pusher-js's.
    swallowed = {(e.connection, e.detail["frame"]) for e in pusher_twin.journal.faults("stall")}
    assert (first, "pusher:pong") in swallowed
    assert {e.detail["action"] for e in pusher_twin.journal.faults("stall")} == {"drop"}
    pings = pusher_twin.journal.frames(direction="in", connection=first, event="pusher:ping")
    assert len(pings) >= 1


def test_pysher_reconnects_after_an_in_band_4201(pusher_twin: PusherTwin,
                                                 pysher_client: PysherFactory) -> None:
    driver = pysher_client(reconnect_interval=NEVER).plan("news", "after")
    first = driver.start()
    pusher_twin.recorder.wait_for_delivery_sync(
        first, channel="news", event="pusher_internal:subscription_succeeded")
    pusher_twin.faults.add(Disconnect(name="pong-missed", code=4201,
                                      reason="Pong reply not received", in_band=True, times=1,
                                      scope=Scope(event="kick")))
    pusher_twin.trigger("news", "kick", {})
    # Only the in-band pusher:error makes Pysher reconnect at once (NEVER: no back-off).
    second = driver.reconnected()
    assert second != first
    errors = driver.seen_events("pusher:error")
    assert [e.data for e in errors] == [{"code": 4201, "message": "Pong reply not received"}]
    pusher_twin.recorder.wait_for_delivery_sync(
        second, channel="news", event="pusher_internal:subscription_succeeded")
    pusher_twin.trigger("news", "after", "back")
    assert driver.wait("after", channel="news")[0].data == "back"
    assert pusher_twin.journal.faults("pong-missed")[0].detail["code"] == 4201


def test_pusher_http_python_sees_the_injected_5xx(pusher_twin: PusherTwin) -> None:
    sdk = pusher.Pusher(**pusher_twin.settings()["pusher"])
    with pusher_twin.faults.apply(HttpError(name="outage", status=503, times=1,
                                            scope=Scope(route="/apps/*/events"))):
        with pytest.raises(PusherBadStatus, match=r"^503: 503 Service Unavailable"):
            sdk.trigger("news", "lost", {})
        assert sdk.trigger("news", "kept", {}) == {}  # times=1: the next one goes through
        assert sdk.channels_info() == {"channels": {}}  # another route: untouched
    assert pusher_twin.faults.all() == []
    assert [e.name for e in pusher_twin.recorder.triggered_events] == ["kept"]
    (refused,) = pusher_twin.journal.http(status=503)
    assert refused.detail["path"] == "/apps/1/events"
    assert refused.detail["response_body"] == "503 Service Unavailable\n"
    assert pusher_twin.journal.faults("outage")[0].detail["status"] == 503


async def _lossy_run(seed: int) -> list[int]:
    async with PusherTwin(seed=seed) as twin:
        twin.faults.add(Drop(name="loss", probability=0.3, scope=Scope(event="tick")))
        client = await twin.connect()
        await client.subscribe("ticks")
        for i in range(60):
            twin.trigger("ticks", "tick", {"i": i})
        twin.trigger("ticks", "fence", {})
        await client.receive("fence")
        received = [m.data["i"] for m in client.received("tick")]
        assert len(twin.journal.faults("loss")) == 60 - len(received)
        await client.close()
        return received


async def test_seeded_packet_loss_gives_the_same_deliveries_twice() -> None:
    first, second = await _lossy_run(seed=7), await _lossy_run(seed=7)
    assert first == second
    assert 0 < len(first) < 60
    assert await _lossy_run(seed=8) != first


async def test_faults_come_and_go_while_clients_stay_connected(
    pusher_twin: PusherTwin,
) -> None:
    client = await pusher_twin.connect()
    await client.subscribe("news")
    drop = pusher_twin.faults.add(Drop(name="blackout", scope=Scope(connection=client.socket_id)))
    pusher_twin.trigger("news", "unseen", {})
    pusher_twin.faults.remove(drop)
    pusher_twin.trigger("news", "seen", {})
    assert (await client.receive("seen")).data == {}
    assert client.received("unseen") == []
    assert not client.closed.is_set()
    await client.close()


async def _http_status(twin: PusherTwin, path: str, headers: dict[str, Any]) -> int:
    import aiohttp

    async with aiohttp.ClientSession() as session, session.get(
        twin.http_url(path), headers=headers
    ) as response:
        return response.status


async def test_refused_handshakes_answer_with_an_http_status() -> None:
    import aiohttp

    from wiretwin.runtime.faults import RefuseHandshake

    async with PusherTwin() as twin:
        twin.faults.add(RefuseHandshake(name="busy", status=503, times=1,
                                        scope=Scope(route="/app/*")))
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await twin.connect()
        assert refused.value.status == 503
        client = await twin.connect()  # times=1: the next handshake goes through
        assert client.socket_id is not None
        await client.close()
        assert twin.journal.http(status=503)[0].detail["path"] == "/app/app-key"


async def test_abrupt_reset_after_n_frames() -> None:
    async with PusherTwin() as twin:
        client = await twin.connect()
        await client.subscribe("news")
        twin.faults.add(Disconnect(name="crash", reset=True, after=2,
                                   scope=Scope(event="tick")))
        for i in range(5):
            twin.trigger("news", "tick", {"i": i})
        code = await client.wait_closed()
        assert [m.data["i"] for m in client.received("tick")] == [0, 1]
        assert code == 1006  # no close frame: the TCP connection just went away
        await asyncio.sleep(0)
        assert twin.journal.faults("crash")[0].detail == {"action": "reset", "frame": "tick",
                                                          "code": None}
        await client.close()

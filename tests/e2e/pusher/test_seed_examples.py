"""The Pusher testing guide's examples (shared/seeds/004), running against a real twin.

Each test keeps the guide's shape, with more checks of what really happened on the wire
(tests/seeds/ runs the guide's programs exactly as written).
"""

from __future__ import annotations

import pytest

from wiretwin.pusher import (
    HarnessClient,
    PusherAsyncTestHelper,
    PusherEventRecorder,
    PusherHarness,
    PusherTestHelper,
    async_mock_pusher_context,
)


async def test_pusher_connection() -> None:
    async with async_mock_pusher_context() as pusher:
        pusher.connect()
        assert pusher.connected
        assert pusher.client.socket_id is not None
        # Pusher answers {}; the harness adds the guide's status once that succeeded.
        assert pusher.trigger("test-channel", "ping", {"data": "test"}) == {
            "status": "success"}


async def test_channel_subscription() -> None:
    async with async_mock_pusher_context() as pusher:
        pusher.client.add_channel("dashboard-updates")
        channels = pusher.channels_info()
        assert "dashboard-updates" in channels["channels"]


async def test_broadcasting() -> None:
    async with async_mock_pusher_context() as pusher:
        pusher.client.add_channel("presence-room-123", [
            {"id": "user1", "info": {"name": "Alice"}},
            {"id": "user2", "info": {"name": "Bob"}},
        ])
        response = pusher.trigger("presence-room-123", "message", {
            "text": "Hello everyone", "sender": "user1"})
        assert response == {"status": "success"}
        events = pusher.client.triggered_events
        assert len(events) == 1
        # And it really went over the wire to the subscribed client.
        received = pusher.client.wait_for_event("message", "presence-room-123")
        assert received.data == {"text": "Hello everyone", "sender": "user1"}


class TestPusherIntegration:
    async def test_full_workflow(self) -> None:
        async with async_mock_pusher_context() as pusher:
            helper = PusherAsyncTestHelper()
            recorder = PusherEventRecorder()

            pusher.connect()
            assert pusher.connected

            channels = ["public-api", "private-user-123", "presence-room-456"]
            for channel in channels:
                pusher.client.add_channel(channel)

            # The guide signs for "socket_123", which the SDK refuses: the harness signs
            # it as Pusher would (the key, not the socket id, starts the auth string).
            made_up = pusher.authenticate("private-user-123", "socket_123")
            assert made_up["auth"].startswith(f"{pusher.app.key}:")
            socket_id = pusher.client.socket_id
            assert socket_id is not None
            auth_response = pusher.authenticate(
                "presence-room-456", socket_id,
                {"user_id": "123", "user_info": {"name": "Test User"}})
            assert auth_response["auth"].startswith(f"{pusher.app.key}:")
            assert auth_response["channel_data"] == (
                '{"user_id": "123", "user_info": {"name": "Test User"}}')

            for channel in channels:
                event_data = {"message": f"Test event for {channel}",
                              "timestamp": "2024-01-01T00:00:00Z"}
                assert pusher.trigger(channel, "test-event", event_data) == {
                    "status": "success"}
                recorder.record(channel, "test-event", event_data)

            recorder.assert_event_count(3)
            recorder.assert_channel_used("public-api")
            with pytest.raises(AssertionError, match="no event was triggered on 'unused'"):
                recorder.assert_channel_used("unused")
            # record() checks the wire: an event never triggered cannot be recorded.
            with pytest.raises(AssertionError, match="no event 'never'"):
                recorder.record("public-api", "never", {})
            await helper.wait_for_event("presence-room-456", "test-event")

            users = pusher.users_info("presence-room-456")
            assert users == {"users": [{"id": "test-client"}]}

            pusher.disconnect()
            assert not pusher.connected
            assert pusher.channels_info() == {"channels": {}}


async def test_batch_events() -> None:
    async with async_mock_pusher_context() as pusher:
        events = [
            {"channel": "ch1", "name": "evt1", "data": {"id": 1}},
            {"channel": "ch2", "name": "evt2", "data": {"id": 2}},
            {"channel": "ch3", "name": "evt3", "data": {"id": 3}},
        ]
        assert pusher.trigger_batch(events) == {"status": "success"}
        assert len(pusher.client.triggered_events) == 3
        assert [e.decoded for e in pusher.client.triggered_events] == [
            {"id": 1}, {"id": 2}, {"id": 3}]


async def test_presence_channel() -> None:
    async with async_mock_pusher_context() as pusher:
        pusher.client.add_channel("presence-classroom", [
            {"id": "teacher1", "info": {"name": "Ms. Smith", "role": "teacher"}},
            {"id": "student1", "info": {"name": "Alice", "role": "student"}},
            {"id": "student2", "info": {"name": "Bob", "role": "student"}},
        ])
        info = pusher.channel_info("presence-classroom", ["user_count"])
        assert info["user_count"] == 3
        users = pusher.users_info("presence-classroom")
        assert len(users["users"]) == 3
        # A server event may be called member_added; it is just an event to Pusher.
        pusher.trigger("presence-classroom", "member_added", {
            "id": "student3", "info": {"name": "Charlie", "role": "student"}})
        assert pusher.client.wait_for_event("member_added").data["id"] == "student3"


async def test_reconnection() -> None:
    async with async_mock_pusher_context() as pusher:
        pusher.connect()
        assert pusher.connected
        pusher.client.add_channel("updates")
        first_socket = pusher.client.socket_id
        pusher.disconnect()
        assert not pusher.connected
        pusher.reconnect()
        assert pusher.connected
        assert pusher.client.socket_id != first_socket
        assert pusher.trigger("updates", "event", {}) == {"status": "success"}
        assert pusher.client.wait_for_event("event", "updates").data == {}


async def test_many_events_are_all_recorded() -> None:
    # The guide's performance example, minus its timing assert (see benchmarks/).
    async with async_mock_pusher_context() as pusher:
        pusher.client.add_channel("performance-test")
        for i in range(100):
            pusher.trigger("performance-test", "perf-event", {"index": i})
        assert len(pusher.client.triggered_events) == 100


def test_fixtures_under_the_guides_names(
    mock_pusher_service: PusherHarness, mock_pusher_client: HarnessClient,
    pusher_test_helper: PusherTestHelper, pusher_event_recorder: PusherEventRecorder,
) -> None:
    mock_pusher_client.add_channel("private-orders")
    socket_id = mock_pusher_client.socket_id
    assert socket_id is not None
    assert mock_pusher_service.authenticate("private-orders", socket_id) == (
        pusher_test_helper.private_auth(socket_id, "private-orders"))
    mock_pusher_service.trigger("private-orders", "created", {"id": 7})
    pusher_test_helper.wait_for_event("private-orders", "created")
    pusher_event_recorder.record("private-orders", "created", {"id": 7})
    pusher_event_recorder.assert_event_count(1)
    mock_pusher_client.clear()
    pusher_event_recorder.assert_event_count(0)

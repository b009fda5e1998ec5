"""Seed 004's (the Pusher testing guide's) Python examples, as the guide wrote them: the
full workflow, batch events, a presence channel, performance and reconnection. Only the
import block differs: the guide's ``tests.fixtures.pusher_test_utils`` is
``wiretwin.pusher``, whose harness is a real Pusher twin, the real ``pusher`` SDK and a
real websocket client. (The guide's performance example keeps its own timing assert:
1,000 real HTTP triggers must run faster than 100 a second.)"""

import pytest
from wiretwin.pusher import (
    async_mock_pusher_context,
    PusherAsyncTestHelper,
    PusherEventRecorder
)

class TestPusherIntegration:

    @pytest.mark.asyncio
    async def test_full_workflow(self):
        """Test complete Pusher workflow"""
        async with async_mock_pusher_context() as pusher:
            helper = PusherAsyncTestHelper()
            recorder = PusherEventRecorder()

            # 1. Connect
            pusher.connect()
            assert pusher.connected

            # 2. Subscribe to channels
            channels = ["public-api", "private-user-123", "presence-room-456"]
            for channel in channels:
                pusher.client.add_channel(channel)

            # 3. Authenticate private/presence channels
            auth_response = pusher.authenticate(
                "private-user-123",
                "socket_123",
                {"user_id": "123", "user_info": {"name": "Test User"}}
            )
            assert auth_response.get("auth")

            # 4. Trigger events
            for channel in channels:
                event_data = {
                    "message": f"Test event for {channel}",
                    "timestamp": "2024-01-01T00:00:00Z"
                }
                response = pusher.trigger(channel, "test-event", event_data)
                assert response["status"] == "success"
                recorder.record(channel, "test-event", event_data)

            # 5. Verify events
            recorder.assert_event_count(3)
            recorder.assert_channel_used("public-api")

            # 6. Test presence channel features
            users = pusher.users_info("presence-room-456")
            assert len(users["users"]) > 0

            # 7. Disconnect
            pusher.disconnect()
            assert not pusher.connected


async def test_batch_events():
    async with async_mock_pusher_context() as pusher:
        events = [
            {"channel": "ch1", "name": "evt1", "data": {"id": 1}},
            {"channel": "ch2", "name": "evt2", "data": {"id": 2}},
            {"channel": "ch3", "name": "evt3", "data": {"id": 3}},
        ]

        response = pusher.trigger_batch(events)
        assert response["status"] == "success"
        assert len(pusher.client.triggered_events) == 3


async def test_presence_channel():
    async with async_mock_pusher_context() as pusher:
        # Add presence channel with members
        pusher.client.add_channel("presence-classroom", [
            {"id": "teacher1", "info": {"name": "Ms. Smith", "role": "teacher"}},
            {"id": "student1", "info": {"name": "Alice", "role": "student"}},
            {"id": "student2", "info": {"name": "Bob", "role": "student"}},
        ])

        # Get channel info
        info = pusher.channel_info("presence-classroom", ["user_count"])
        assert info["user_count"] == 3

        # Get users
        users = pusher.users_info("presence-classroom")
        assert len(users["users"]) == 3

        # Simulate member events
        pusher.trigger("presence-classroom", "member_added", {
            "id": "student3",
            "info": {"name": "Charlie", "role": "student"}
        })


async def test_pusher_performance():
    async with async_mock_pusher_context() as pusher:
        import time

        channel = "performance-test"
        pusher.client.add_channel(channel)

        # Measure event triggering performance
        start_time = time.time()
        num_events = 1000

        for i in range(num_events):
            pusher.trigger(channel, "perf-event", {"index": i})

        elapsed = time.time() - start_time
        events_per_second = num_events / elapsed

        assert events_per_second > 100  # Should handle >100 events/sec
        assert len(pusher.client.triggered_events) == num_events


async def test_reconnection():
    async with async_mock_pusher_context() as pusher:
        # Initial connection
        pusher.connect()
        assert pusher.connected

        # Simulate disconnection
        pusher.disconnect()
        assert not pusher.connected

        # Reconnect
        pusher.reconnect()
        assert pusher.connected

        # Verify can still trigger events
        response = pusher.trigger("test", "event", {})
        assert response["status"] == "success"

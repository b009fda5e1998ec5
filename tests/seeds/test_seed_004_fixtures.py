"""Seed 004's (the Pusher testing guide's) fixtures, as the guide wrote them (imports
changed), and tests of ours that use them the way the guide means them to be used."""

import pytest
from wiretwin.pusher import (
    MockPusherClient,
    MockPusherService,
    PusherEventRecorder,
    PusherTestHelper,
)

# Basic fixtures
@pytest.fixture
def mock_pusher_client():
    """Mock Pusher client for testing"""
    return MockPusherClient()

@pytest.fixture
def mock_pusher_service():
    """Mock Pusher service for testing"""
    return MockPusherService()

@pytest.fixture
def pusher_test_helper():
    """Helper for Pusher testing"""
    return PusherTestHelper()

@pytest.fixture
def pusher_event_recorder():
    """Record Pusher events for verification"""
    return PusherEventRecorder()


@pytest.fixture
def pusher_test_env():
    """Fixture that ensures cleanup"""
    pusher = MockPusherService()
    yield pusher
    # Cleanup
    pusher.disconnect()
    pusher.client.clear()


# -- ours: the fixtures above in use ---------------------------------------------------------


def test_the_guides_fixtures_are_real(mock_pusher_service, mock_pusher_client):
    mock_pusher_client.connect()
    assert mock_pusher_client.connected
    # Each started a twin of its own: the service's trigger reaches its own client.
    mock_pusher_service.client.add_channel("orders")
    assert mock_pusher_service.trigger("orders", "created", {"id": 7})["status"] == "success"
    assert mock_pusher_service.client.wait_for_event("created", "orders").data == {"id": 7}
    # (Both twins are seeded alike, so both clients even got the same socket id.)
    assert mock_pusher_client.socket_id == mock_pusher_service.client.socket_id


def test_cleanup_fixture(pusher_test_env):
    pusher_test_env.client.add_channel("status")
    pusher_test_env.trigger("status", "ping", {})
    assert len(pusher_test_env.client.triggered_events) == 1

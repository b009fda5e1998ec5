"""Seed 003's pytest integration: its conftest, imports and the simulator fixture
changed (see the comment there)."""

# conftest.py
import pytest
import asyncio
from wiretwin.compat.sonora import SonoraClient, protocol_simulator, mock_factory

# Changed fixture: function-scoped (one event loop per test here) and autouse (the
# seed's test never asks for the simulator, yet needs it running). tests/seeds/conftest.py
# keeps the seed's fixed port 2333 to one test at a time.
@pytest.fixture(autouse=True)
async def simulator():
    """Provide protocol simulator for tests"""
    await protocol_simulator.start()
    yield protocol_simulator
    await protocol_simulator.stop()

@pytest.fixture
def mock_track():
    """Provide mock track for tests"""
    return mock_factory.create_mock_track()

@pytest.fixture
async def test_client():
    """Provide test client"""
    client = SonoraClient([{"host": "127.0.0.1", "port": 2333, "password": "test"}])
    await client.start()
    yield client
    await client.close()

"""Seed 003's pytest example test, as written (its one import line added)."""

import pytest

@pytest.mark.asyncio
async def test_player_operations(test_client, mock_track):
    """Test player operations"""
    player = await test_client.get_player(123)

    await player.play(mock_track)
    assert player.current_track is not None

    await player.pause()
    assert player.paused

    await player.queue.add(mock_track)
    assert len(player.queue.upcoming) == 1

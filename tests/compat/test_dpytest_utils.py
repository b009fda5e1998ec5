"""dpytest's comparison helpers and its queue: what reads as equal to a test author."""

from __future__ import annotations

import asyncio
import copy
import datetime as dt

import discord
import pytest

from wiretwin.discord.dpytest.utils import (
    PeekableQueue,
    activity_eq,
    embed_eq,
    embed_proxy_eq,
)


def _card() -> discord.Embed:
    card = discord.Embed(title="Weather", description="Sunny", url="https://example.org/w")
    card.set_footer(text="updated hourly")
    card.set_image(url="https://example.org/sun.png")
    card.add_field(name="High", value="24")
    return card


def test_none_is_equal_only_to_none() -> None:
    assert embed_eq(None, None) is True
    assert embed_eq(None, discord.Embed()) is False
    assert embed_eq(discord.Embed(), None) is False
    assert embed_eq(discord.Embed(), discord.Embed()) is True


@pytest.mark.parametrize("change", [
    lambda e: setattr(e, "title", "Rain"),
    lambda e: setattr(e, "description", "Cloudy"),
    lambda e: setattr(e, "url", "https://example.org/elsewhere"),
    lambda e: e.set_footer(text="updated daily"),
    lambda e: e.set_image(url="https://example.org/cloud.png"),
    lambda e: e.set_field_at(0, name="High", value="19"),
    lambda e: e.add_field(name="Low", value="12"),
])
def test_each_visible_part_counts(change: object) -> None:
    other = copy.deepcopy(_card())
    change(other)  # type: ignore[operator]
    assert embed_eq(_card(), other) is False


def test_colour_and_timestamp_do_not_count() -> None:
    other = _card()
    other.colour = discord.Colour.red()
    other.timestamp = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    assert other != _card()
    assert embed_eq(_card(), other) is True


def test_activities_compare_by_what_they_show() -> None:
    assert activity_eq(None, None) is True
    assert activity_eq(discord.Game("chess"), None) is False
    assert activity_eq(discord.Game("chess"), discord.Game("chess")) is True
    assert activity_eq(discord.Game("chess"), discord.Game("go")) is False
    assert activity_eq(discord.Game("chess", platform="pc"),
                       discord.Game("chess", platform="phone")) is False
    listening = discord.Activity(type=discord.ActivityType.listening, name="radio")
    watching = discord.Activity(type=discord.ActivityType.watching, name="radio")
    assert activity_eq(listening, discord.Activity(type=discord.ActivityType.listening,
                                                   name="radio")) is True
    assert activity_eq(listening, watching) is False
    stream = discord.Streaming(name="live", url="https://twitch.tv/x")
    assert activity_eq(stream, discord.Streaming(name="live", url="https://twitch.tv/x"))
    assert activity_eq(stream, discord.Streaming(name="live", url="https://twitch.tv/y")) \
        is False
    assert activity_eq(discord.CustomActivity("busy"), discord.CustomActivity("busy"))


def test_activities_of_different_kinds_never_match() -> None:
    assert activity_eq(discord.Game("chess"),
                       discord.Activity(type=discord.ActivityType.playing, name="chess")) \
        is False


def test_embed_parts_compare_by_what_they_print() -> None:
    assert embed_proxy_eq(_card().footer, _card().footer) is True
    assert embed_proxy_eq(_card().fields[0], _card().fields[0]) is True
    other = _card()
    other.set_footer(text="never")
    assert embed_proxy_eq(_card().footer, other.footer) is False


async def test_peek_shows_the_newest_item_and_takes_nothing() -> None:
    queue: PeekableQueue[str] = PeekableQueue()
    with pytest.raises(IndexError):
        queue.peek()
    await queue.put("first")
    queue.put_nowait("second")
    assert queue.peek() == "second"
    assert queue.qsize() == 2
    assert queue.get_nowait() == "first"
    assert await asyncio.wait_for(queue.get(), 1) == "second"
    assert queue.empty()

"""dpytest's small helpers: comparing embeds and activities by what a user sees, and the
queue type of ``sent_queue`` and ``error_queue``.

``discord.Embed`` equality compares every field, colour and timestamp included; a test
usually means "the same title, description, url, footer text, image and fields", which
is what :func:`embed_eq` checks. :func:`activity_eq` does the same per activity kind.
"""

from __future__ import annotations

import asyncio
import collections
from typing import Any, TypeVar

import discord

T = TypeVar("T")


def embed_eq(embed1: discord.Embed | None, embed2: discord.Embed | None) -> bool:
    """Whether two embeds read the same: title, description, url, footer text, image url
    and fields (None equals only None)."""
    if embed1 is None or embed2 is None:
        return embed1 is embed2
    return (embed1.title == embed2.title
            and embed1.description == embed2.description
            and embed1.url == embed2.url
            and embed1.footer.text == embed2.footer.text
            and embed1.image.url == embed2.image.url
            and embed1.fields == embed2.fields)


#: What activity_eq compares, per activity kind.
_ACTIVITY_ATTRIBUTES: tuple[tuple[type[Any], tuple[str, ...]], ...] = (
    (discord.Activity, ("name", "url", "type", "details", "emoji")),
    (discord.Game, ("name", "platform", "assets")),
    (discord.CustomActivity, ("name", "emoji")),
    (discord.Streaming, ("platform", "name", "details", "game", "url", "assets")),
    (discord.Spotify, ("title", "artist", "album", "album_cover_url", "track_id", "start",
                       "end")),
)


def activity_eq(act1: discord.activity.ActivityTypes | None,
                act2: discord.activity.ActivityTypes | None) -> bool:
    """Whether two activities of the same kind show the same thing (None equals only
    None; activities of different kinds never match)."""
    if act1 is None or act2 is None:
        return act1 is act2
    for kind, attributes in _ACTIVITY_ATTRIBUTES:
        if isinstance(act1, kind) and isinstance(act2, kind):
            return all(getattr(act1, a) == getattr(act2, a) for a in attributes)
    return False


def embed_proxy_eq(embed_proxy1: object, embed_proxy2: object) -> bool:
    """Whether two parts of embeds (a footer, an image, a field) print the same.

    dpytest's own version compares the two proxies' bound ``__repr__`` methods, which is
    true only for the very same proxy; this compares what they print, so every pair
    dpytest calls equal is equal here too, and equal parts of two embeds are as well."""
    return repr(embed_proxy1) == repr(embed_proxy2)


class PeekableQueue(asyncio.Queue[T]):
    """An ``asyncio.Queue`` whose newest item can be read without taking it."""

    _queue: collections.deque[T]

    def peek(self) -> T:
        """The item put last (not the one ``get`` takes next: dpytest's peek shows the
        newest); IndexError when the queue is empty."""
        return self._queue[-1]


__all__ = ["PeekableQueue", "activity_eq", "embed_eq", "embed_proxy_eq"]

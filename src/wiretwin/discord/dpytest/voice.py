"""dpytest's ``voice``: ``FakeVoiceClient`` joins voice channels through the twin's
gateway, without audio; ``FakeVoiceChannel`` is ``discord.VoiceChannel``.

Each name is :mod:`wiretwin.compat.dpytest.voice`'s (see :mod:`._layer`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # what a type checker sees: the layer's module
    from ...compat.dpytest.voice import *  # noqa: F403
else:
    from ._layer import serve

    __getattr__, __dir__ = serve(__name__)

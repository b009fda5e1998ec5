"""dpytest's checks of what the bot sent: ``verify()`` (``.message()`` from the twin's
own verifier, ``.activity()`` from the presence the bot last sent the gateway),
``get_message``, ``get_embed`` and ``empty_queue``."""

from __future__ import annotations

from typing import Any

import discord

from ...discord import verify as twin_verify
from ...discord.verify import Evaluated
from .acting import run_all_events
from .queues import configured, drain_errors
from .session import Session, as_discord, current
from .utils import embed_eq


def get_message(peek: bool = False) -> discord.Message:
    """The oldest message the bot sent that no check has taken (``peek``: leave it)."""
    session = current()
    return as_discord(session, session.twin.backend.get_message(peek))


def get_embed(peek: bool = False) -> discord.Embed:
    return get_message(peek).embeds[0]


async def empty_queue() -> None:
    """Let the bot finish, then forget what it sent and any command errors (before
    ``configure()``: only the errors put in ``error_queue``, as in dpytest)."""
    session = configured()
    if session is not None:
        await run_all_events()
        await session.twin.backend.clear_message_queue()
    drain_errors()


class VerifyActivity(Evaluated):
    """``verify().activity()``: the bot's presence as it last told the gateway (op 3)."""

    def __init__(self, session: Session | None = None) -> None:
        self._session = session if session is not None else current()
        self._wanted: dict[str, Any] = {}

    def matches(self, activity: discord.BaseActivity | None) -> VerifyActivity:
        if self._wanted:
            raise ValueError("Verify exact match conflicts with verifying attributes")
        self._wanted["activity"] = activity
        return self

    def name(self, name: str) -> VerifyActivity:
        self._wanted["name"] = name
        return self

    def url(self, url: str) -> VerifyActivity:
        self._wanted["url"] = url
        return self

    def type(self, kind: discord.ActivityType) -> VerifyActivity:
        self._wanted["type"] = int(kind.value)
        return self

    def _current_activity(self) -> dict[str, Any] | None:
        frames = self._session.twin.journal.frames(direction="in")
        for frame in reversed(frames):
            data = frame.json if frame.json is not None else None
            if isinstance(data, dict) and data.get("op") == 3:
                activities = (data.get("d") or {}).get("activities") or []
                return activities[0] if activities else None
        return None

    def _evaluate(self) -> tuple[bool, str]:
        have = self._current_activity()
        want = dict(self._wanted)
        if "activity" in want:
            expected = want.pop("activity")
            if expected is None:
                return (have is None, f"expected no activity, the bot has {have}")
            want = {"name": expected.name, "url": getattr(expected, "url", None),
                    "type": int(expected.type.value)}
        if have is None:
            return (not want, f"expected an activity {want}, the bot has none")
        wrong = {k: have.get(k) for k, v in want.items() if have.get(k) != v}
        return (not wrong, f"expected activity {want}, the bot has {have}")


class VerifyMessage(twin_verify.VerifyMessage):
    """``verify().message()``: checks on the next message the bot sent (the twin's
    verifier; built with no argument, as dpytest's, it checks the configured bot).
    ``embed()`` compares as dpytest's did (:func:`.utils.embed_eq`: title, description,
    url, footer text, image url and fields; colour, author and the rest are not looked
    at), one embed exactly, or any of them with ``contains()``."""

    def __init__(self, backend: Any = None) -> None:
        super().__init__(backend if backend is not None else current().twin.backend)
        self._dpytest_embed: discord.Embed | None = None

    def embed(self, embed: Any) -> VerifyMessage:
        super().embed(embed)
        if embed is not None:
            self._dpytest_embed = (embed if isinstance(embed, discord.Embed)
                                   else discord.Embed.from_dict(dict(embed)))
        return self

    def _problems(self, message: Any) -> list[str]:
        want = self._dpytest_embed
        if want is None:
            return super()._problems(message)
        asked, self._embed = self._embed, twin_verify._UNSET
        try:
            problems = super()._problems(message)
        finally:
            self._embed = asked
        have = [discord.Embed.from_dict(e) for e in message.embeds]
        matched = (any(embed_eq(want, e) for e in have) if self._contains
                   else len(have) == 1 and embed_eq(want, have[0]))
        if not matched:
            problems.append(f"its embeds are {[e.to_dict() for e in have]!r}" if have
                            else "it has no embed")
        return problems


class Verify:
    """``dpytest.verify()``: ``.message()`` and ``.activity()``."""

    def message(self) -> VerifyMessage:
        return VerifyMessage()

    def activity(self) -> VerifyActivity:
        return VerifyActivity()


def verify() -> Verify:
    return Verify()


__all__ = ["Verify", "VerifyActivity", "VerifyMessage", "empty_queue", "get_embed",
           "get_message", "verify"]

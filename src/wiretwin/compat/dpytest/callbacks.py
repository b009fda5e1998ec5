"""dpytest's callbacks: one coroutine per event, awaited when the configured bot does
what the event names.

``set_callback(cb, CallbackEvent.send_message)`` (or the event's name as a string, as
dpytest 0.7 took it) registers ``cb``; when the bot's call succeeds against the twin,
``cb`` is awaited in the bot's loop before the bot's own call returns, with dpytest's
arguments (discord.py objects from the bot's cache). :mod:`.calls` watches the bot's
REST calls and presence updates and names the event; the table of which call fires
which event, and with what, is there.

The registry is module state, as in dpytest: callbacks stay set across ``configure()``
calls until removed.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import discord

Callback = Callable[..., Awaitable[None]]
#: dpytest's types of three callbacks: ``get_channel`` gets the channel id,
#: ``send_message`` the message as sent, ``edit_member`` the fields, the member before
#: the edit and the reason.
GetChannelCallback = Callable[[int], Awaitable[None]]
SendMessageCallback = Callable[[discord.Message], Awaitable[None]]
EditMemberCallback = Callable[[dict[str, Any], discord.Member, str | None], Awaitable[None]]

log = logging.getLogger("wiretwin.compat.dpytest")


class CallbackEvent(enum.Enum):
    """What a callback can be set for (dpytest's names; the value is the name)."""

    get_channel = "get_channel"
    presence = "presence"
    start_private_message = "start_private_message"
    send_message = "send_message"
    send_typing = "send_typing"
    delete_message = "delete_message"
    edit_message = "edit_message"
    add_reaction = "add_reaction"
    remove_reaction = "remove_reaction"
    remove_own_reaction = "remove_own_reaction"
    get_message = "get_message"
    logs_from = "logs_from"
    kick = "kick"
    ban = "ban"
    unban = "unban"
    change_nickname = "change_nickname"
    edit_member = "edit_member"
    create_role = "create_role"
    edit_role = "edit_role"
    delete_role = "delete_role"
    move_role = "move_role"
    add_role = "add_role"
    remove_role = "remove_role"
    app_info = "app_info"
    get_guilds = "get_guilds"


_callbacks: dict[CallbackEvent | str, Callback] = {}
#: Called whenever a callback is set: how :mod:`.calls` starts watching the bot (it
#: registers itself here, so this registry imports nothing of discord.py's internals).
on_set: list[Callable[[], None]] = []


def _key(event: CallbackEvent | str) -> CallbackEvent | str:
    """The registry key: the enum member for a known name (so 0.7's strings and master's
    members meet), the string itself otherwise."""
    if isinstance(event, str):
        try:
            return CallbackEvent(event)
        except ValueError:
            return event
    return event


def set_callback(cb: Callback, event: CallbackEvent | str) -> None:
    """Await ``cb`` whenever ``event`` happens (replacing the one set before)."""
    _callbacks[_key(event)] = cb
    for started in on_set:
        started()


def get_callback(event: CallbackEvent | str) -> Callback:
    """The callback set for ``event``; ValueError when there is none."""
    found = _callbacks.get(_key(event))
    if found is None:
        raise ValueError(f"Callback for event {event} not set")
    return found


def remove_callback(event: CallbackEvent | str) -> Callback | None:
    """Unset ``event``'s callback and return it (None when there was none)."""
    return _callbacks.pop(_key(event), None)


def wanted(event: CallbackEvent) -> bool:
    """Whether a callback is set for ``event`` (the watcher skips the work otherwise)."""
    return event in _callbacks


async def dispatch_event(event: CallbackEvent | str, *args: Any, **kwargs: Any) -> None:
    """Await ``event``'s callback, if one is set, with these arguments. An exception from
    the callback is logged, not raised (as in dpytest: a callback observes, it does not
    decide what the bot's call returns)."""
    cb = _callbacks.get(_key(event))
    if cb is None:
        return
    try:
        await cb(*args, **kwargs)
    except Exception as exc:
        log.error("Error in handler for event %s: %s", event, exc, exc_info=exc)


__all__ = ["Callback", "CallbackEvent", "EditMemberCallback", "GetChannelCallback",
           "SendMessageCallback", "dispatch_event", "get_callback", "log", "remove_callback",
           "set_callback"]

"""Gateway intents: which dispatches a session gets, and what MESSAGE_CONTENT hides."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..wire.serialize import withheld_snapshot

GUILDS = 1 << 0
GUILD_MEMBERS = 1 << 1
GUILD_MODERATION = 1 << 2
GUILD_EXPRESSIONS = 1 << 3
GUILD_INTEGRATIONS = 1 << 4
GUILD_WEBHOOKS = 1 << 5
GUILD_INVITES = 1 << 6
GUILD_VOICE_STATES = 1 << 7
GUILD_PRESENCES = 1 << 8
GUILD_MESSAGES = 1 << 9
GUILD_MESSAGE_REACTIONS = 1 << 10
GUILD_MESSAGE_TYPING = 1 << 11
DIRECT_MESSAGES = 1 << 12
DIRECT_MESSAGE_REACTIONS = 1 << 13
DIRECT_MESSAGE_TYPING = 1 << 14
MESSAGE_CONTENT = 1 << 15
GUILD_SCHEDULED_EVENTS = 1 << 16
AUTO_MODERATION_CONFIGURATION = 1 << 20
AUTO_MODERATION_EXECUTION = 1 << 21
GUILD_MESSAGE_POLLS = 1 << 24
DIRECT_MESSAGE_POLLS = 1 << 25

KNOWN = (GUILDS | GUILD_MEMBERS | GUILD_MODERATION | GUILD_EXPRESSIONS | GUILD_INTEGRATIONS
         | GUILD_WEBHOOKS | GUILD_INVITES | GUILD_VOICE_STATES | GUILD_PRESENCES
         | GUILD_MESSAGES | GUILD_MESSAGE_REACTIONS | GUILD_MESSAGE_TYPING | DIRECT_MESSAGES
         | DIRECT_MESSAGE_REACTIONS | DIRECT_MESSAGE_TYPING | MESSAGE_CONTENT
         | GUILD_SCHEDULED_EVENTS | AUTO_MODERATION_CONFIGURATION | AUTO_MODERATION_EXECUTION
         | GUILD_MESSAGE_POLLS | DIRECT_MESSAGE_POLLS)

#: Privileged intent -> the application flags (full, limited) that allow it.
PRIVILEGED = {
    GUILD_PRESENCES: (1 << 12) | (1 << 13),
    GUILD_MEMBERS: (1 << 14) | (1 << 15),
    MESSAGE_CONTENT: (1 << 18) | (1 << 19),
}

#: The privileged intents by the names discord.py's ``Intents`` gives them.
PRIVILEGED_NAMES = {"presences": GUILD_PRESENCES, "members": GUILD_MEMBERS,
                    "message_content": MESSAGE_CONTENT}
#: Every application flag that allows a privileged intent.
PRIVILEGED_FLAGS = (1 << 12) | (1 << 13) | (1 << 14) | (1 << 15) | (1 << 18) | (1 << 19)


def privileged_flags(enabled: bool | Iterable[str]) -> int:
    """The application flags (the full ones, as the developer portal's switches set
    them) that allow ``enabled``: every privileged intent (True), none (False), or those
    named (``presences``, ``members``, ``message_content``)."""
    if isinstance(enabled, bool):
        names: Iterable[str] = PRIVILEGED_NAMES if enabled else ()
    elif isinstance(enabled, str):
        raise TypeError("privileged intents: True, False or a list of names, not a string")
    else:
        names = list(enabled)
    flags = 0
    for name in names:
        intent = PRIVILEGED_NAMES.get(name) if isinstance(name, str) else None
        if intent is None:
            shown = repr(name) if len(repr(name)) <= 60 else repr(name)[:57] + "..."
            raise ValueError(f"unknown privileged intent {shown}: one of "
                             f"{', '.join(PRIVILEGED_NAMES)}")
        flags |= PRIVILEGED[intent] & -PRIVILEGED[intent]  # the full flag, the lower bit
    return flags


def privileged_names(flags: int) -> list[str]:
    """The privileged intents an application with ``flags`` may ask for, by name."""
    return [name for name, intent in PRIVILEGED_NAMES.items() if flags & PRIVILEGED[intent]]


#: Dispatch -> (intent in a guild, intent in a DM); None means always sent.
EVENT_INTENTS: dict[str, tuple[int | None, int | None]] = {
    "GUILD_CREATE": (GUILDS, None), "GUILD_UPDATE": (GUILDS, None),
    "GUILD_DELETE": (GUILDS, None),
    "GUILD_ROLE_CREATE": (GUILDS, None), "GUILD_ROLE_UPDATE": (GUILDS, None),
    "GUILD_ROLE_DELETE": (GUILDS, None),
    "CHANNEL_CREATE": (GUILDS, None), "CHANNEL_UPDATE": (GUILDS, None),
    "CHANNEL_DELETE": (GUILDS, None), "CHANNEL_PINS_UPDATE": (GUILDS, DIRECT_MESSAGES),
    "THREAD_CREATE": (GUILDS, None), "THREAD_UPDATE": (GUILDS, None),
    "THREAD_DELETE": (GUILDS, None), "WEBHOOKS_UPDATE": (GUILD_WEBHOOKS, None),
    "GUILD_MEMBER_ADD": (GUILD_MEMBERS, None), "GUILD_MEMBER_UPDATE": (GUILD_MEMBERS, None),
    "GUILD_MEMBER_REMOVE": (GUILD_MEMBERS, None),
    "GUILD_BAN_ADD": (GUILD_MODERATION, None), "GUILD_BAN_REMOVE": (GUILD_MODERATION, None),
    "VOICE_STATE_UPDATE": (GUILD_VOICE_STATES, None),
    "PRESENCE_UPDATE": (GUILD_PRESENCES, None),
    "MESSAGE_CREATE": (GUILD_MESSAGES, DIRECT_MESSAGES),
    "MESSAGE_UPDATE": (GUILD_MESSAGES, DIRECT_MESSAGES),
    "MESSAGE_DELETE": (GUILD_MESSAGES, DIRECT_MESSAGES),
    "MESSAGE_DELETE_BULK": (GUILD_MESSAGES, None),
    "MESSAGE_REACTION_ADD": (GUILD_MESSAGE_REACTIONS, DIRECT_MESSAGE_REACTIONS),
    "MESSAGE_REACTION_REMOVE": (GUILD_MESSAGE_REACTIONS, DIRECT_MESSAGE_REACTIONS),
    "MESSAGE_REACTION_REMOVE_ALL": (GUILD_MESSAGE_REACTIONS, DIRECT_MESSAGE_REACTIONS),
    "MESSAGE_REACTION_REMOVE_EMOJI": (GUILD_MESSAGE_REACTIONS, DIRECT_MESSAGE_REACTIONS),
    "TYPING_START": (GUILD_MESSAGE_TYPING, DIRECT_MESSAGE_TYPING),
    "MESSAGE_POLL_VOTE_ADD": (GUILD_MESSAGE_POLLS, DIRECT_MESSAGE_POLLS),
    "MESSAGE_POLL_VOTE_REMOVE": (GUILD_MESSAGE_POLLS, DIRECT_MESSAGE_POLLS),
    **{f"GUILD_SCHEDULED_EVENT_{what}": (GUILD_SCHEDULED_EVENTS, None)
       for what in ("CREATE", "UPDATE", "DELETE", "USER_ADD", "USER_REMOVE")},
}


def _id_of(value: Any) -> Any:
    """``value["id"]`` when ``value`` is an object (dispatches from the admin API may be
    any JSON), else None."""
    return value.get("id") if isinstance(value, dict) else None


def wanted(event: str, intents: int, *, dm: bool, data: dict[str, Any],
           bot_id: int) -> bool:
    """Does a session with ``intents`` get this dispatch?"""
    guild_intent, dm_intent = EVENT_INTENTS.get(event, (None, None))
    needed = dm_intent if dm else guild_intent
    if event == "GUILD_MEMBER_UPDATE" and str(bot_id) == _id_of(data.get("user")):
        return True  # the bot's own member updates come regardless
    return needed is None or bool(intents & needed)


def hide_content(event: str, data: dict[str, Any], intents: int, *, dm: bool,
                 bot_id: int) -> dict[str, Any]:
    """Without MESSAGE_CONTENT, empty what Discord empties (not the bot's own messages,
    DMs, or messages that mention the bot)."""
    if event not in ("MESSAGE_CREATE", "MESSAGE_UPDATE") or intents & MESSAGE_CONTENT or dm:
        return data
    me = str(bot_id)
    mentions = data.get("mentions")
    if _id_of(data.get("author")) == me or (isinstance(mentions, list) and any(
            _id_of(u) == me for u in mentions)):
        return data
    stripped = dict(data)
    stripped.update({"content": "", "embeds": [], "attachments": [], "components": []})
    stripped.pop("poll", None)
    if isinstance(data.get("message_snapshots"), list):
        stripped["message_snapshots"] = [
            {"message": withheld_snapshot(s["message"])} for s in data["message_snapshots"]]
    return stripped


__all__ = ["EVENT_INTENTS", "KNOWN", "PRIVILEGED", "PRIVILEGED_FLAGS", "PRIVILEGED_NAMES",
           "hide_content", "privileged_flags", "privileged_names", "wanted"]

"""Discord's permission flags and its permission algorithm, pure.

``compute`` follows developers/topics/permissions: the owner has everything; otherwise
the base is @everyone's permissions OR every role's, and ADMINISTRATOR means everything;
in a channel, overwrites apply in Discord's order (@everyone deny then allow, then the OR
of the member's roles' denies, then of their allows, then the member's own deny, then
allow); without VIEW_CHANNEL nothing else remains, and without SEND_MESSAGES the
permissions that depend on sending go too; a timed-out member keeps only VIEW_CHANNEL and
READ_MESSAGE_HISTORY.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from enum import IntFlag


class Permission(IntFlag):
    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    BAN_MEMBERS = 1 << 2
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_AUDIT_LOG = 1 << 7
    PRIORITY_SPEAKER = 1 << 8
    STREAM = 1 << 9
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    SEND_TTS_MESSAGES = 1 << 12
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    VIEW_GUILD_INSIGHTS = 1 << 19
    CONNECT = 1 << 20
    SPEAK = 1 << 21
    MUTE_MEMBERS = 1 << 22
    DEAFEN_MEMBERS = 1 << 23
    MOVE_MEMBERS = 1 << 24
    USE_VAD = 1 << 25
    CHANGE_NICKNAME = 1 << 26
    MANAGE_NICKNAMES = 1 << 27
    MANAGE_ROLES = 1 << 28
    MANAGE_WEBHOOKS = 1 << 29
    MANAGE_GUILD_EXPRESSIONS = 1 << 30
    USE_APPLICATION_COMMANDS = 1 << 31
    REQUEST_TO_SPEAK = 1 << 32
    MANAGE_EVENTS = 1 << 33
    MANAGE_THREADS = 1 << 34
    CREATE_PUBLIC_THREADS = 1 << 35
    CREATE_PRIVATE_THREADS = 1 << 36
    USE_EXTERNAL_STICKERS = 1 << 37
    SEND_MESSAGES_IN_THREADS = 1 << 38
    USE_EMBEDDED_ACTIVITIES = 1 << 39
    MODERATE_MEMBERS = 1 << 40
    VIEW_CREATOR_MONETIZATION_ANALYTICS = 1 << 41
    USE_SOUNDBOARD = 1 << 42
    CREATE_GUILD_EXPRESSIONS = 1 << 43
    CREATE_EVENTS = 1 << 44
    USE_EXTERNAL_SOUNDS = 1 << 45
    SEND_VOICE_MESSAGES = 1 << 46
    SET_VOICE_CHANNEL_STATUS = 1 << 48
    SEND_POLLS = 1 << 49
    USE_EXTERNAL_APPS = 1 << 50
    PIN_MESSAGES = 1 << 51
    BYPASS_SLOWMODE = 1 << 52


ALL = Permission(sum(p.value for p in Permission))

#: Other names a flag goes by: Discord's earlier names, and the client libraries' own
#: (discord.py's ``read_messages``, ``manage_emojis_and_stickers``...), lowercase.
ALIASES: dict[str, Permission] = {
    "read_messages": Permission.VIEW_CHANNEL,
    "external_emojis": Permission.USE_EXTERNAL_EMOJIS,
    "use_voice_activation": Permission.USE_VAD,
    "manage_permissions": Permission.MANAGE_ROLES,
    "manage_emojis": Permission.MANAGE_GUILD_EXPRESSIONS,
    "manage_emojis_and_stickers": Permission.MANAGE_GUILD_EXPRESSIONS,
    "manage_expressions": Permission.MANAGE_GUILD_EXPRESSIONS,
    "use_slash_commands": Permission.USE_APPLICATION_COMMANDS,
    "start_embedded_activities": Permission.USE_EMBEDDED_ACTIVITIES,
    "external_stickers": Permission.USE_EXTERNAL_STICKERS,
    "create_expressions": Permission.CREATE_GUILD_EXPRESSIONS,
    "create_polls": Permission.SEND_POLLS,
}


def permission_named(name: str) -> Permission:
    """The flag called ``name``: Discord's name in any case (``"manage_roles"``,
    ``"MANAGE_ROLES"``) or one of :data:`ALIASES`; ``ValueError`` naming the closest
    known names otherwise."""
    key = name.strip().lower()
    if key.upper() in Permission.__members__:
        return Permission[key.upper()]
    if key in ALIASES:
        return ALIASES[key]
    known = [p.lower() for p in Permission.__members__] + list(ALIASES)
    close = difflib.get_close_matches(key, known, n=3)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    raise ValueError(f"no Discord permission is called {name!r}{hint}")

#: What @everyone gets in a new guild (Discord's default).
DEFAULT_EVERYONE = Permission(
    Permission.CREATE_INSTANT_INVITE | Permission.ADD_REACTIONS | Permission.STREAM
    | Permission.VIEW_CHANNEL | Permission.SEND_MESSAGES | Permission.EMBED_LINKS
    | Permission.ATTACH_FILES | Permission.READ_MESSAGE_HISTORY
    | Permission.MENTION_EVERYONE | Permission.USE_EXTERNAL_EMOJIS | Permission.CONNECT
    | Permission.SPEAK | Permission.USE_VAD | Permission.CHANGE_NICKNAME
    | Permission.USE_APPLICATION_COMMANDS | Permission.REQUEST_TO_SPEAK
    | Permission.CREATE_PUBLIC_THREADS | Permission.CREATE_PRIVATE_THREADS
    | Permission.USE_EXTERNAL_STICKERS | Permission.SEND_MESSAGES_IN_THREADS
    | Permission.USE_EMBEDDED_ACTIVITIES | Permission.SEND_VOICE_MESSAGES
    | Permission.SEND_POLLS | Permission.USE_EXTERNAL_APPS
)

#: Lost with SEND_MESSAGES (text) ...
_NEEDS_SEND = (Permission.MENTION_EVERYONE | Permission.SEND_TTS_MESSAGES
               | Permission.ATTACH_FILES | Permission.EMBED_LINKS)
#: ... and with CONNECT (voice; the docs name MANAGE_CHANNELS among them).
_NEEDS_CONNECT = (Permission.MANAGE_CHANNELS | Permission.SPEAK | Permission.MUTE_MEMBERS
                  | Permission.DEAFEN_MEMBERS | Permission.MOVE_MEMBERS | Permission.USE_VAD
                  | Permission.PRIORITY_SPEAKER | Permission.STREAM)
TIMED_OUT_KEEPS = Permission.VIEW_CHANNEL | Permission.READ_MESSAGE_HISTORY


# The algorithm below works on plain ints: an IntFlag's operators run in Python, and a
# twin computes permissions for every request and message.
_ALL = int(ALL)
_ADMINISTRATOR = int(Permission.ADMINISTRATOR)
_VIEW_CHANNEL = int(Permission.VIEW_CHANNEL)
_SEND_MESSAGES = int(Permission.SEND_MESSAGES)
_CONNECT = int(Permission.CONNECT)
_NEEDS_SEND_INT = int(_NEEDS_SEND)
_NEEDS_CONNECT_INT = int(_NEEDS_CONNECT)
_TIMED_OUT_KEEPS = int(TIMED_OUT_KEEPS)


def base_permissions(*, is_owner: bool, everyone: int, roles: Iterable[int]) -> Permission:
    if is_owner:
        return ALL
    perms = int(everyone)
    for role in roles:
        perms |= int(role)
    if perms & _ADMINISTRATOR:
        return ALL
    return Permission(perms)


def apply_overwrites(base: Permission, *, everyone: tuple[int, int] | None,
                     roles: Iterable[tuple[int, int]], member: tuple[int, int] | None,
                     voice: bool = False, timed_out: bool = False) -> Permission:
    """Channel permissions from ``base``; overwrites are ``(allow, deny)`` pairs."""
    perms = int(base)
    if perms & _ADMINISTRATOR or perms == _ALL:
        return ALL
    if everyone is not None:
        perms &= ~int(everyone[1])
        perms |= int(everyone[0])
    allow = deny = 0
    for role_allow, role_deny in roles:
        allow |= int(role_allow)
        deny |= int(role_deny)
    perms &= ~deny
    perms |= allow
    if member is not None:
        perms &= ~int(member[1])
        perms |= int(member[0])
    if not perms & _VIEW_CHANNEL:
        return Permission(0)
    if voice and not perms & _CONNECT:
        perms &= ~_NEEDS_CONNECT_INT
    if not perms & _SEND_MESSAGES:  # voice channels have text chat too
        perms &= ~_NEEDS_SEND_INT
    if timed_out:
        perms &= _TIMED_OUT_KEEPS
    return Permission(perms)


__all__ = ["ALL", "DEFAULT_EVERYONE", "TIMED_OUT_KEEPS", "Permission", "apply_overwrites",
           "base_permissions"]

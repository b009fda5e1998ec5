"""What :class:`~.entities.GuildRules` changes for the bot, as the model's permission and
hierarchy checks ask it.

In a ``DPYTEST`` guild the bot is held to what dpytest holds it to and nothing more:
its guild-wide permissions are every permission but ADMINISTRATOR (:data:`DPYTEST_BOT`;
no role says so, and discord.py still computes the bot's own ``guild_permissions`` from
its roles), it ranks above every role, and it may grant any permission. Channel
overwrites apply to it as on Discord; when one takes away what a call needs, the 403 says
which permission, where, and which overwrite (dpytest's refusals were plain strings, and
a test that meets one should learn why without reading the twin). Nobody there needs
SEND_POLLS to post a poll (:func:`polls_unasked`).
"""

from __future__ import annotations

from ..permissions import ALL, Permission
from .entities import Channel, Guild, GuildRules, Overwrite

#: The bot's guild-wide permissions in a dpytest world: everything an owner would have
#: except ADMINISTRATOR, which would also lift every channel overwrite.
DPYTEST_BOT = Permission(ALL & ~Permission.ADMINISTRATOR)
#: Where the bot ranks in a dpytest world: above every role (as high as an owner).
ABOVE_EVERY_ROLE = 1 << 30


def unbound(guild: Guild, user_id: int, bot_id: int) -> bool:
    """Whether the dpytest rules lift Discord's guild-wide limits off ``user_id`` here."""
    return guild.rules is GuildRules.DPYTEST and user_id == bot_id


def polls_unasked(guild: Guild | None) -> bool:
    """Whether posting a poll here needs no SEND_POLLS: in a dpytest world, whose
    @everyone (dpytest's 104324161) predates the permission, and where dpytest posted
    anyone's poll (``make_message(poll=...)``)."""
    return guild is not None and guild.rules is GuildRules.DPYTEST


def refusal(channel: Channel, overwrites: list[Overwrite], missing: Permission) -> str:
    """Why the bot lacks ``missing`` in ``channel`` of a dpytest world (where nothing but
    a channel overwrite takes a permission from it), and what to change; ``overwrites``:
    the channel's overwrites that apply to the bot (@everyone's, its roles', its own)."""
    where = f"#{channel.name}"
    denying = [o for o in overwrites if o.deny & missing]
    if denying:
        whose = ", ".join(_target(o, channel) for o in denying)
        why = f"the bot lacks {missing.name} in {where}: the channel overwrite of {whose} " \
              f"denies it (allow it there, or delete the overwrite)"
    else:
        why = f"the bot lacks {missing.name} in {where}: Discord takes it away with a " \
              f"permission the channel's overwrites deny (VIEW_CHANNEL, SEND_MESSAGES or " \
              f"CONNECT)"
    if any(o.allow & Permission.ADMINISTRATOR for o in overwrites):
        why += f"; ADMINISTRATOR in a channel overwrite grants nothing on Discord (only a " \
               f"role's does): allow {missing.name} in the overwrite instead"
    return why


def _target(overwrite: Overwrite, channel: Channel) -> str:
    if overwrite.id == channel.guild_id:
        return "@everyone"
    return f"{'member' if overwrite.type == 1 else 'role'} {overwrite.id}"


__all__ = ["ABOVE_EVERY_ROLE", "DPYTEST_BOT", "polls_unasked", "refusal", "unbound"]

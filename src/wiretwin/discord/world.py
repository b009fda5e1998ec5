"""The Discord part of wiretwin's built-in world, for tests that want a ready guild.

``DiscordTwin()`` starts with an application, its bot and the owner user but no guild, so
a test builds exactly what it needs (and ids stay its own). ``wiretwin serve`` starts from
the built-in world (``wiretwin/worlds/default.toml``, table ``[discord]``): the
application and bot (with its token), the owner, alice, bob and carol, and a guild
"wiretwin guild" with a "Text Channels" category holding #general (a welcome message) and
#mod-log (moderators only), a "Voice Channels" category holding the Lounge, and the roles
Admin (ADMINISTRATOR), wiretwin-bot (the bot's managed role) and Moderator.

A test gets the same world with ``DiscordTwin(world=default_discord_world())`` or
``@pytest.mark.discord_twin(world="default")``; :data:`DEFAULT_IDS` names its ids.
"""

from __future__ import annotations

import copy
from typing import Any

from ..runtime.worlds import default_world

#: The built-in world's ids, by name.
DEFAULT_IDS: dict[str, int] = {
    "application": 1191168914227331074,  # as on Discord: the bot user's id
    "bot": 1191168914227331074,
    "owner": 1191168914227331075,
    "alice": 1191168914227331076,
    "bob": 1191168914227331077,
    "carol": 1191168914227331078,
    "guild": 1191531302092931072,
    "admin_role": 1191531302092931073,
    "bot_role": 1191531302092931074,
    "moderator_role": 1191531302092931075,
    "text_category": 1191531302092931076,
    "general": 1191531302092931077,
    "mod_log": 1191531302092931078,
    "voice_category": 1191531302092931079,
    "lounge": 1191531302092931080,
    "welcome_message": 1191712496025731072,
}


def default_discord_world() -> dict[str, Any]:
    """The ``[discord]`` table of the built-in world (a fresh copy: a snapshot)."""
    return copy.deepcopy(default_world()["discord"])


__all__ = ["DEFAULT_IDS", "default_discord_world"]

"""dpytest's public API (0.7), over the wire: ``import wiretwin.compat.dpytest as dpytest``.

An existing dpytest suite switches by changing its import and its fixture::

    @pytest.fixture
    async def bot():
        bot = commands.Bot(command_prefix="!", intents=intents)
        dpytest.configure(bot)          # same call: a twin, a world, and a real login
        yield bot
        await dpytest.empty_queue()
        await dpytest.cleanup()         # new: log out and stop the twin

``configure`` builds dpytest's world (its guild, channel and member names) in a fresh
:class:`~wiretwin.discord.twin.DiscordTwin` running in its own thread, points discord.py
at it and starts ``bot.start(token)``; every coroutine here first waits for ``on_ready``.
``message`` posts as a member and returns once the bot has finished with it (the twin's
settle), re-raising what a command raised, as dpytest does. ``verify()``,
``get_message``, ``get_embed`` read what the bot really sent.

The world is dpytest's, in its order (:mod:`.world`), and holds the bot to dpytest's
rules: it manages roles, members, bans and channels freely, while channel overwrites
that deny it ``send_messages`` or ``manage_roles`` refuse it. Differences that come from
being real (docs/migrating.md): the bot logs in, so ``setup_hook`` runs and a 403
reaches the command as ``discord.Forbidden``; the bot's cache changes when the gateway
event arrives; Discord's other rules stand (a channel needs a name, Administrator in an
overwrite grants nothing, only a member in voice can be moved), each refusal saying
what it is; ``member_count`` counts the bot once (dpytest counts it twice); ids are real
snowflakes; the backend's ``make_*`` functions are coroutines
(``await backend.make_text_channel(...)``).

The package only re-exports, eagerly (a dpytest suite uses all of it, and all of it needs
discord.py): the session in :mod:`.session`, the users' actions in :mod:`.acting`, the
checks of what the bot sent in :mod:`.checks`, and the ``backend`` module. It used to be
``wiretwin.discord.dpytest``, which still works with a DeprecationWarning.
"""

from __future__ import annotations

from . import backend as backend
from .acting import (
    add_reaction,
    add_role,
    finish_on_command_error,
    member_join,
    message,
    remove_reaction,
    remove_role,
    run_all_events,
    set_permission_overrides,
)
from .checks import Verify, VerifyActivity, empty_queue, get_embed, get_message, verify
from .session import RunnerConfig, cleanup, configure, get_config, ready

__all__ = ["RunnerConfig", "Verify", "VerifyActivity", "add_reaction", "add_role", "backend",
           "cleanup", "configure", "empty_queue", "finish_on_command_error", "get_config",
           "get_embed", "get_message", "member_join", "message", "ready",
           "remove_reaction", "remove_role", "run_all_events", "set_permission_overrides",
           "verify"]

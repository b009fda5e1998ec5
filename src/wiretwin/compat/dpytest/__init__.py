"""dpytest's public API (0.7.0 and master), over the wire. Suites import it under
dpytest's own path, ``import wiretwin.discord.dpytest as dpytest`` (that package serves
this one's names, module by module); this is where it lives, above the twin.

An existing dpytest suite switches by changing its imports; its fixtures stay::

    @pytest_asyncio.fixture
    async def bot():
        bot = commands.Bot(command_prefix="!", intents=intents)
        dpytest.configure(bot)          # a twin, dpytest's world, and a real login
        yield bot
        await dpytest.empty_queue()

``configure`` builds dpytest's world in a fresh
:class:`~wiretwin.discord.twin.DiscordTwin` in the running loop and logs the bot in
before it returns (:mod:`.session`: REST served in process, the gateway in memory, so the
bot's cache follows every change at once); the session ends with ``cleanup()``, the next
``configure()`` or the loop's close. ``message`` posts as a member and returns once the
bot has finished with it (the twin's settle), re-raising what a command raised, as
dpytest does. ``verify()``, ``get_message``, ``get_embed``, ``sent_queue`` read what the
bot really sent; callbacks fire on the bot's real REST calls (:mod:`.calls`).

The world is dpytest's, in its order (:mod:`.world`), and holds the bot to dpytest's
rules: it manages roles, members, bans, voice moves and channels freely, nothing is rate
limited, while channel overwrites that deny it ``send_messages`` or ``manage_roles``
refuse it. Differences that come from being real (docs/migrating.md): intents matter; a
403 reaches the command as ``discord.Forbidden``; Discord's other rules stand (a channel
needs a name, Administrator in an overwrite grants nothing), each refusal saying what it
is; ``member_count`` counts the bot once (dpytest counts it twice); ids are real
snowflakes. dpytest's own backend (synchronous, dpytest's signatures) is
:mod:`.dpytest_backend`, served as ``wiretwin.discord.dpytest.backend``; :mod:`.backend`
here is the dpytest backend guide's (awaited, the guide's keywords).

The package re-exports eagerly (a dpytest suite uses all of it, and all of it needs
discord.py), under dpytest's module names: :mod:`.runner` (the session in
:mod:`.session`, the users' actions in :mod:`.acting`, the checks in :mod:`.checks`, the
queues in :mod:`.queues`), :mod:`.backend`, :mod:`.verify`, :mod:`.utils`,
:mod:`.factories`, :mod:`.callbacks`, :mod:`.state`, :mod:`.websocket`, :mod:`.voice`.
"""

from __future__ import annotations

# The submodules first, under dpytest's module names: ``verify`` is also a function
# here (bound last, below), and a submodule imported after that would replace it.
from . import backend as backend
from . import callbacks as callbacks
from . import calls as _calls  # starts the watch for callbacks once one is set
from . import factories as factories
from . import runner as runner
from . import state as state
from . import utils as utils
from . import verify as _verify_module
from . import voice as voice
from . import websocket as websocket
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
from .callbacks import CallbackEvent
from .checks import Verify, VerifyActivity, VerifyMessage, empty_queue, get_embed, get_message
from .queues import error_queue, sent_queue
from .runner import counter, log, require_config
from .session import RunnerConfig, cleanup, configure, get_config, ready
from .utils import PeekableQueue, activity_eq, embed_eq, embed_proxy_eq
from .verify import verify

back = backend
del _calls, _verify_module

__all__ = ["CallbackEvent", "PeekableQueue", "RunnerConfig", "Verify", "VerifyActivity",
           "VerifyMessage", "activity_eq", "add_reaction", "add_role", "back", "backend",
           "callbacks", "cleanup", "configure", "counter", "embed_eq", "embed_proxy_eq",
           "empty_queue", "error_queue", "factories", "finish_on_command_error",
           "get_config", "get_embed", "get_message", "log", "member_join", "message", "ready",
           "remove_reaction", "remove_role", "require_config", "run_all_events", "runner",
           "sent_queue", "set_permission_overrides", "state", "utils", "verify", "voice",
           "websocket"]

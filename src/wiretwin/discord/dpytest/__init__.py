"""dpytest's import path: ``import wiretwin.discord.dpytest as dpytest`` where a suite had
``import discord.ext.test as dpytest``, and ``wiretwin.discord.dpytest.<module>`` for
each of dpytest's modules (``runner``, ``backend``, ``verify``, ``utils``, ``factories``,
``callbacks``, ``state``, ``websocket``, ``voice``).

The layer itself lives in :mod:`wiretwin.compat.dpytest` (above the twin, which imports
none of it); this package and its modules serve its names under dpytest's paths, each
read there when used (:mod:`._layer`), so every name is the layer's own object and the
session is one. Importing them costs nothing until a name is used.
"""



from __future__ import annotations

from typing import TYPE_CHECKING

#: dpytest's names at package level, and the layer's ``cleanup`` and ``ready``
#: (the same list as :mod:`wiretwin.compat.dpytest`'s, which a test checks).
__all__ = ["CallbackEvent", "PeekableQueue", "RunnerConfig", "Verify", "VerifyActivity",
           "VerifyMessage", "activity_eq", "add_reaction", "add_role", "back", "backend",
           "callbacks", "cleanup", "configure", "counter", "embed_eq", "embed_proxy_eq",
           "empty_queue", "error_queue", "factories", "finish_on_command_error",
           "get_config", "get_embed", "get_message", "log", "member_join", "message", "ready",
           "remove_reaction", "remove_role", "require_config", "run_all_events", "runner",
           "sent_queue", "set_permission_overrides", "state", "utils", "verify", "voice",
           "websocket"]

if TYPE_CHECKING:  # what a type checker sees: the layer's names, dpytest's own backend
    from ...compat.dpytest import (
        CallbackEvent,
        PeekableQueue,
        RunnerConfig,
        Verify,
        VerifyActivity,
        VerifyMessage,
        activity_eq,
        add_reaction,
        add_role,
        callbacks,
        cleanup,
        configure,
        counter,
        embed_eq,
        embed_proxy_eq,
        empty_queue,
        error_queue,
        factories,
        finish_on_command_error,
        get_config,
        get_embed,
        get_message,
        member_join,
        message,
        ready,
        remove_reaction,
        remove_role,
        require_config,
        run_all_events,
        runner,
        sent_queue,
        set_permission_overrides,
        state,
        utils,
        verify,
        voice,
        websocket,
    )
    from . import backend as backend

    back = backend
else:
    # dpytest's modules, under their names (``back`` too, as dpytest has it). ``verify``
    # is also the function, at package level only: importing the submodule binds the
    # module here, so that binding is dropped and the function is served like every
    # other name.
    from . import backend as backend
    from . import callbacks as callbacks
    from . import factories as factories
    from . import runner as runner
    from . import state as state
    from . import utils as utils
    from . import verify as _verify_module
    from . import voice as voice
    from . import websocket as websocket
    from ._layer import serve

    globals().pop("verify", None)
    del _verify_module
    back = backend

    __getattr__, __dir__ = serve(__name__)

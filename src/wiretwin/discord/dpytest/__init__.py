"""Moved to :mod:`wiretwin.compat.dpytest` (seed vocabularies live above the twins, and
the Discord twin imports none of them). Kept so ``import wiretwin.discord.dpytest as
dpytest`` suites still run: each name read here warns (DeprecationWarning) and is the
new module's own object, so the session is one and the same."""

from __future__ import annotations

from ...runtime.lazy import lazy_exports

__all__ = ["RunnerConfig", "Verify", "VerifyActivity", "add_reaction", "add_role", "backend",
           "cleanup", "configure", "empty_queue", "finish_on_command_error", "get_config",
           "get_embed", "get_message", "member_join", "message", "ready",
           "remove_reaction", "remove_role", "run_all_events", "set_permission_overrides",
           "verify"]

__getattr__, __dir__ = lazy_exports(
    __name__, {}, moved=dict.fromkeys(__all__, "wiretwin.compat.dpytest"))

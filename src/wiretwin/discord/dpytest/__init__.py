"""Moved to :mod:`wiretwin.compat.dpytest` (seed vocabularies live above the twins, and
the Discord twin imports none of them). Kept so ``import wiretwin.discord.dpytest as
dpytest`` suites still run: each name read here warns (DeprecationWarning) and is the
new module's own object, so the session is one and the same."""

from __future__ import annotations

from ...runtime.lazy import lazy_exports

__all__ = ["CallbackEvent", "PeekableQueue", "RunnerConfig", "Verify", "VerifyActivity",
           "VerifyMessage", "activity_eq", "add_reaction", "add_role", "back", "backend",
           "callbacks", "cleanup", "configure", "counter", "embed_eq", "embed_proxy_eq",
           "empty_queue", "error_queue", "factories", "finish_on_command_error",
           "get_config", "get_embed", "get_message", "member_join", "message", "ready",
           "remove_reaction", "remove_role", "require_config", "run_all_events", "runner",
           "sent_queue", "set_permission_overrides", "state", "utils", "verify", "voice",
           "websocket"]

__getattr__, __dir__ = lazy_exports(
    __name__, {}, moved=dict.fromkeys(__all__, "wiretwin.compat.dpytest"))

"""Moved to :mod:`wiretwin.compat.dpytest.backend`. Kept so ``import
wiretwin.discord.dpytest.backend`` still works: each name read here warns
(DeprecationWarning) and is the new module's own function."""

# ruff: noqa: F822  (the names in __all__ are served by the module's __getattr__)

from __future__ import annotations

from ...runtime.lazy import lazy_exports

__all__ = ["CallbackEvent", "callbacks", "delete_channel", "delete_member", "delete_role",
           "facts", "get_state", "make_category", "make_guild", "make_member", "make_role",
           "make_text_channel", "make_user", "make_voice_channel",
           "set_channel_permission_overrides", "update_channel", "update_member",
           "update_role"]

__getattr__, __dir__ = lazy_exports(
    __name__, {}, moved=dict.fromkeys(__all__, "wiretwin.compat.dpytest.backend"))

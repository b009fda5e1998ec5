"""Moved to :mod:`wiretwin.discord.protocol.replay` (``GatewayLimits`` is also
``wiretwin.discord.GatewayLimits``); this old path still works, with a
DeprecationWarning naming the new one."""

from __future__ import annotations

from ...runtime.lazy import lazy_exports

__getattr__, __dir__ = lazy_exports(__name__, {}, moved=dict.fromkeys(
    ["GatewayLimits", "Missed", "PausedLog", "ReplayBuffer", "json_size"],
    "wiretwin.discord.protocol.replay"))

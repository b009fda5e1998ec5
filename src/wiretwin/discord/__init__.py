"""The Discord twin (REST v10/v9 and the gateway, one port), exported lazily.

``from wiretwin.discord import DiscordTwin`` imports the twin (and aiohttp) only when the
name is read, so ``import wiretwin.discord`` alone costs nothing (PEP 562, see
:mod:`wiretwin.runtime.lazy`). Each name's home module is listed below.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..runtime.lazy import lazy_exports

if TYPE_CHECKING:
    from .backend import BackendError
    from .errors import CloseCode, DiscordError, Opcode
    from .interactions import Interaction
    from .model import ChannelType, StorageLimits
    from .permissions import Permission
    from .protocol.replay import GatewayLimits
    from .twin import DEFAULT_TOKEN, MAX_REQUEST_SIZE, DiscordTwin, discord_token
    from .world import DEFAULT_IDS, default_discord_world

__getattr__, __dir__ = lazy_exports(__name__, {
    "BackendError": ".backend",
    "ChannelType": ".model",
    "CloseCode": ".errors",
    "DEFAULT_IDS": ".world",
    "DEFAULT_TOKEN": ".twin",
    "DiscordError": ".errors",
    "DiscordTwin": ".twin",
    "GatewayLimits": ".protocol.replay",
    "Interaction": ".interactions",
    "MAX_REQUEST_SIZE": ".twin",
    "Opcode": ".errors",
    "Permission": ".permissions",
    "StorageLimits": ".model",
    "default_discord_world": ".world",
    "discord_token": ".twin",
})

__all__ = [
    "DEFAULT_IDS",
    "DEFAULT_TOKEN",
    "MAX_REQUEST_SIZE",
    "BackendError",
    "ChannelType",
    "CloseCode",
    "DiscordError",
    "DiscordTwin",
    "GatewayLimits",
    "Interaction",
    "Opcode",
    "Permission",
    "StorageLimits",
    "default_discord_world",
    "discord_token",
]

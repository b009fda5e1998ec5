"""The Discord gateway's modules moved (gateway/ -> protocol/ and websocket.py); the old
path docs named, ``wiretwin.discord.gateway.replay``, still works and warns."""

from __future__ import annotations

import importlib

import pytest

from wiretwin.discord.protocol.replay import GatewayLimits


def test_the_old_replay_path_warns_and_gives_the_new_class() -> None:
    old = importlib.import_module("wiretwin.discord.gateway.replay")
    with pytest.warns(DeprecationWarning, match=r"wiretwin\.discord\.protocol\.replay"):
        moved = old.GatewayLimits
    assert moved is GatewayLimits

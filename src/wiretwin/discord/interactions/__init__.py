"""Interactions: what the twin sends the bot when a user invokes a command (or clicks,
picks, submits), and the routes the bot answers on. See :mod:`.records` for the rules of
an interaction's life, :mod:`.build` for the payloads and :mod:`.rest` for the routes."""

from __future__ import annotations

from .records import CALLBACKS, Interaction, Interactions, Reply

__all__ = ["CALLBACKS", "Interaction", "Interactions", "Reply"]

"""Interactions: what the twin sends the bot when a user invokes a command (or clicks,
picks, submits), and what it keeps of the bot's answers. See :mod:`.records` for the rules
of an interaction's life and :mod:`.build` for the payloads; the routes the bot answers on
are :mod:`wiretwin.discord.http.interactions`."""

from __future__ import annotations

from .records import CALLBACKS, Interaction, Interactions, Reply

__all__ = ["CALLBACKS", "Interaction", "Interactions", "Reply"]

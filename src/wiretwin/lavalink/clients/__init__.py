"""Driving real Lavalink clients against the twin without Discord.

Lavalink clients only move a player once Discord has told them about a voice channel:
a ``VOICE_STATE_UPDATE`` (the bot's voice session) and a ``VOICE_SERVER_UPDATE`` (the
voice server's token and endpoint). Without a gateway those never come, so these helpers
make them: :mod:`.discord` builds a discord.py client that is logged in and ready without
a gateway, and the payloads each library expects; one module per client library shows the
recipe that library needs.
"""

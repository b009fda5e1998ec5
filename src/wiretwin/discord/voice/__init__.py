"""The Discord twin's voice server: the voice gateway (v8, over TLS) and the UDP port
that takes the bot's audio. ``twin.voice`` (:class:`~.control.VoiceControl`) is its
test-control API; docs/discord.md ("Voice") says what is modelled and what is not.

One job per module: :mod:`.codes` (opcodes, close codes, modes), :mod:`.frames`
(reading what clients send), :mod:`.gateway` (the sessions' state machine, sans I/O),
:mod:`.rtp` (IP discovery, RTP and its encryption, Opus frame lengths),
:mod:`.recording` (what is kept of a voice connection), :mod:`.tls` (the certificate),
:mod:`.server` (the sockets), :mod:`.control` (``twin.voice``).
"""

"""The Discord twin's voice server: the voice gateway (v8, over TLS) and the UDP port
that takes the bot's audio. ``twin.voice`` (:class:`~.control.VoiceControl`) is its
test-control API; docs/discord/voice.md says what is modelled and what is not.

One job per module: :mod:`.codes` (opcodes, close codes, modes), :mod:`.frames`
(reading what clients send), :mod:`.gateway` (the sessions' state machine, sans I/O),
:mod:`.rtp` (IP discovery, RTP and its encryption, Opus frame lengths),
:mod:`.recording` (what is kept of a voice connection), :mod:`.opus` (a ctypes binding
to libopus), :mod:`.audio` (decoded PCM and its measures), :mod:`.tls` (the certificate),
:mod:`.server` (the sockets), :mod:`.control` (``twin.voice``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...runtime.lazy import lazy_exports

if TYPE_CHECKING:
    from .audio import Audio
    from .codes import Speaking, VoiceCloseCode, VoiceOp
    from .control import Played, VoiceControl
    from .opus import OpusUnavailable
    from .recording import RecordingLimits, SpeakingChange, VoiceRecording

__getattr__, __dir__ = lazy_exports(__name__, {
    "Audio": ".audio",
    "OpusUnavailable": ".opus",
    "Played": ".control",
    "RecordingLimits": ".recording",
    "Speaking": ".codes",
    "SpeakingChange": ".recording",
    "VoiceCloseCode": ".codes",
    "VoiceControl": ".control",
    "VoiceOp": ".codes",
    "VoiceRecording": ".recording",
})

__all__ = [
    "Audio",
    "OpusUnavailable",
    "Played",
    "RecordingLimits",
    "Speaking",
    "SpeakingChange",
    "VoiceCloseCode",
    "VoiceControl",
    "VoiceOp",
    "VoiceRecording",
]

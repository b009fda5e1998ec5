"""Voice messages: what Discord's message resource says of them, as checks.

A voice message is a message with the IS_VOICE_MESSAGE flag (``1 << 13``). Discord's
"Voice Messages" section: it cannot be edited (50162); it carries a single audio
attachment and nothing else, "no content, stickers, etc." (50159 for content, embeds,
components or a poll alongside; 50160 for no file, several, or one that is not audio);
the attachment has ``duration_secs`` and ``waveform``, both required (50161), and its
``Content-Type`` "must begin with ``audio/``". Sending one needs SEND_VOICE_MESSAGES
(50173 without it, checked with the other permissions).

Which type a file has: the one its upload part declares, except that discord.py and
py-cord declare ``application/octet-stream`` for every file (py-cord's voice messages
included, which Discord takes): for those the type is guessed from the filename
(``.ogg`` is ``audio/ogg``), as Discord works it out for itself.

Other messages keep no recording metadata: Discord measures audio and video itself,
which the twin does not, so a ``duration_secs`` or ``waveform`` sent for a file of a
message without the flag is dropped.
"""

from __future__ import annotations

import mimetypes
from dataclasses import replace
from typing import Any

from ..errors import VOICE_EXTRA_CONTENT, VOICE_NO_METADATA, VOICE_ONE_AUDIO_FILE
from .entities import Attachment

IS_VOICE_MESSAGE = 1 << 13
_UNDECLARED = (None, "", "application/octet-stream")


def media_type(attachment: Attachment) -> str | None:
    """The file's media type as Discord reads it (see the module docstring)."""
    if attachment.content_type not in _UNDECLARED:
        return attachment.content_type
    return mimetypes.guess_type(attachment.filename)[0]


def check_voice_message(*, content: str, embeds: list[dict[str, Any]] | None,
                        components: list[Any] | None, attachments: list[Attachment],
                        has_poll: bool) -> None:
    """Raise Discord's error unless the message is a voice message as Discord takes one."""
    if content or embeds or components or has_poll:
        raise VOICE_EXTRA_CONTENT()
    if len(attachments) != 1 or not (media_type(attachments[0]) or "").startswith(
            "audio/"):
        raise VOICE_ONE_AUDIO_FILE()
    recording = attachments[0]
    if recording.duration_secs is None or recording.waveform is None:
        raise VOICE_NO_METADATA()


def without_recording(attachments: list[Attachment]) -> list[Attachment]:
    """The files of a message that is no voice message: no recording metadata."""
    return [replace(a, duration_secs=None, waveform=None)
            if a.duration_secs is not None or a.waveform is not None else a
            for a in attachments]


__all__ = ["IS_VOICE_MESSAGE", "check_voice_message", "media_type", "without_recording"]

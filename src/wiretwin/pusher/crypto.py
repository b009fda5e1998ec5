"""Plaintext of ``private-encrypted-`` events, for tests that hold the master key.

The server never decrypts (it relays ``{"nonce", "ciphertext"}`` untouched); only a test
that gives the app's encryption master key can read what the server SDK sealed. The
per-channel key is SHA-256 of the channel name followed by the master key, and the box is
NaCl secretbox, as pusher-http-python and pusher-js do it. Needs PyNaCl
(``pip install 'wiretwin[crypto]'``).
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any


def shared_secret(channel: str, master_key: bytes) -> bytes:
    return hashlib.sha256(channel.encode() + master_key).digest()


def _master_key(master_key: bytes | str) -> bytes:
    key = master_key if isinstance(master_key, bytes) else base64.b64decode(master_key)
    if len(key) != 32:
        raise ValueError(f"the encryption master key must be 32 bytes, got {len(key)}")
    return key


def decrypt(channel: str, data: str | dict[str, Any], master_key: bytes | str) -> Any:
    """Open an encrypted event's ``data``; returns the JSON-decoded plaintext when it is JSON.

    ``master_key`` is the raw 32 bytes or their base64 (``encryption_master_key_base64``).
    """
    try:
        from nacl.secret import SecretBox
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise RuntimeError("decrypting needs PyNaCl: pip install 'wiretwin[crypto]'") from exc
    sealed = json.loads(data) if isinstance(data, str) else data
    box = SecretBox(shared_secret(channel, _master_key(master_key)))
    plain: bytes = box.decrypt(base64.b64decode(sealed["ciphertext"]),
                               base64.b64decode(sealed["nonce"]))
    text = plain.decode()
    try:
        return json.loads(text)
    except ValueError:
        return text


__all__ = ["decrypt", "shared_secret"]

"""The voice gateways this process serves, by endpoint: how one twin trusts another's.

A Discord twin's voice gateway serves TLS with a certificate of its own making (see
:mod:`wiretwin.discord.voice.tls`). Another twin in the same process that is handed its
endpoint (the Lavalink twin, in a player's voice state) looks it up here and gets the
authority that signed it: it then verifies that one server's certificate as any client
verifies a server, and never dials an endpoint it does not find here (a real Discord
host, a voice gateway in another process, a typo).

The table is the process's, kept under a lock: twins may run in threads of their own.
An endpoint is ``host:port`` as VOICE_SERVER_UPDATE gives it; a ``wss://`` prefix and a
path are ignored when looking it up.
"""

from __future__ import annotations

import threading

_lock = threading.Lock()
_served: dict[str, str] = {}


def _key(endpoint: str) -> str:
    endpoint = endpoint.strip()
    for scheme in ("wss://", "ws://"):
        if endpoint.startswith(scheme):
            endpoint = endpoint[len(scheme):]
    return endpoint.split("/", 1)[0].split("?", 1)[0]


def register(endpoint: str, ca_pem: str) -> None:
    """``endpoint`` is served here, with a certificate signed by ``ca_pem``."""
    with _lock:
        _served[_key(endpoint)] = ca_pem


def unregister(endpoint: str) -> None:
    with _lock:
        _served.pop(_key(endpoint), None)


def authority(endpoint: str) -> str | None:
    """The PEM authority to verify ``endpoint``'s certificate with, if this process
    serves it; None if it does not."""
    with _lock:
        return _served.get(_key(endpoint))


__all__ = ["authority", "register", "unregister"]

"""Fixtures shared by the Pusher end-to-end tests."""

from __future__ import annotations

from .pusher_js import auth, js, sdk
from .pysher_driver import pysher_client

__all__ = ["auth", "js", "pysher_client", "sdk"]

"""Service-agnostic machinery every twin is built on. Imports no twin."""

from __future__ import annotations

from .base import Twin
from .clock import Clock, RealClock
from .server import TwinServer
from .waiters import WaitableLog, WaitTimeout
from .wire import WireSocket, encode_frame

__all__ = [
    "Clock",
    "RealClock",
    "Twin",
    "TwinServer",
    "WaitTimeout",
    "WaitableLog",
    "WireSocket",
    "encode_frame",
]

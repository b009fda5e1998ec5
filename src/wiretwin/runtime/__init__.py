"""Service-agnostic machinery every twin is built on. Imports no twin."""

from __future__ import annotations

from .base import Twin
from .clock import Clock, RealClock, VirtualClock
from .faults import (
    Disconnect,
    Drop,
    Fault,
    Faults,
    HttpError,
    Latency,
    LatencySpike,
    RefuseHandshake,
    Scope,
    Stall,
)
from .journal import Entry, Journal, read_jsonl
from .server import TwinServer
from .waiters import WaitableLog, WaitTimeout
from .wire import WireLayer, WireSocket, encode_frame
from .worlds import default_world, read_world, write_world

__all__ = [
    "Clock",
    "Disconnect",
    "Drop",
    "Entry",
    "Fault",
    "Faults",
    "HttpError",
    "Journal",
    "Latency",
    "LatencySpike",
    "RealClock",
    "RefuseHandshake",
    "Scope",
    "Stall",
    "Twin",
    "TwinServer",
    "VirtualClock",
    "WaitTimeout",
    "WaitableLog",
    "WireLayer",
    "WireSocket",
    "default_world",
    "encode_frame",
    "read_jsonl",
    "read_world",
    "write_world",
]

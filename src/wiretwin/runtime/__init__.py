"""Service-agnostic machinery every twin is built on. Imports no twin."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .lazy import lazy_exports

if TYPE_CHECKING:
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
    from .looptime import LoopClock, LoopTime
    from .memory import MemorySocket
    from .parking import parked, wait_idle
    from .server import TwinServer
    from .waiters import WaitableLog, WaitTimeout
    from .wire import WireLayer, WireSocket, encode_frame
    from .worlds import default_world, read_world, world_table, write_world

__getattr__, __dir__ = lazy_exports(__name__, {
    "Clock": ".clock",
    "Disconnect": ".faults",
    "Drop": ".faults",
    "Entry": ".journal",
    "Fault": ".faults",
    "Faults": ".faults",
    "HttpError": ".faults",
    "Journal": ".journal",
    "Latency": ".faults",
    "LatencySpike": ".faults",
    "LoopClock": ".looptime",
    "LoopTime": ".looptime",
    "MemorySocket": ".memory",
    "RealClock": ".clock",
    "RefuseHandshake": ".faults",
    "Scope": ".faults",
    "Stall": ".faults",
    "Twin": ".base",
    "TwinServer": ".server",
    "VirtualClock": ".clock",
    "WaitTimeout": ".waiters",
    "WaitableLog": ".waiters",
    "WireLayer": ".wire",
    "WireSocket": ".wire",
    "default_world": ".worlds",
    "encode_frame": ".wire",
    "read_jsonl": ".journal",
    "parked": ".parking",
    "read_world": ".worlds",
    "wait_idle": ".parking",
    "world_table": ".worlds",
    "write_world": ".worlds",
})

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
    "LoopClock",
    "LoopTime",
    "MemorySocket",
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
    "parked",
    "read_jsonl",
    "read_world",
    "wait_idle",
    "world_table",
    "write_world",
]

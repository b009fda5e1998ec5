"""wiretwin: offline, wire-compatible twins of realtime services for testing real clients."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]

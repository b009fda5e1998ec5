"""``python -m wiretwin`` is the ``wiretwin`` command."""

from __future__ import annotations

from .cli import main

raise SystemExit(main())

"""The web console: a page every twin serves at ``/_wiretwin/ui`` (see docs/console.md).

The runtime knows nothing of it: this package registers its routes through the
``wiretwin.admin_extensions`` entry point (:func:`admin_routes`), and its page, scripts
and styles ship in the package (``static/``), so it works offline with nothing to build.
"""

from __future__ import annotations

from .routes import UI_PATH, admin_routes

__all__ = ["UI_PATH", "admin_routes"]

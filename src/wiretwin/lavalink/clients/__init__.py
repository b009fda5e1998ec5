"""Moved: the client drivers are :mod:`wiretwin.drivers` now.

The modules here (``discord``, ``lavalink_py``, ``mafic``, ``pomice``, ``wavelink``) are
kept so that old imports still work, each name read through them warning
(DeprecationWarning) with its new path in :mod:`wiretwin.drivers`.
"""

__all__: list[str] = []  # the modules are the API

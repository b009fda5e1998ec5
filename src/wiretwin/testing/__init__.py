"""pytest integration (the plugin is registered through the ``pytest11`` entry point)."""

__all__: list[str] = []

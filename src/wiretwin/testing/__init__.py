"""pytest integration (the plugin is registered through the ``pytest11`` entry point)."""

"""Built-in world files (package data)."""

__all__: list[str] = []

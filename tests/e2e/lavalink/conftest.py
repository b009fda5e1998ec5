"""Fixtures shared by the Lavalink end-to-end tests (each client's own live in its module)."""

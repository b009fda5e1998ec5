"""The repository's maintenance scripts (not part of the installed package)."""

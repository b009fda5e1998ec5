"""``wiretwin.lavalink``'s public names, pinned, and its import kept cheap.

The package exports lazily (PEP 562): a name's module loads when the name is first read,
so a test that only decodes tracks, or the pytest plugin, does not pay for aiohttp.
"""

from __future__ import annotations

import subprocess
import sys

import wiretwin.lavalink

EXPORTS = [
    "Catalogue", "LavalinkConfig", "LavalinkError", "LavalinkTwin", "LoadResult",
    "MockFactory", "PlayerView", "Playlist", "Track", "TrackInfo", "decode_track",
    "encode_track",
]


def test_public_exports_are_pinned() -> None:
    assert sorted(wiretwin.lavalink.__all__) == sorted(EXPORTS)
    for name in EXPORTS:
        assert hasattr(wiretwin.lavalink, name), name
    assert set(EXPORTS) <= set(dir(wiretwin.lavalink))


def _fresh(code: str) -> list[str]:
    """The wiretwin and aiohttp modules loaded by ``code`` in a new interpreter."""
    script = (f"import sys\n{code}\n"
              "print('\\n'.join(sorted(m for m in sys.modules "
              "if m.split('.')[0] in ('wiretwin', 'aiohttp'))))\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=60, check=True)
    return result.stdout.split()


def test_importing_the_package_imports_no_aiohttp_and_no_module_of_it() -> None:
    loaded = _fresh("import wiretwin.lavalink")
    assert "aiohttp" not in loaded
    assert [m for m in loaded if m.startswith("wiretwin.lavalink.")] == []


def test_reading_a_name_loads_its_module_only() -> None:
    loaded = _fresh("from wiretwin.lavalink import Track, decode_track")
    assert "wiretwin.lavalink.tracks" in loaded
    assert "aiohttp" not in loaded
    assert "wiretwin.lavalink.twin" not in loaded

"""Old import paths of the Lavalink twin's own helpers still work, warning with the new path."""

from __future__ import annotations

import pytest

from wiretwin.lavalink import javaio, tracks


@pytest.mark.parametrize("name", ["decode_mutf8", "encode_mutf8", "java_base64",
                                  "java_read_utf"])
def test_javas_helpers_still_read_from_tracks_with_a_warning(name: str) -> None:
    with pytest.warns(DeprecationWarning, match=rf"wiretwin\.lavalink\.javaio\.{name}"):
        moved = getattr(tracks, name)
    assert moved is getattr(javaio, name)


def test_the_failures_stay_in_tracks_without_a_warning() -> None:
    assert tracks.JavaFailure is javaio.JavaFailure
    assert tracks.TrackDecodeError is javaio.TrackDecodeError
    assert tracks.TrackEncodeError is javaio.TrackEncodeError

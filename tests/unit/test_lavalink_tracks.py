"""The encoded-track codec, byte for byte: lavaplayer's format, and lavalink.py's flavour."""

from __future__ import annotations

import base64
import importlib
import struct
from typing import Any

import pytest

from wiretwin.lavalink.javaio import decode_mutf8, encode_mutf8
from wiretwin.lavalink.tracks import (
    STREAM_LENGTH,
    LavaSrcFields,
    Track,
    TrackDecodeError,
    TrackInfo,
    decode_track,
    encode_track,
)

#: lavalink.py 5.11.1 ships no type information.
lavalink: Any = importlib.import_module("lavalink")

#: The example every Lavalink docs page uses (docs/api/rest.md, lavalink-devs/Lavalink):
#: produced by a real server, version 2, 145 bytes, nothing trailing.
DOCS_RICK = (
    "QAAAjQIAJVJpY2sgQXN0bGV5IC0gTmV2ZXIgR29ubmEgR2l2ZSBZb3UgVXAADlJpY2tBc3RsZXlWRVZPAAAA"
    "AAADPCAAC2RRdzR3OVdnWGNRAAEAK2h0dHBzOi8vd3d3LnlvdXR1YmUuY29tL3dhdGNoP3Y9ZFF3NHc5V2dY"
    "Y1EAB3lvdXR1YmUAAAAAAAAAAA=="
)


# -- building messages by hand --------------------------------------------------------


def _utf(data: bytes) -> bytes:
    return struct.pack(">H", len(data)) + data


def _s(text: str) -> bytes:
    return _utf(text.encode())


def _message(body: bytes, *, versioned: bool = True) -> str:
    header = (1 << 30 if versioned else 0) | len(body)
    return base64.b64encode(struct.pack(">i", header) + body).decode()


def _raw(encoded: str) -> bytes:
    return base64.b64decode(encoded)


def _track(**changes: Any) -> Track:
    info: dict[str, Any] = {"identifier": "abc123", "title": "A title", "author": "An author",
                            "length": 200_000, "source_name": "youtube",
                            "uri": "https://www.youtube.com/watch?v=abc123",
                            "artwork_url": "https://i.ytimg.com/vi/abc123/mq.jpg",
                            "isrc": None}
    extra = {k: changes.pop(k) for k in ("probe_info", "lavasrc") if k in changes}
    info.update(changes)
    return Track(TrackInfo(**info), **extra)


# -- the docs' example --------------------------------------------------------------


def test_the_docs_example_decodes_as_version_2() -> None:
    raw = _raw(DOCS_RICK)
    assert len(raw) == 145 and raw[:4] == bytes.fromhex("4000008d") and raw[4] == 2
    track = decode_track(DOCS_RICK)
    assert track.info == TrackInfo(
        "dQw4w9WgXcQ", "Rick Astley - Never Gonna Give You Up", "RickAstleyVEVO", 212000,
        "youtube", False, "https://www.youtube.com/watch?v=dQw4w9WgXcQ", None, None, 0)
    assert track.probe_info is None and track.lavasrc is None


def test_the_docs_example_reencodes_byte_exact_as_version_2() -> None:
    assert encode_track(decode_track(DOCS_RICK), version=2) == DOCS_RICK


def test_the_docs_example_as_version_3_differs_only_by_version_and_two_absent_fields() -> None:
    v3 = _raw(encode_track(decode_track(DOCS_RICK)))
    v2 = _raw(DOCS_RICK)
    assert v3[:4] == struct.pack(">i", 1 << 30 | 143) and v3[4] == 3
    # after uri: artworkUrl absent, isrc absent, then the same source and position
    uri_end = v2.rindex(b"youtube") - 2
    assert v3[5:uri_end] == v2[5:uri_end]
    assert v3[uri_end:] == b"\x00\x00" + v2[uri_end:]
    assert decode_track(encode_track(decode_track(DOCS_RICK))) == decode_track(DOCS_RICK)


def test_the_docs_example_json_matches_the_docs_apart_from_artwork() -> None:
    body = decode_track(DOCS_RICK).to_json()
    assert body == {
        "encoded": encode_track(decode_track(DOCS_RICK)),
        "info": {"identifier": "dQw4w9WgXcQ", "isSeekable": True, "author": "RickAstleyVEVO",
                 "length": 212000, "isStream": False, "position": 0,
                 "title": "Rick Astley - Never Gonna Give You Up",
                 "uri": "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "sourceName": "youtube",
                 "artworkUrl": None, "isrc": None},
        "pluginInfo": {}, "userData": {}}


# -- byte layout ----------------------------------------------------------------------


def test_version_3_layout_byte_for_byte() -> None:
    track = _track(title="T", author="A", length=0x0102, identifier="id", uri=None,
                   artwork_url="art", isrc="IS").at(0x0A0B)
    body = (b"\x03" + _s("T") + _s("A") + struct.pack(">q", 0x0102) + _s("id") + b"\x00"
            + b"\x00" + b"\x01" + _s("art") + b"\x01" + _s("IS") + _s("youtube")
            + struct.pack(">q", 0x0A0B))
    assert _raw(track.encoded) == struct.pack(">i", 0x40000000 | len(body)) + body
    assert track.encoded == encode_track(track, 3)


def test_http_and_local_tracks_carry_the_probe_string() -> None:
    for source, probe in (("http", "mp3"), ("local", "mpegts|aac"), ("http", "")):
        track = _track(source_name=source, probe_info=probe, artwork_url=None)
        raw = _raw(track.encoded)
        assert raw.endswith(_s(source) + _s(probe) + b"\x00" * 8)
        back = decode_track(track.encoded)
        assert back.probe_info == probe and back == track


def test_lavasrc_sources_carry_album_artist_and_preview_fields() -> None:
    extra = LavaSrcFields("Album", "https://a/album", None, "https://a/art", "https://a/pre",
                          True)
    track = _track(source_name="spotify", isrc="USUM71703861", lavasrc=extra)
    raw = _raw(track.encoded)
    tail = (_s("spotify") + b"\x01" + _s("Album") + b"\x01" + _s("https://a/album") + b"\x00"
            + b"\x01" + _s("https://a/art") + b"\x01" + _s("https://a/pre") + b"\x01"
            + b"\x00" * 8)
    assert raw.endswith(tail)
    back = decode_track(track.encoded)
    assert back.lavasrc == extra
    assert back.to_json()["pluginInfo"] == {
        "albumName": "Album", "albumUrl": "https://a/album", "artistUrl": None,
        "artistArtworkUrl": "https://a/art", "previewUrl": "https://a/pre", "isPreview": True}


def test_a_lavasrc_source_without_its_fields_is_written_with_empty_ones() -> None:
    track = _track(source_name="deezer")
    assert _raw(track.encoded).endswith(_s("deezer") + b"\x00" * 6 + b"\x00" * 8)
    assert decode_track(track.encoded).lavasrc == LavaSrcFields()


def test_a_lavasrc_track_with_only_the_position_left_has_no_fields() -> None:
    # lavalink.py (and older LavaSrc) writes nothing between the source and the position
    _, encoded = lavalink.encode_track({
        "title": "t", "author": "a", "length": 1, "identifier": "i", "isStream": False,
        "uri": "https://open.spotify.com/track/i", "sourceName": "spotify", "position": 7,
        "artworkUrl": None, "isrc": None})
    track = decode_track(encoded)
    assert track.lavasrc is None and track.info.position == 7
    assert track.to_json()["pluginInfo"] == {}


def test_streams_are_unseekable_and_report_long_max_value() -> None:
    track = _track(is_stream=True, length=STREAM_LENGTH, source_name="http",
                   probe_info="mpegts")
    back = decode_track(track.encoded)
    assert back.info.length == 2**63 - 1 and back.info.is_stream
    assert back.to_json()["info"]["isSeekable"] is False
    assert _raw(track.encoded)[4:].count(b"\x7f\xff\xff\xff\xff\xff\xff\xff") == 1


def test_the_position_is_part_of_the_encoding() -> None:
    track = _track()
    later = track.at(61_500)
    assert later.encoded != track.encoded
    assert _raw(later.encoded)[-8:] == struct.pack(">q", 61_500)
    assert decode_track(later.encoded).info.position == 61_500
    assert later.to_json()["info"]["position"] == 61_500


def test_user_data_is_json_only_never_encoded() -> None:
    track = _track()
    tagged = track.with_user_data({"requester": 42})
    assert tagged.encoded == track.encoded
    assert tagged.to_json()["userData"] == {"requester": 42}
    assert decode_track(tagged.encoded).user_data == {}


# -- modified UTF-8 --------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("abc", b"abc"),
    ("\x00", b"\xc0\x80"),
    ("a\x00b", b"a\xc0\x80b"),
    ("\x7f\x80", b"\x7f\xc2\x80"),
    ("é€", b"\xc3\xa9\xe2\x82\xac"),
    ("\u07ff\u0800\uffff", b"\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf"),
    ("😀", b"\xed\xa0\xbd\xed\xb8\x80"),
    ("\U0010ffff", b"\xed\xaf\xbf\xed\xbf\xbf"),
])
def test_modified_utf8(text: str, expected: bytes) -> None:
    assert encode_mutf8(text) == expected
    assert decode_mutf8(expected) == text


def test_plain_utf8_decodes_to_the_same_text() -> None:
    for text in ("😀 party 🎉", "\U0010ffff", "plain", "ünïcödé"):
        assert decode_mutf8(text.encode()) == text


def test_round_trip_keeps_nul_and_supplementary_characters() -> None:
    track = _track(title="nul\x00in title 🎵", author="𝄞 composer\x00",
                   identifier="id\x00😀", uri="https://x/😀", artwork_url="\x00",
                   isrc="é")
    raw = _raw(track.encoded)
    assert b"\xf0" not in raw  # no 4-byte sequences: Java's readUTF would refuse them
    assert raw.count(b"\xc0\x80") == 4
    assert decode_track(track.encoded) == track


def test_the_65535_byte_limit_counts_encoded_bytes() -> None:
    assert decode_track(_track(title="x" * 65535).encoded).info.title == "x" * 65535
    assert decode_track(_track(title="€" * 21845).encoded).info.title == "€" * 21845
    for too_long in ("x" * 65536, "€" * 21846, "\x00" * 32768, "😀" * 10923):
        with pytest.raises(ValueError, match="too long"):
            _track(title=too_long).encoded  # noqa: B018
    # the limit is per string, not per track
    big = _track(title="t" * 65535, author="a" * 65535, identifier="i" * 65535)
    assert len(_raw(big.encoded)) > 3 * 65535
    assert decode_track(big.encoded) == big


# -- versions 1 and 2, and plain UTF-8 -------------------------------------------------


def test_version_1_has_no_version_byte_and_no_uri() -> None:
    body = (_s("Old title") + _s("Old author") + struct.pack(">q", 5000) + _s("old-id")
            + b"\x00" + _s("soundcloud") + struct.pack(">q", 250))
    track = decode_track(_message(body, versioned=False))
    assert track.info == TrackInfo("old-id", "Old title", "Old author", 5000, "soundcloud",
                                   False, None, None, None, 250)


def test_a_versioned_message_of_version_1() -> None:
    body = (b"\x01" + _s("t") + _s("a") + struct.pack(">q", 1) + _s("i") + b"\x01"
            + _s("twitch") + struct.pack(">q", 0))
    track = decode_track(_message(body))
    assert track.info.is_stream and track.info.uri is None and track.info.source_name == "twitch"


def test_version_2_has_a_uri_and_no_artwork_or_isrc() -> None:
    body = (b"\x02" + _s("t") + _s("a") + struct.pack(">q", 1) + _s("i") + b"\x00"
            + b"\x01" + _s("https://u") + _s("bandcamp") + struct.pack(">q", 3))
    track = decode_track(_message(body))
    assert (track.info.uri, track.info.artwork_url, track.info.isrc) == ("https://u", None,
                                                                        None)
    assert encode_track(track, 2) == _message(body)


@pytest.mark.parametrize("version", [1, 2, 3])
def test_plain_utf8_strings_decode_in_every_version(version: int) -> None:
    title, author = "Emoji 🎶 title", "Ünïcode 😀"
    body = bytearray() if version == 1 else bytearray([version])
    body += _s(title) + _s(author) + struct.pack(">q", 9) + _s("id😀") + b"\x00"
    if version >= 2:
        body += b"\x01" + _s("https://x/🎶")
    if version >= 3:
        body += b"\x01" + _s("https://art/😀") + b"\x00"
    body += _s("youtube") + struct.pack(">q", 4)
    track = decode_track(_message(bytes(body), versioned=version > 1))
    assert (track.info.title, track.info.author, track.info.identifier) == (title, author,
                                                                            "id😀")
    assert track.info.uri == ("https://x/🎶" if version >= 2 else None)
    assert track.info.artwork_url == ("https://art/😀" if version >= 3 else None)
    assert track.info.position == 4


# -- lavalink.py, both directions ------------------------------------------------------


def _lavalink_py_dict(track: Track) -> dict[str, Any]:
    info = track.info
    return {"title": info.title, "author": info.author, "length": info.length,
            "identifier": info.identifier, "isStream": info.is_stream, "uri": info.uri,
            "sourceName": info.source_name, "position": info.position,
            "artworkUrl": info.artwork_url, "isrc": info.isrc}


@pytest.mark.parametrize("track", [
    _track(),
    _track(isrc="GBARL9300135", artwork_url=None).at(42_000),
    _track(title="Ça va — “quotes” ½", author="Мария", uri="https://ex.com/ü"),
    _track(is_stream=True, length=STREAM_LENGTH, source_name="twitch"),
], ids=["plain", "isrc", "bmp", "stream"])
def test_bmp_tracks_encode_byte_identical_to_lavalink_py(track: Track) -> None:
    version, theirs = lavalink.encode_track(_lavalink_py_dict(track))
    assert version == 3
    assert theirs == track.encoded


def test_lavalink_py_decodes_what_the_twin_encodes() -> None:
    track = _track(title="nul\x00 and 😀", author="𝄞", isrc="USX", artwork_url="https://a")
    theirs = lavalink.decode_track(track.at(1234).encoded)
    assert (theirs.title, theirs.author, theirs.identifier, theirs.duration) == (
        "nul\x00 and 😀", "𝄞", "abc123", 200_000)
    assert (theirs.uri, theirs.artwork_url, theirs.isrc) == (track.info.uri, "https://a",
                                                             "USX")
    assert theirs.extra["encoder_version"] == 3 and theirs.extra["position"] == 1234
    assert theirs.is_seekable is True and theirs.source_name == "youtube"


def test_lavalink_py_decodes_probe_and_lavasrc_fields_from_the_twin() -> None:
    http = lavalink.decode_track(_track(source_name="http", probe_info="mp3|x=1").encoded)
    assert http.extra["source_specific"] == {"probe_info": "mp3|x=1"}
    fields = LavaSrcFields("Alb", None, "https://ar", None, None, False)
    spotify = lavalink.decode_track(_track(source_name="spotify", lavasrc=fields).encoded)
    assert spotify.extra["source_specific"] == {
        "album_name": "Alb", "album_url": None, "artist_url": "https://ar",
        "artist_artwork_url": None, "preview_url": None, "is_preview": False}
    assert spotify.extra["position"] == 0


def test_the_twin_decodes_what_lavalink_py_encodes_in_plain_utf8() -> None:
    data = {"title": "Party 🎉🎉", "author": "DJ 😀", "length": 180_000,
            "identifier": "xyz", "isStream": False, "uri": "https://www.youtube.com/watch?v=xyz",
            "sourceName": "youtube", "position": 30_000, "artworkUrl": "https://art",
            "isrc": None}
    _, encoded = lavalink.encode_track(data)
    assert "🎉".encode() in _raw(encoded)  # 4-byte UTF-8, not surrogate pairs
    track = decode_track(encoded)
    assert (track.info.title, track.info.author, track.info.position) == (
        "Party 🎉🎉", "DJ 😀", 30_000)
    # re-encoded the Java way: longer (6 bytes per emoji), same content
    assert len(_raw(track.encoded)) == len(_raw(encoded)) + 3 * 2
    assert decode_track(track.encoded) == track
    assert lavalink.decode_track(track.encoded).title == "Party 🎉🎉"


def test_the_twin_decodes_lavalink_py_version_2() -> None:
    data = {"title": "Two", "author": "V", "length": 1, "identifier": "i", "isStream": False,
            "uri": None, "sourceName": "soundcloud", "position": 0}
    version, encoded = lavalink.encode_track(data)
    assert version == 2
    track = decode_track(encoded)
    assert track.info == TrackInfo("i", "Two", "V", 1, "soundcloud")
    assert encode_track(track, 2) == encoded


def test_lavalink_py_reads_the_docs_example_like_the_twin() -> None:
    theirs = lavalink.decode_track(DOCS_RICK)
    ours = decode_track(DOCS_RICK)
    assert theirs.extra["encoder_version"] == 2
    assert (theirs.title, theirs.author, theirs.duration, theirs.identifier, theirs.uri) == (
        ours.title, ours.author, ours.length, ours.identifier, ours.uri)


# -- what is ignored, what is refused --------------------------------------------------


def test_unknown_bytes_inside_the_body_are_skipped() -> None:
    raw = _raw(_track().encoded)
    body = raw[4:] + b"future fields"
    padded = struct.pack(">i", 1 << 30 | len(body)) + body
    assert decode_track(base64.b64encode(padded).decode()) == _track()


def test_bytes_after_the_message_are_ignored() -> None:
    raw = _raw(DOCS_RICK) + b"\x00\x00\x00\x00junk"
    assert decode_track(base64.b64encode(raw).decode()) == decode_track(DOCS_RICK)


def test_known_sources_refuse_a_track_from_an_unknown_source() -> None:
    encoded = _track(source_name="tidal-ish").encoded
    assert decode_track(encoded).info.source_name == "tidal-ish"
    with pytest.raises(TrackDecodeError, match="no source manager for 'tidal-ish'"):
        decode_track(encoded, frozenset({"youtube"}))
    assert decode_track(DOCS_RICK, frozenset({"youtube"})).identifier == "dQw4w9WgXcQ"


def _truncated(cut: int) -> str:
    raw = _raw(DOCS_RICK)
    return base64.b64encode(raw[:cut]).decode()


@pytest.mark.parametrize(("encoded", "message"), [
    ("not base64!", "not base64"),
    ("QAAAjQIAJVJp?", "not base64"),
    (DOCS_RICK.rstrip("="), "not base64"),
    ("", "too short"),
    ("QAAA", "too short"),
    (_truncated(100), "ends too early"),
    (_message(b""), "ends too early"),
    (_message(b"\x03" + _s("t")), "ends too early"),
    (_message(b"\x03\x00\x05ab"), "ends too early"),
    (_message(b"\x04" + b"\x00" * 40), "unsupported track version 4"),
    (_message(b"\x00" + b"\x00" * 40), "unsupported track version 0"),
    (_message(b"\x03" + _utf(b"\x80") + b"\x00" * 40), "malformed"),
    (_message(b"\x03" + _utf(b"\xff") + b"\x00" * 40), "malformed"),
    (_message(b"\x03" + _utf(b"\xe2\x82") + b"\x00" * 40), "malformed"),
    (_message(b"\x03" + _utf(b"ok\xc3") + b"\x00" * 40), "malformed"),
    (_message(b"\x03" + _utf(b"\xc3\x28") + b"\x00" * 40), "malformed"),
    (_message(b"\x03" + _utf(b"\xe2\x28\xa1") + b"\x00" * 40), "malformed"),
], ids=["junk", "bad-char", "unpadded", "empty", "header-only", "cut", "no-body",
        "no-author", "short-string", "v4", "v0", "continuation-lead", "ff", "cut-3-byte",
        "cut-2-byte", "bad-continuation", "bad-continuation-3"])
def test_malformed_tracks_raise_track_decode_error(encoded: str, message: str) -> None:
    with pytest.raises(TrackDecodeError, match=message):
        decode_track(encoded)


def test_a_size_beyond_the_data_is_refused() -> None:
    raw = bytearray(_raw(DOCS_RICK))
    raw[3] += 1
    with pytest.raises(TrackDecodeError, match="ends too early"):
        decode_track(base64.b64encode(bytes(raw)).decode())


def test_track_decode_error_is_a_value_error() -> None:
    assert issubclass(TrackDecodeError, ValueError)

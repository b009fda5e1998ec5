"""The mock catalogue: every load type, real encodings, the same answers for the same seed."""

from __future__ import annotations

import pytest

from wiretwin.lavalink.catalogue import (
    DEFAULT_SEARCH_RESULTS,
    SEARCH_PREFIXES,
    Catalogue,
    LoadResult,
    Playlist,
    default_catalogue,
)
from wiretwin.lavalink.tracks import STREAM_LENGTH, Track, TrackInfo, decode_track

RICK = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"


def _encoded(result: LoadResult) -> list[str]:
    if result.load_type == "track":
        return [result.data.encoded]
    if result.load_type == "playlist":
        return [t.encoded for t in result.data.tracks]
    return [t.encoded for t in result.data]


# -- load types -----------------------------------------------------------------------


def test_a_track_loads_by_identifier_and_by_uri() -> None:
    cat = default_catalogue()
    by_id, by_uri = cat.load("dQw4w9WgXcQ"), cat.load(RICK)
    assert by_id.load_type == by_uri.load_type == "track"
    assert by_id.data is by_uri.data
    body = by_id.to_json(stack_trace=True)
    assert body["loadType"] == "track"
    assert body["data"]["info"]["title"] == "Rick Astley - Never Gonna Give You Up"
    assert body["data"]["info"]["artworkUrl"] == (
        "https://i.ytimg.com/vi/dQw4w9WgXcQ/maxresdefault.jpg")
    assert body["data"]["pluginInfo"] == {} and body["data"]["userData"] == {}
    assert decode_track(body["data"]["encoded"]) == by_id.data


def test_a_playlist_url_loads_the_playlist_without_a_selected_track() -> None:
    cat = default_catalogue()
    (url, playlist), = cat.playlists.items()
    result = cat.load(url)
    assert result.load_type == "playlist"
    body = result.to_json(stack_trace=False)
    assert body["data"]["info"] == {"name": "wiretwin mix", "selectedTrack": -1}
    assert body["data"]["pluginInfo"] == {}
    assert [t["encoded"] for t in body["data"]["tracks"]] == [t.encoded for t in
                                                              playlist.tracks]
    assert len(playlist.tracks) == 5


def test_a_playlist_url_naming_one_of_its_tracks_selects_it() -> None:
    cat = default_catalogue()
    (url, playlist), = cat.playlists.items()
    third = playlist.tracks[2].identifier
    result = cat.load(f"{url}&v={third}")
    assert result.load_type == "playlist" and result.data.selected_track == 2
    assert cat.load(f"{url}&v=notInThisList").data.selected_track == -1
    # the registered playlist itself is not changed by a selection
    assert cat.playlists[url].selected_track == -1


def test_every_search_prefix_answers_with_tracks_of_its_source() -> None:
    cat = Catalogue(seed=3)
    for prefix, source in SEARCH_PREFIXES.items():
        result = cat.load(f"{prefix}:night drive")
        assert result.load_type == "search", prefix
        assert len(result.data) == DEFAULT_SEARCH_RESULTS
        assert {t.info.source_name for t in result.data} == {source}
        body = result.to_json(stack_trace=False)
        assert isinstance(body["data"], list) and body["data"][0]["encoded"]


def test_search_results_become_loadable_tracks() -> None:
    cat = Catalogue()
    found = cat.load("ytsearch:lofi").data
    again = cat.load(found[0].uri)
    assert again.load_type == "track" and again.data == found[0]


def test_lavasrc_searches_carry_isrc_and_plugin_info() -> None:
    track = Catalogue().load("spsearch:song").data[0]
    assert track.info.isrc is not None and track.lavasrc is not None
    assert track.to_json()["pluginInfo"]["albumName"] == f"{track.title} (Single)"
    assert decode_track(track.encoded).lavasrc == track.lavasrc


def test_registered_searches_win_and_an_empty_registration_is_empty() -> None:
    cat = Catalogue()
    mine = [cat.make_track("Mine", "Me", 1000, key="mine")]
    cat.add_search("mine", mine)
    cat.add_search("nothing", [], prefix="scsearch")
    assert cat.load("ytsearch:mine").data == mine
    assert cat.load("scsearch:nothing").to_json(stack_trace=False) == {"loadType": "empty",
                                                                       "data": None}
    # the same query under another prefix is generated, not registered
    assert cat.load("ytmsearch:mine").data != mine


@pytest.mark.parametrize("identifier", ["ytsearch:", "ytsearch:   ", "nothing here",
                                        "https://example.com/unknown.mp3", "unknownsearch:x"])
def test_unknown_identifiers_and_blank_searches_are_empty_with_null_data(identifier: str
                                                                          ) -> None:
    result = default_catalogue().load(identifier)
    assert result.to_json(stack_trace=True) == {"loadType": "empty", "data": None}


def test_failures_are_error_results_with_the_exception_object() -> None:
    cat = default_catalogue()
    cat.add_failure("ytsearch:broken", "Something went wrong", "fault")
    old = cat.load("https://www.youtube.com/watch?v=unavailable0").to_json(stack_trace=False)
    assert old == {"loadType": "error", "data": {
        "message": "This video is unavailable", "severity": "common",
        "cause": "com.sedmelluq.discord.lavaplayer.tools.FriendlyException"}}
    new = cat.load("ytsearch:broken").to_json(stack_trace=True)
    assert new["data"]["severity"] == "fault"
    assert new["data"]["causeStackTrace"].startswith(
        "com.sedmelluq.discord.lavaplayer.tools.FriendlyException: Something went wrong")


def test_playlists_added_make_their_tracks_loadable() -> None:
    cat = Catalogue()
    playlist = cat.add_playlist(cat.make_playlist("road trip", 3))
    assert isinstance(playlist, Playlist)
    for track in playlist.tracks:
        assert cat.load(track.identifier).data == track
    assert playlist.url.startswith("https://www.youtube.com/playlist?list=PL")
    assert cat.load(playlist.url).load_type == "playlist"


# -- made tracks ----------------------------------------------------------------------


@pytest.mark.parametrize("source", ["youtube", "soundcloud", "http", "spotify",
                                    "applemusic", "deezer", "bandcamp"])
def test_made_tracks_decode_back_to_themselves(source: str) -> None:
    cat = Catalogue(seed=11)
    track = cat.make_track(source=source, key=source)
    assert decode_track(track.encoded) == track
    assert track.info.source_name == source
    assert 90_000 <= track.length < 420_000
    assert track.length % 1000 == 0
    assert (track.probe_info == "mp3") == (source == "http")


def test_given_fields_are_kept_and_streams_have_long_max_length() -> None:
    cat = Catalogue()
    track = cat.make_track("Title", "Author", 12_345)
    assert (track.title, track.author, track.length) == ("Title", "Author", 12_345)
    stream = cat.make_track("Radio", source="http", is_stream=True)
    assert stream.length == STREAM_LENGTH and stream.info.is_stream
    assert stream.probe_info == "mpegts"
    assert stream.to_json()["info"]["isSeekable"] is False


def test_default_catalogue_has_the_docs_track_a_stream_a_playlist_and_a_failure() -> None:
    cat = default_catalogue()
    rick = cat.load("dQw4w9WgXcQ").data
    assert rick.info == TrackInfo("dQw4w9WgXcQ", "Rick Astley - Never Gonna Give You Up",
                                  "RickAstleyVEVO", 212000, "youtube", uri=RICK,
                                  artwork_url="https://i.ytimg.com/vi/dQw4w9WgXcQ/"
                                              "maxresdefault.jpg")
    streams = [t for t in cat.tracks.values() if t.info.is_stream]
    assert streams and streams[0].info.source_name == "http"
    assert len(cat.playlists) == 1 and len(cat.failures) == 1


# -- determinism ----------------------------------------------------------------------


def test_the_same_seed_gives_the_same_answers() -> None:
    queries = ["ytsearch:a", "scsearch:b", "spsearch:c", "ytsearch:a"]
    first = [_encoded(default_catalogue(5).load(q)) for q in queries]
    second = [_encoded(default_catalogue(5).load(q)) for q in queries]
    assert first == second
    assert first[0] == first[3]  # asked twice, answered the same
    assert _encoded(default_catalogue(5).load(next(iter(default_catalogue(5).playlists)))) \
        == _encoded(default_catalogue(5).load(next(iter(default_catalogue(5).playlists))))


def test_another_seed_gives_other_answers() -> None:
    a = _encoded(Catalogue(seed=1).load("ytsearch:same query"))
    b = _encoded(Catalogue(seed=2).load("ytsearch:same query"))
    assert a != b
    assert next(iter(default_catalogue(1).playlists)) != next(iter(default_catalogue(2)
                                                                   .playlists))


def test_different_queries_and_prefixes_give_different_results() -> None:
    cat = Catalogue()
    a = _encoded(cat.load("ytsearch:one"))
    b = _encoded(cat.load("ytsearch:two"))
    c = _encoded(cat.load("ytmsearch:one"))
    assert len({*a, *b, *c}) == 3 * DEFAULT_SEARCH_RESULTS


def test_results_per_search_and_explicit_counts() -> None:
    cat = Catalogue(results_per_search=2)
    assert len(cat.load("ytsearch:x").data) == 2
    results = cat.search_results("scsearch", "y", 7)
    assert len(results) == 7 and len({t.identifier for t in results}) == 7
    assert cat.search_results("scsearch", "y", 7) == results


def test_a_generated_track_does_not_depend_on_global_randomness() -> None:
    import random

    random.seed(1)
    a = Catalogue(seed=9).make_track(key="k")
    random.seed(2)
    b = Catalogue(seed=9).make_track(key="k")
    assert a == b and isinstance(a, Track)


# -- bounded growth -------------------------------------------------------------------


def test_generated_searches_are_bounded_least_recently_used_first() -> None:
    cat = default_catalogue(0)
    cat.max_generated = 3
    registered = len(cat.tracks)
    first = cat.load("ytsearch:first").data
    for query in ("second", "third"):
        cat.load(f"ytsearch:{query}")
    cat.load(first[0].identifier)  # loading a result's track is a use of its search
    for i in range(50):
        cat.load(f"scsearch:flood {i}")
    assert cat.generated == 3 and len(cat.tracks) == registered  # nothing kept for good
    assert cat.load("ytsearch:second").data[0].title  # evicted: generated again...
    assert cat.generated == 3
    # ... the same tracks, since they come from the seed and the query
    assert _encoded(cat.load("ytsearch:first")) == [t.encoded for t in first]


def test_an_evicted_results_uri_loads_again_once_searched_again() -> None:
    cat = default_catalogue(0)
    cat.max_generated = 1
    track = cat.load("ytsearch:keep").data[0]
    assert track.uri is not None and cat.load(track.uri).data == track
    cat.load("ytsearch:other")
    assert cat.load(track.uri).load_type == "empty"
    cat.load("ytsearch:keep")
    assert cat.load(track.identifier).data == track


def test_registered_searches_and_tracks_are_never_evicted() -> None:
    cat = default_catalogue(0)
    cat.max_generated = 0
    results = cat.search_results("ytsearch", "mine", 2)
    cat.add_search("mine", results)
    cat.load("ytsearch:anything")
    assert cat.generated == 0
    assert cat.load("ytsearch:mine").data == results
    assert cat.load(results[0].identifier).data == results[0]


def test_a_track_too_long_to_encode_is_refused_when_added() -> None:
    from wiretwin.lavalink.tracks import TrackEncodeError

    cat = Catalogue(0)
    with pytest.raises(TrackEncodeError, match=r"too long: 70000 bytes"):
        cat.add(cat.make_track("x" * 70_000, "a"))

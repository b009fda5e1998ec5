"""The mock track catalogue: what ``/v4/loadtracks`` finds, deterministically.

Tracks are real: each has a byte-exact ``encoded`` form that decodes back to it, here and
in any client. The catalogue answers an identifier the way Lavalink's source managers do:

* a registered identifier or URL → ``track`` (or ``playlist`` for a playlist URL, with
  ``selectedTrack`` when the URL names one of its tracks);
* ``ytsearch:``, ``ytmsearch:``, ``scsearch:`` and plugin prefixes (``spsearch:``,
  ``amsearch:``, ``dzsearch:``) → ``search``: the results registered for that query, or
  results generated from the query and the twin's seed (the same query, the same results);
  a generated result's tracks load by identifier and URI too;
* an identifier registered as failing → ``error`` with its message and severity;
* anything else → ``empty``.

Generated titles, authors, ids and lengths come from a generator seeded by the twin's
seed and the query, never from global randomness.

Memory: what tests register stays for good, but generated searches are kept in a
least-recently-used map of ``max_generated`` queries (each a few tracks), so a client
searching for ever new things cannot grow the catalogue without bound. An evicted query
generates the same tracks again when searched; a player keeps the track it plays (it
holds the track itself), only loading an evicted result's URI finds nothing until its
query is searched again.
"""

from __future__ import annotations

import hashlib
import random
import string
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from .tracks import STREAM_LENGTH, LavaSrcFields, Track, TrackInfo
from .wire import serialize

#: Search prefix -> the source that answers it.
SEARCH_PREFIXES: dict[str, str] = {
    "ytsearch": "youtube",
    "ytmsearch": "youtube",
    "scsearch": "soundcloud",
    "spsearch": "spotify",
    "amsearch": "applemusic",
    "dzsearch": "deezer",
}
#: Source managers the twin reports in ``/v4/info`` (and can decode tracks of).
SOURCE_MANAGERS = ("youtube", "soundcloud", "bandcamp", "twitch", "vimeo", "nico", "http",
                   "local", "spotify", "applemusic", "deezer")
DEFAULT_SEARCH_RESULTS = 5
#: Generated searches kept (about 5 tracks, ~2 KB each).
DEFAULT_MAX_GENERATED = 1000

_WORDS = ("Midnight", "Echo", "River", "Neon", "Golden", "Paper", "Silent", "Electric",
          "Summer", "Velvet", "Ghost", "Ocean", "Static", "Wild", "Crystal", "Broken",
          "Satellite", "Honey", "Thunder", "Lantern", "Glass", "Orbit", "Wander", "Ember")
_NAMES = ("The Lanterns", "Nova Reyes", "Kite Theory", "Mara Lind", "Pale Harbor",
          "Juno & The Owls", "Atlas Grey", "Luma", "Rowan Vale", "Static Choir")


@dataclass(frozen=True)
class Playlist:
    name: str
    tracks: tuple[Track, ...]
    url: str
    selected_track: int = -1


@dataclass(frozen=True)
class LoadFailure:
    message: str
    severity: str = "common"
    cause: str = "com.sedmelluq.discord.lavaplayer.tools.FriendlyException"


@dataclass
class LoadResult:
    load_type: str
    data: Any = None

    def to_json(self, *, stack_trace: bool) -> dict[str, Any]:
        """The result's JSON: :func:`.wire.serialize.load_result_body`."""
        return serialize.load_result_body(self, stack_trace=stack_trace)


@dataclass
class Catalogue:
    seed: int = 0
    tracks: dict[str, Track] = field(default_factory=dict)
    playlists: dict[str, Playlist] = field(default_factory=dict)
    searches: dict[str, list[Track]] = field(default_factory=dict)
    failures: dict[str, LoadFailure] = field(default_factory=dict)
    results_per_search: int = DEFAULT_SEARCH_RESULTS
    #: Generated searches kept, least recently used evicted first.
    max_generated: int = DEFAULT_MAX_GENERATED
    #: ``prefix:query`` -> its generated results, oldest use first.
    _generated: OrderedDict[str, list[Track]] = field(default_factory=OrderedDict,
                                                      repr=False)
    #: A generated track's identifier and URI -> the query that made it.
    _generated_by: dict[str, str] = field(default_factory=dict, repr=False)

    def _rng(self, *parts: object) -> random.Random:
        digest = hashlib.sha256(repr((self.seed, *parts)).encode()).digest()
        return random.Random(int.from_bytes(digest[:8], "big"))

    # -- adding -----------------------------------------------------------------------

    def add(self, track: Track) -> Track:
        """Make ``track`` loadable by its identifier and its URI (it must encode: no
        string over 65,535 bytes, else :class:`~.tracks.TrackEncodeError`)."""
        track.encoded  # noqa: B018 - refuse now what no answer could carry later
        self.tracks[track.identifier] = track
        if track.uri:
            self.tracks[track.uri] = track
        return track

    def add_playlist(self, playlist: Playlist) -> Playlist:
        self.playlists[playlist.url] = playlist
        for track in playlist.tracks:
            self.add(track)
        return playlist

    def add_search(self, query: str, tracks: list[Track], prefix: str = "ytsearch") -> None:
        """Results for ``prefix:query`` (an empty list makes that search ``empty``)."""
        self.searches[f"{prefix}:{query}"] = list(tracks)
        for track in tracks:
            self.add(track)

    def add_failure(self, identifier: str, message: str, severity: str = "common") -> None:
        self.failures[identifier] = LoadFailure(message, severity)

    # -- making -----------------------------------------------------------------------

    def make_track(self, title: str | None = None, author: str | None = None,
                   length: int | None = None, *, source: str = "youtube",
                   is_stream: bool = False, key: object = None) -> Track:
        """A realistic track (not yet added); missing fields are generated, seeded."""
        rng = self._rng("track", key if key is not None else (title, author, length, source,
                                                              len(self.tracks)))
        title = title or f"{rng.choice(_WORDS)} {rng.choice(_WORDS)}"
        author = author or rng.choice(_NAMES)
        if is_stream:
            length = STREAM_LENGTH
        elif length is None:
            length = rng.randrange(90_000, 420_000, 1000)
        alphabet = string.ascii_letters + string.digits + "-_"
        if source == "youtube":
            ident = "".join(rng.choice(alphabet) for _ in range(11))
            uri = f"https://www.youtube.com/watch?v={ident}"
            art: str | None = f"https://i.ytimg.com/vi/{ident}/maxresdefault.jpg"
        elif source == "soundcloud":
            slug = title.lower().replace(" ", "-")
            number = rng.randrange(10**8, 10**9)
            ident = (f"O:https://api-v2.soundcloud.com/media/soundcloud:tracks:{number}"
                     "/x/stream/progressive")
            uri = f"https://soundcloud.com/{author.lower().replace(' ', '-')}/{slug}"
            art = None
        elif source == "http":
            ident = uri = f"https://radio.example/{title.lower().replace(' ', '-')}.mp3"
            art = None
        else:
            ident = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(22))
            uri = f"https://open.spotify.com/track/{ident}" if source == "spotify" else (
                f"https://{source}.example/track/{ident}")
            art = f"https://i.scdn.co/image/{ident}"
        isrc = f"US{rng.choice(['A1', 'UM', 'SM'])}{rng.randrange(10**7, 10**8)}" if (
            source in ("spotify", "applemusic", "deezer")) else None
        info = TrackInfo(ident, title, author, length, source, is_stream, uri, art, isrc)
        lavasrc = LavaSrcFields(album_name=f"{title} (Single)",
                                artist_url=f"https://open.spotify.com/artist/{ident[:10]}"
                                ) if source in ("spotify", "applemusic", "deezer") else None
        probe = ("mpegts" if is_stream else "mp3") if source == "http" else None
        return Track(info, probe, lavasrc)

    def make_playlist(self, name: str, count: int, *, source: str = "youtube") -> Playlist:
        rng = self._rng("playlist", name, count)
        tracks = tuple(self.make_track(source=source, key=("playlist", name, i))
                       for i in range(count))
        list_id = "PL" + "".join(rng.choice(string.ascii_letters + string.digits)
                                 for _ in range(32))
        return Playlist(name, tracks, f"https://www.youtube.com/playlist?list={list_id}")

    def search_results(self, prefix: str, query: str, count: int | None = None
                       ) -> list[Track]:
        source = SEARCH_PREFIXES[prefix]
        return [self.make_track(source=source, key=("search", prefix, query, i))
                for i in range(self.results_per_search if count is None else count)]

    # -- loading ----------------------------------------------------------------------

    def load(self, identifier: str) -> LoadResult:
        if identifier in self.failures:
            return LoadResult("error", self.failures[identifier])
        prefix, sep, query = identifier.partition(":")
        if sep and prefix in SEARCH_PREFIXES:
            if identifier in self.searches:
                found = self.searches[identifier]
                return LoadResult("search", found) if found else LoadResult("empty")
            if not query.strip():
                return LoadResult("empty")
            return LoadResult("search", self._generate(prefix, query))
        if identifier in self.tracks:
            return LoadResult("track", self.tracks[identifier])
        generated = self._generated_track(identifier)
        if generated is not None:
            return LoadResult("track", generated)
        base, _, params = identifier.partition("&")
        for url, playlist in self.playlists.items():
            if identifier == url or base == url or identifier.startswith(url + "&"):
                selected = _selected(playlist, params)
                return LoadResult("playlist", Playlist(playlist.name, playlist.tracks,
                                                       playlist.url, selected))
        return LoadResult("empty")


    # -- generated results, bounded ------------------------------------------------

    @property
    def generated(self) -> int:
        """How many generated searches the catalogue holds now."""
        return len(self._generated)

    def _generate(self, prefix: str, query: str) -> list[Track]:
        key = f"{prefix}:{query}"
        found = self._generated.get(key)
        if found is not None:
            self._generated.move_to_end(key)
            return found
        results = self.search_results(prefix, query)
        self._generated[key] = results
        for track in results:
            for name in (track.identifier, track.uri):
                if name:
                    self._generated_by[name] = key
        while len(self._generated) > max(0, self.max_generated):
            self._evict()
        return results

    def _evict(self) -> None:
        key, tracks = self._generated.popitem(last=False)
        for track in tracks:
            for name in (track.identifier, track.uri):
                if name and self._generated_by.get(name) == key:
                    del self._generated_by[name]

    def _generated_track(self, identifier: str) -> Track | None:
        key = self._generated_by.get(identifier)
        if key is None:
            return None
        self._generated.move_to_end(key)
        return next(t for t in self._generated[key] if identifier in (t.identifier, t.uri))

    def forget_generated(self) -> None:
        self._generated.clear()
        self._generated_by.clear()


def _selected(playlist: Playlist, params: str) -> int:
    for part in params.split("&"):
        key, _, value = part.partition("=")
        if key == "v":
            for index, track in enumerate(playlist.tracks):
                if track.identifier == value:
                    return index
    return -1


def default_catalogue(seed: int = 0) -> Catalogue:
    """A few well-known entries every twin starts with (the docs' examples)."""
    cat = Catalogue(seed)
    cat.add(Track(TrackInfo(
        "dQw4w9WgXcQ", "Rick Astley - Never Gonna Give You Up", "RickAstleyVEVO", 212000,
        "youtube", uri="https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        artwork_url="https://i.ytimg.com/vi/dQw4w9WgXcQ/maxresdefault.jpg")))
    cat.add(cat.make_track("Lofi Radio 24/7", "Lofi Station", source="http", is_stream=True,
                           key="default-stream"))
    cat.add_playlist(cat.make_playlist("wiretwin mix", 5))
    cat.add_failure("https://www.youtube.com/watch?v=unavailable0",
                    "This video is unavailable", "common")
    return cat


__all__ = [
    "DEFAULT_MAX_GENERATED",
    "DEFAULT_SEARCH_RESULTS",
    "SEARCH_PREFIXES",
    "SOURCE_MANAGERS",
    "Catalogue",
    "LoadFailure",
    "LoadResult",
    "Playlist",
    "default_catalogue",
]

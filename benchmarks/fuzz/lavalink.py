"""Fuzzing the Lavalink twin: the v4 REST API and the websocket handshake.

Valid traffic: ``GET /version``, ``/v4/info``, ``/v4/stats``, ``/v4/loadtracks``,
``/v4/decodetrack``, ``POST /v4/decodetracks``, ``GET/PATCH/DELETE
/v4/sessions/{id}/players/{guild}`` (tracks by ``encoded`` and by ``identifier``, the
deprecated top-level fields, voice, volume, paused, position, endTime, filters,
``noReplace``), ``PATCH /v4/sessions/{id}``, the route planner; every request with
``Authorization: youshallnotpass``. Encoded tracks come from the twin's own catalogue
(``ytsearch:lofi`` at set-up).

Lavalink v4 takes no websocket messages, so websocket inputs are mostly about the
handshake (``User-Id``, ``Session-Id`` resumes, ``Client-Name``) and about frames the
node must ignore. ``session`` is a socket past its ``ready`` frame; ``@@SESSION@@`` in a
request is that session's id, ``@@GONE@@`` one whose socket closed (not resumable) and
``@@PAUSED@@`` one that was made resumable before its socket closed. The probe after a
websocket input is a websocket ping on the same socket and ``GET /v4/info``. The
well-behaved client is a session with a playing player that must still answer and
still get its ``playerUpdate``.
"""

from __future__ import annotations

import json
import random
from typing import Any
from urllib.parse import quote

from . import garbage, jsonish
from .base import TIMEOUT, TwinFuzzer
from .cases import Case, Frame, HttpCase, StallCase, WsCase
from .mutators import mutate_case
from .transport import TransportSpec, transport_case
from .wsclient import WsConn

_GUILDS = ("1", "2", "123456789012345678", "42")
_IDENTIFIERS = ("ytsearch:lofi", "scsearch:x", "ytmsearch:é", "spsearch:a",
                "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "dQw4w9WgXcQ", "",
                "https://example.com/a.mp3", "ytsearch:", "http://", "local:x")
_FILTERS: dict[str, Any] = {
    "volume": 1.0, "equalizer": [{"band": 0, "gain": 0.2}],
    "karaoke": {"level": 1.0, "monoLevel": 1.0, "filterBand": 220.0, "filterWidth": 100.0},
    "timescale": {"speed": 1.2, "pitch": 1.0, "rate": 1.0},
    "tremolo": {"frequency": 2.0, "depth": 0.5}, "vibrato": {"frequency": 2.0, "depth": 0.5},
    "rotation": {"rotationHz": 0.2},
    "distortion": {"sinOffset": 0.0, "sinScale": 1.0, "cosOffset": 0.0, "cosScale": 1.0,
                   "tanOffset": 0.0, "tanScale": 1.0, "offset": 0.0, "scale": 1.0},
    "channelMix": {"leftToLeft": 1.0, "leftToRight": 0.0, "rightToLeft": 0.0,
                   "rightToRight": 1.0},
    "lowPass": {"smoothing": 20.0}, "pluginFilters": {"x": {"y": 1}},
}
_VOICE = {"token": "tok", "endpoint": "us-east1.discord.media:443", "sessionId": "abc",
          "channelId": "987654321"}


class LavalinkFuzzer(TwinFuzzer):
    name = "lavalink"
    auth_header = "Authorization"
    states = {
        "session": "/v4/websocket with Authorization: youshallnotpass, User-Id: 1234, "
                   "Client-Name: wiretwin-fuzz/1.0, after its ready frame",
        "fresh": "a new socket on the case's target and headers",
    }

    route_table = (
        ("GET", "/version"), ("GET", "/v4/info"), ("GET", "/v4/stats"),
        ("GET", "/v4/loadtracks"), ("GET", "/v4/decodetrack"), ("POST", "/v4/decodetracks"),
        ("GET", "/v4/sessions/{session}/players"),
        ("GET", "/v4/sessions/{session}/players/{guild}"),
        ("PATCH", "/v4/sessions/{session}/players/{guild}"),
        ("DELETE", "/v4/sessions/{session}/players/{guild}"),
        ("PATCH", "/v4/sessions/{session}"), ("GET", "/v4/routeplanner/status"),
        ("POST", "/v4/routeplanner/free/address"), ("POST", "/v4/routeplanner/free/all"),
        ("GET", "/"), ("GET", "/v3/websocket"), ("GET", "/v4/websocket"),
    )

    def __init__(self, settings: dict[str, Any], rng: random.Random) -> None:
        super().__init__(settings, rng)
        self.auth_value = settings["password"]
        self.headers = [("Authorization", self.auth_value)]
        self.ws_headers = [("Authorization", self.auth_value), ("User-Id", "1234"),
                           ("Client-Name", "wiretwin-fuzz/1.0")]
        self.tracks: list[str] = []
        self.gone = "0000000000000000"
        self.paused = "0000000000000001"
        self.checks = 0

    # -- set-up -----------------------------------------------------------------------------

    async def setup(self) -> None:
        response = await self.http.request(
            HttpCase("GET", "/v4/loadtracks?identifier=ytsearch:lofi", self.headers)
            .raw(self.http.authority))
        data = json.loads(response.body)["data"]
        self.tracks = [t["encoded"] for t in data][:5]
        # A session whose socket is gone, and one that was made resumable first.
        for resumable in (False, True):
            conn = await self.connect("/v4/websocket", self.ws_headers)
            if conn is None:
                raise RuntimeError("the Lavalink twin refused the websocket")
            session = await self._ready(conn)
            if resumable:
                body = b'{"resuming":true,"timeout":600}'
                await self.http.request(HttpCase(
                    "PATCH", f"/v4/sessions/{session}",
                    [*self.headers, ("Content-Type", "application/json")], body)
                    .raw(self.http.authority))
                self.paused = session
            else:
                self.gone = session
            await conn.close()
        self.live.clear()

    @staticmethod
    async def _ready(conn: WsConn) -> str:
        """The session id of a new socket, once its ready frame came."""
        await conn.wait(lambda: "session" in conn.info, TIMEOUT)
        return str(conn.info["session"])

    # -- rendering ----------------------------------------------------------------------------

    def _session(self) -> str:
        conn = self.pool.get("session")
        return str(conn.info.get("session", "none")) if conn is not None else "none"

    def _fill(self, text: str) -> str:
        stalled = self.stalled.info.get("session", "none") if self.stalled else "none"
        return (text.replace("@@SESSION@@", self._session()).replace("@@GONE@@", self.gone)
                .replace("@@PAUSED@@", self.paused).replace("@@STALL@@", str(stalled)))

    async def prepare_http(self, case: HttpCase) -> None:
        if "@@SESSION@@" in case.target or "@@STALL@@" in case.target:
            conn = self.pool.get("session")
            if conn is None or not conn.open:
                await self.socket_for(WsCase([], "session"))

    def render_http(self, case: HttpCase) -> HttpCase:
        if "@@" not in case.target:
            return case
        return case.filled(self._fill(case.target))

    def render_upgrade(self, target: str, headers: list[tuple[str, str]]
                       ) -> tuple[str, list[tuple[str, str]]]:
        return target, [(k, self._fill(v)) for k, v in headers]

    # -- sockets ------------------------------------------------------------------------------

    def count(self, conn: WsConn, message: Any) -> None:
        if not isinstance(message, dict):
            return
        op = message.get("op")
        conn.counts[str(op)] += 1
        if op == "ready" and isinstance(message.get("sessionId"), str):
            conn.info["session"] = message["sessionId"]
        elif op == "playerUpdate":
            conn.counts["playerUpdate:" + str(message.get("guildId"))] += 1

    async def open_state(self, state: str, *, rcvbuf: int | None = None) -> WsConn | None:
        conn = await self.connect("/v4/websocket", self.ws_headers, rcvbuf=rcvbuf)
        if conn is None:
            return None
        try:
            await conn.wait(lambda: "session" in conn.info, TIMEOUT)
        except TimeoutError:
            self.issue("hang", "no ready frame within 5 s")
            conn.abort()
            return None
        return conn

    async def probe(self, conn: WsConn, case: WsCase | None = None) -> None:
        await super().probe(conn, case)
        await self.run_probe_http("a websocket input")

    def http_probe(self) -> HttpCase:
        return HttpCase("GET", "/v4/info", self.headers)

    # -- the corpus ---------------------------------------------------------------------------

    def request(self) -> tuple[HttpCase, Any]:
        rng = self.rng
        session = rng.choice(("@@SESSION@@",) * 6 + ("@@GONE@@", "@@PAUSED@@"))
        guild = rng.choice(_GUILDS)
        player = f"/v4/sessions/{session}/players/{guild}"
        json_headers = [*self.headers, ("Content-Type", "application/json")]
        kind = rng.randrange(14)
        if kind == 0:
            return HttpCase("GET", rng.choice(("/version", "/v4/info", "/v4/stats",
                                               "/v4/routeplanner/status", "/",
                                               "/v3/websocket")), self.headers), None
        if kind == 1:
            identifier = quote(rng.choice(_IDENTIFIERS), safe="")
            return HttpCase("GET", f"/v4/loadtracks?identifier={identifier}",
                            self.headers), None
        if kind == 2:
            name = rng.choice(("encodedTrack", "track"))
            trace = "&trace=true" if rng.random() < 0.2 else ""
            return HttpCase("GET", f"/v4/decodetrack?{name}={quote(rng.choice(self.tracks))}"
                            + trace, self.headers), None
        if kind == 3:
            body = rng.sample(self.tracks, rng.randrange(1, len(self.tracks) + 1))
            return self._json("POST", "/v4/decodetracks", body), body
        if kind == 4:
            return HttpCase("GET", rng.choice((player, f"/v4/sessions/{session}/players")),
                            self.headers), None
        if kind == 5:
            return HttpCase("DELETE", player, self.headers), None
        if kind == 6:
            update = {"resuming": rng.choice((True, False)), "timeout": rng.choice((0, 60))}
            return self._json("PATCH", f"/v4/sessions/{session}", update), update
        if kind == 7:
            free = {"address": rng.choice(("1.2.3.4", "::1", "x"))}
            return self._json("POST", "/v4/routeplanner/free/address", free), free
        if kind == 8:
            return HttpCase("POST", "/v4/routeplanner/free/all", json_headers, b""), None
        patch = self.patch_body()
        query = rng.choice(("", "?noReplace=true", "?noReplace=False", "?noReplace=TRUE"))
        return self._json("PATCH", player + query, patch), patch

    def patch_body(self) -> dict[str, Any]:
        rng = self.rng
        body: dict[str, Any] = {}
        kind = rng.randrange(6)
        if kind == 0:
            body["track"] = {"encoded": rng.choice(self.tracks),
                             "userData": {"requester": 1}}
        elif kind == 1:
            body["track"] = {"identifier": rng.choice(_IDENTIFIERS[:6])}
        elif kind == 2:
            body["encodedTrack"] = rng.choice(self.tracks)  # mafic and pomice send this
        elif kind == 3:
            body["identifier"] = rng.choice(_IDENTIFIERS[:6])
        elif kind == 4:
            body["track"] = {"encoded": None}
        for key, value in (("voice", dict(_VOICE)), ("volume", 80), ("paused", True),
                           ("position", 1000), ("endTime", 5000),
                           ("filters", dict(rng.sample(sorted(_FILTERS.items()), 3)))):
            if rng.random() < 0.3:
                body[key] = value
        return body

    def _json(self, method: str, path: str, body: Any) -> HttpCase:
        return HttpCase(method, path, [*self.headers, ("Content-Type", "application/json")],
                        jsonish.dumps(body).encode())

    def ws_message(self) -> dict[str, Any]:
        """What v3 clients (and py-sonora) send; v4 must ignore all of it."""
        rng = self.rng
        return rng.choice((
            {"op": "play", "guildId": "1", "track": rng.choice(self.tracks),
             "noReplace": False},
            {"op": "voiceUpdate", "guildId": "1", "sessionId": "x",
             "event": {"token": "t", "endpoint": "e"}},
            {"op": "pause", "guildId": "1", "pause": True},
            {"op": "destroy", "guildId": "1"}, {"op": "configureResuming", "key": "k"},
            {"op": "ready", "resumed": False, "sessionId": "x"},
        ))

    # -- campaigns ---------------------------------------------------------------------------

    def generate(self, campaign: str, index: int) -> Case:
        rng = self.rng
        if campaign == "mutate":
            if rng.random() < 0.15:
                message = jsonish.dumps(jsonish.mutate_n(self.ws_message(), rng))
                return WsCase([Frame.text(message)], "session")
            case, template = self.request()
            return mutate_case(case, rng, auth="Authorization", template=template,
                               known_params=("noReplace", "trace", "identifier",
                                             "encodedTrack", "track"))
        if campaign == "garbage":
            if rng.random() < 0.3:
                return WsCase([garbage.random_frame(rng)], "session")
            return garbage.random_http(rng, ("/v4", "/v4/sessions/@@SESSION@@", ""),
                                       self.headers if rng.random() < 0.7 else [])
        if campaign == "order":
            return self.order_case()
        return transport_case(rng, self.transport_spec(), self.http.authority)

    def order_case(self) -> Case:
        rng = self.rng
        op = rng.randrange(7)
        if op == 0:
            session = rng.choice(("@@GONE@@", "@@PAUSED@@", "a" * 16, "", "%00", "x" * 5000))
            case, _ = self.request()
            case.target = case.target.replace("@@SESSION@@", session)
            case.note = "a request for an unknown or closed session"
            return case
        if op == 1:
            value = rng.choice(("", " ", "@@SESSION@@", "@@GONE@@", "@@PAUSED@@", "a" * 10000,
                                "²", "\u00e9t\u00e9", "null", "@@PAUSED@@,@@PAUSED@@"))
            return WsCase([], "fresh", target="/v4/websocket",
                          headers=[*self.ws_headers, ("Session-Id", value)],
                          note="a resume with an odd Session-Id")
        if op == 2:
            user = rng.choice(("", "0", "abc", "-1", "²", "\uff11\uff12", str(2**64), "1.5", " 1",
                               "9" * 5000, "0x10", "00"))
            headers = [h for h in self.ws_headers if h[0] != "User-Id"] + [("User-Id", user)]
            return WsCase([], "fresh", target="/v4/websocket", headers=headers,
                          note="an odd User-Id")
        if op == 3:
            headers = [h for h in self.ws_headers if h[0] != rng.choice(
                ("Authorization", "Client-Name"))]
            headers += rng.choice(([], [("Authorization", "wrong")],
                                   [("Client-Name", "é" * 100)], [("Client-Name", "")]))
            return WsCase([], "fresh", target="/v4/websocket", headers=headers,
                          note="a handshake without or with odd Authorization/Client-Name")
        if op == 4:
            # A resume of the paused session while another socket resumes it too.
            headers = [*self.ws_headers, ("Session-Id", "@@PAUSED@@")]
            return WsCase([Frame.text('{"op":"ping"}')], "fresh", target="/v4/websocket",
                          headers=headers, note="resume the paused session")
        if op == 5:
            return WsCase([], "fresh", target=rng.choice(("/v3/websocket", "/", "/v4/websocket/",
                                                          "/v4/websocket?x=1", "/v4/info")),
                          headers=self.ws_headers, note="an upgrade on another path")
        guild = rng.choice(_GUILDS)
        player = f"/v4/sessions/@@SESSION@@/players/{guild}"
        case = rng.choice((
            HttpCase("DELETE", player, self.headers, note="delete a player twice"),
            self._json("PATCH", player, {"track": {"encoded": None}}),
            self._json("PATCH", player, {"position": 99_999_999}),
            self._json("PATCH", player + "?noReplace=true",
                       {"track": {"encoded": self.tracks[0]}, "position": -5}),
        ))
        return case

    def transport_spec(self) -> TransportSpec:
        patch = self._json("PATCH", "/v4/sessions/@@GONE@@/players/1",
                           {"track": {"encoded": self.tracks[0]}, "volume": 50})
        patch.target = patch.target.replace("@@GONE@@", self.gone)
        return TransportSpec(
            requests=[patch, self._json("POST", "/v4/decodetracks", self.tracks[:2]),
                      HttpCase("GET", "/v4/info", self.headers)],
            ws_target="/v4/websocket", ws_headers=self.ws_headers, ws_state="session",
            message='{"op":"x","d":"€"}', stall=self.stall)

    def stall(self, rng: random.Random) -> StallCase:
        player = "/v4/sessions/@@STALL@@/players/5"
        provoke = [self._json("PATCH", player, {"track": {"encoded": self.tracks[i % 2]},
                                                "filters": _FILTERS})
                   for i in range(30)]
        return StallCase("session", [], provoke,
                         note="a session that stops reading while 30 tracks start")

    # -- the well-behaved client ---------------------------------------------------------------

    async def collateral_setup(self) -> None:
        conn = await WsConn.connect(self.host, self.port, "/v4/websocket",
                                    [("Authorization", self.auth_value), ("User-Id", "42"),
                                     ("Client-Name", "collateral/1.0")],
                                    on_message=self.on_message)
        if not isinstance(conn, WsConn):
            raise RuntimeError(f"the collateral socket was refused: {conn}")
        await conn.wait(lambda: "session" in conn.info, TIMEOUT)
        self.collateral = conn
        body = {"track": {"encoded": self.tracks[0]}, "voice": _VOICE}
        response = await self._collateral_request("PATCH", "/players/777", body)
        if response is None or response[0] != 200:
            raise RuntimeError(f"the collateral player was refused: {response}")

    async def _collateral_request(self, method: str, path: str, body: Any = None
                                  ) -> tuple[int, Any] | None:
        assert self.collateral is not None
        session = self.collateral.info["session"]
        case = HttpCase(method, f"/v4/sessions/{session}{path}",
                        [*self.headers, ("Content-Type", "application/json")],
                        b"" if body is None else json.dumps(body).encode())
        try:
            response = await self.collateral_http.request(case.raw(self.http.authority),
                                                          timeout=TIMEOUT)
        except Exception:
            return None
        try:
            return response.status, json.loads(response.body or b"null")
        except ValueError:
            return response.status, None

    async def collateral_check(self) -> str | None:
        conn = self.collateral
        if conn is None or not conn.open:
            why = "the collateral session's socket is gone" + (
                f" (closed {conn.closed.code})" if conn is not None and conn.closed else "")
            await self._collateral_again()
            return why
        got = await self._collateral_request("GET", "/players/777")
        if got is None:
            return "GET of the collateral player got no answer"
        if got[0] != 200 or not isinstance(got[1], dict) or got[1].get("guildId") != "777":
            return f"GET of the collateral player answered {got[0]}"
        before = conn.counts["playerUpdate:777"]
        self.checks += 1
        filters = {"volume": 1.0 + (self.checks % 7) / 10}
        patched = await self._collateral_request("PATCH", "/players/777", {"filters": filters})
        if patched is None or patched[0] != 200:
            return f"PATCH of the collateral player answered {patched and patched[0]}"
        try:
            if not await conn.wait(lambda: conn.counts["playerUpdate:777"] > before, TIMEOUT):
                return "the collateral socket closed before its playerUpdate"
        except TimeoutError:
            return "no playerUpdate for the collateral player within 5 s"
        return None

__all__ = ["LavalinkFuzzer"]

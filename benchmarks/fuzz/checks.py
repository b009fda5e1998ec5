"""What a right answer looks like: error shapes, websocket envelopes, close codes.

Each check returns a short reason when the answer is wrong, or None.

* HTTP errors (status >= 400): Discord's JSON object with ``code`` and ``message``
  (``Content-Type: application/json`` exactly; a 429 has ``retry_after`` and ``global``);
  Pusher's plain-text body; Lavalink's Spring error object, except 401/403, whose bodies
  are empty.
* 5xx answers, except the real node's Lavalink 500s in Spring's shape: ``POST
  /v4/routeplanner/free/*`` with the route planner off, and a track that does not decode
  (``/v4/decodetrack``, ``/v4/decodetracks`` and ``PATCH`` of a player: Lavalink lets
  Java's Base64 and lavaplayer's exceptions through).
* Websocket messages: UTF-8 JSON without NaN/Infinity, in the protocol's envelope.
* Close codes: the protocol's own range; 1002/1007/1009 after a byte-level violation;
  1000/1001 (or the client's own valid code) only once the client asked to close.
"""

from __future__ import annotations

import json
from typing import Any

from .cases import valid_close_code
from .httpclient import Response

_SERVICE_CLOSES: dict[str, range | frozenset[int]] = {
    "discord": range(4000, 4015),
    "pusher": range(4000, 4400),
    # Lavalink's node: 1000 for normal closes, 1011 when the server fails, 1001 on
    # shutdown, 1003 for a binary message (Spring's TextWebSocketHandler refuses them).
    "lavalink": frozenset({1000, 1001, 1003, 1011}),
}
VIOLATION_CLOSES = frozenset({1002, 1007, 1009})


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def strict_json(data: bytes | str) -> tuple[Any, str | None]:
    """Parse RFC 8259 JSON (no NaN/Infinity); (value, None) or (None, why not)."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError:
        return None, "not UTF-8"
    try:
        return json.loads(text, parse_constant=_no_constants), None
    except ValueError as exc:
        return None, f"not JSON ({str(exc)[:60]})"
    except RecursionError:
        return None, "JSON nested too deeply to parse"


# -- HTTP ------------------------------------------------------------------------------


def server_error(twin: str, method: str, path: str, response: Response) -> str | None:
    """A 5xx that is not allow-listed."""
    if response.status < 500:
        return None
    # (a HEAD answer has no body to judge the shape of)
    if twin == "lavalink" and response.status == 500 and _lavalink_500(method, path) and (
            method == "HEAD" or lavalink_shape(response) is None):
        return None
    return f"{response.status} {response.reason}".strip()


def _lavalink_500(method: str, path: str) -> bool:
    parts = path.split("/")
    if method == "POST" and path.startswith("/v4/routeplanner/free/"):
        return True
    if (method, path) in (("GET", "/v4/decodetrack"), ("HEAD", "/v4/decodetrack"),
                          ("POST", "/v4/decodetracks")):
        return True
    # PATCH /v4/sessions/{id}/players/{guild}
    return method == "PATCH" and len(parts) == 6 and parts[1:3] == ["v4", "sessions"] \
        and parts[4] == "players"


def http_shape(twin: str, path: str, response: Response) -> str | None:
    """Why an error answer is not in the service's error shape (None: it is)."""
    if response.status < 400:
        return None
    if twin == "discord":
        if not path.startswith("/api"):
            return None  # the gateway's and attachments' paths are not the REST API
        return discord_shape(response)
    if twin == "pusher":
        return pusher_shape(response)
    return lavalink_shape(response, path)


def discord_shape(response: Response) -> str | None:
    ctype = response.header("content-type")
    if ctype != "application/json":
        return f"Content-Type {ctype!r}, not exactly 'application/json'"
    body, why = strict_json(response.body)
    if why is not None:
        return f"body {why}"
    if not isinstance(body, dict):
        return "body is not a JSON object"
    if not isinstance(body.get("message"), str):
        return "no string 'message'"
    if response.status == 429:
        if not isinstance(body.get("retry_after"), (int, float)) or isinstance(
                body.get("retry_after"), bool):
            return "429 without a number 'retry_after'"
        if not isinstance(body.get("global"), bool):
            return "429 without a boolean 'global'"
        return None
    if not isinstance(body.get("code"), int) or isinstance(body.get("code"), bool):
        return "no integer 'code'"
    return None


def pusher_shape(response: Response) -> str | None:
    ctype = (response.header("content-type") or "").split(";")[0].strip()
    if ctype != "text/plain":
        return f"Content-Type {response.header('content-type')!r}, not text/plain"
    if not response.body.strip():
        return "an empty body"
    try:
        response.body.decode("utf-8")
    except UnicodeDecodeError:
        return "a body that is not UTF-8"
    return None


#: Spring's websocket handshake refusals on ``/v4/websocket`` (Lavalink's interceptor:
#: no password 401, no User-Id 400; then not GET 405, no Upgrade 400 with a text, an old
#: version 426): short answers of their own, not Spring's error object.
_HANDSHAKE_REFUSALS = frozenset({400, 401, 403, 405, 426})


def lavalink_shape(response: Response, path: str = "") -> str | None:
    if path == "/v4/websocket" and response.status in _HANDSHAKE_REFUSALS:
        ctype = (response.header("content-type") or "text/plain").split(";")[0].strip()
        return None if ctype == "text/plain" else f"handshake refusal as {ctype}"
    if response.status in (401, 403):
        return None if not response.body else f"{response.status} with a body"
    ctype = (response.header("content-type") or "").split(";")[0].strip()
    if ctype != "application/json":
        return f"Content-Type {response.header('content-type')!r}, not application/json"
    body, why = strict_json(response.body)
    if why is not None:
        return f"body {why}"
    if not isinstance(body, dict):
        return "body is not a JSON object"
    for key, kind in (("timestamp", int), ("status", int), ("error", str), ("path", str),
                      ("message", str)):
        if not isinstance(body.get(key), kind) or isinstance(body.get(key), bool):
            return f"no {kind.__name__} {key!r}"
    if body["status"] != response.status:
        return f"'status' {body['status']} but HTTP {response.status}"
    return None


# -- websocket messages ----------------------------------------------------------------


def ws_message_shape(twin: str, text: str) -> tuple[Any, str | None]:
    """A server message's JSON and, if it is not in the protocol's envelope, why."""
    message, why = strict_json(text)
    if why is not None:
        return None, why
    if not isinstance(message, dict):
        return message, "not a JSON object"
    if twin == "discord":
        if not isinstance(message.get("op"), int) or isinstance(message.get("op"), bool):
            return message, "no integer 'op'"
        missing = [k for k in ("d", "s", "t") if k not in message]
        if missing:
            return message, f"no {'/'.join(missing)}"
        if message["s"] is not None and not isinstance(message["s"], int):
            return message, "'s' is neither an integer nor null"
        if message["t"] is not None and not isinstance(message["t"], str):
            return message, "'t' is neither a string nor null"
        return message, None
    if twin == "pusher":
        event = message.get("event")
        if not isinstance(event, str):
            return message, "no string 'event'"
        if "data" not in message:
            return message, None if event == "pusher:cache_miss" else "no 'data'"
        data = message["data"]
        if event in ("pusher:error", "pusher:signin_success"):
            return message, None if isinstance(data, dict) else "'data' is not an object"
        return message, None if isinstance(data, str) else "'data' is not a JSON string"
    op = message.get("op")
    if op not in ("ready", "playerUpdate", "stats", "event"):
        return message, f"'op' {op!r} is not a Lavalink op"
    return message, None


# -- close codes -------------------------------------------------------------------------


def close_problem(twin: str, code: int | None, *, client_close: int | None,
                  violation: bool) -> str | None:
    """Why the server's close code is wrong (None: it is right).

    ``client_close``: the code of the close frame the client sent first (-1: one
    without a code), if it did.
    """
    if code is not None and code in _SERVICE_CLOSES[twin]:
        return None
    if code in VIOLATION_CLOSES and (violation or (
            client_close is not None and client_close != -1
            and not valid_close_code(client_close))):
        return None
    if client_close is not None:
        if code in (1000, 1001) or (code is None and client_close == -1):
            return None
        if code == client_close:
            if valid_close_code(code):
                return None
            return f"echoed the client's invalid close code {code}"
        return f"answered the client's close {client_close} with {code}"
    if code is None:
        return "closed without a code, unasked"
    if code in (1000, 1001):
        return f"closed {code}, unasked"
    return f"closed {code}, outside the protocol's codes"


__all__ = ["VIOLATION_CLOSES", "close_problem", "discord_shape", "http_shape",
           "lavalink_shape", "pusher_shape", "server_error", "strict_json",
           "ws_message_shape"]

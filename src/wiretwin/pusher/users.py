"""Users: ``pusher:signin``, watchlists and terminating a user's connections.

A connection signs in once, as one user; a user may hold many connections. Watchers learn
that a user is ``online`` when the user's first connection signs in and ``offline`` when
the last one goes, and get the current state of their watchlist right after signing in.
In a cluster (scale-out over Redis) "first" and "last" are the cluster's: the peers say
when a user comes online or goes offline (:func:`notify_watchers`).
"""

from __future__ import annotations

from ..runtime import jsonio
from . import wire
from .auth import auth_matches, sign_user, user_string_to_sign
from .errors import CloseCode, PusherError, shown
from .state import AppState, Connection, Effects, Peers, User, user_id_of

MAX_WATCHLIST = 100


def signin(state: AppState, conn: Connection, data: object, effects: Effects,
           peers: Peers) -> None:
    """``pusher:signin``: bind ``conn`` to a user, start its watchlist."""
    if not isinstance(data, dict):
        raise PusherError("Invalid signin: data must be an object with auth and user_data")
    if conn.user is not None:
        raise PusherError(
            f"Connection is already signed in as user {shown(conn.user.id, 200)}",
            CloseCode.UNAUTHORIZED
        )
    user_data = data.get("user_data")
    if not isinstance(user_data, str):
        raise PusherError("Invalid signin: user_data must be a JSON string",
                          CloseCode.UNAUTHORIZED)
    expected = sign_user(conn.app.key, conn.app.secret, conn.socket_id, user_data)
    given = data.get("auth")
    if not auth_matches(expected, given):
        raise PusherError(
            f"Invalid signature: Expected HMAC SHA256 hex digest of "
            f"{shown(user_string_to_sign(conn.socket_id, user_data))}, "
            f"but got {shown(given, 256)}",
            CloseCode.UNAUTHORIZED,
        )
    try:
        parsed = jsonio.loads(user_data)
    except jsonio.JSONError:
        raise PusherError("Invalid signin: user_data is not JSON",
                          CloseCode.UNAUTHORIZED) from None
    uid = parsed.get("id") if isinstance(parsed, dict) else None
    if not isinstance(uid, str) or not uid:
        raise PusherError("Invalid signin: user_data must have an id that is a "
                          "non-empty string", CloseCode.UNAUTHORIZED)
    raw_watchlist = parsed.get("watchlist") or []
    if not isinstance(raw_watchlist, list):
        raise PusherError("Invalid signin: watchlist must be an array of user ids",
                          CloseCode.UNAUTHORIZED)
    watchlist = [w for w in (user_id_of(x) for x in raw_watchlist) if w is not None]
    user = User(uid, user_data, parsed.get("user_info"), watchlist[:MAX_WATCHLIST])
    conn.user = user
    sockets = state.users.setdefault(uid, set())
    first = not sockets
    sockets.add(conn.socket_id)
    effects.deliver([conn.socket_id], wire.signin_success(user_data))
    if len(watchlist) > MAX_WATCHLIST:
        effects.deliver([conn.socket_id], wire.error(
            f"Watchlist limit exceeded. Only the first {MAX_WATCHLIST} user IDs are "
            "accepted.", CloseCode.WATCHLIST_LIMIT))
    online = [w for w in user.watchlist if state.users.get(w) or peers.online(state.app, w)]
    if online:
        effects.deliver([conn.socket_id], wire.watchlist_events(
            [{"name": "online", "user_ids": online}]))
    peers.signed(state.app, uid, 1)
    if first and not peers.shares_membership:
        notify_watchers(state, uid, "online", effects)

def sign_out(state: AppState, conn: Connection, effects: Effects, peers: Peers) -> None:
    """The connection of a signed-in user is gone."""
    assert conn.user is not None
    uid = conn.user.id
    sockets = state.users.get(uid)
    if sockets is None:
        return
    sockets.discard(conn.socket_id)
    peers.signed(state.app, uid, -1)
    if not sockets:
        del state.users[uid]
        if not peers.shares_membership:
            notify_watchers(state, uid, "offline", effects)

def notify_watchers(state: AppState, uid: str, what: str, effects: Effects) -> None:
    """Tell this process's connections watching ``uid`` that it is ``what`` (online or
    offline)."""
    watchers = [
        c.socket_id for c in state.connections.values()
        if c.open and c.user is not None and uid in c.user.watchlist
    ]
    if watchers:
        effects.deliver(watchers, wire.watchlist_events(
            [{"name": what, "user_ids": [uid]}]))

def terminate_user_connections(state: AppState, user_id: str, effects: Effects) -> int:
    """Close every connection signed in as ``user_id``; how many there were."""
    sockets = list(state.users.get(user_id, ()))
    for socket_id in sockets:
        effects.close(socket_id, CloseCode.UNAUTHORIZED,
                           "Connection terminated by the server", False)
    return len(sockets)


__all__ = ["MAX_WATCHLIST", "notify_watchers", "sign_out", "signin",
           "terminate_user_connections"]

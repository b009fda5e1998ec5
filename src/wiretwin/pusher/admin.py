"""The Pusher twin's own admin actions (under ``/_wiretwin/pusher``).

The same control API as Python tests have (trigger, channels, members, connections,
disconnects, the recorder), plus a development auth endpoint: a browser or Node test can
point pusher-js's ``channelAuthorization`` / ``userAuthentication`` at
``/_wiretwin/pusher/auth`` and ``/_wiretwin/pusher/user-auth`` when the app under test has
no auth endpoint of its own yet (the twin signs with the app's secret, as the ``pusher``
SDK would).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ..runtime import jsonio
from ..runtime.admin import ARRAY, OBJECT, AdminError, AdminRoute, json_body
from .errors import ApiError, CloseCode

if TYPE_CHECKING:
    from .twin import PusherTwin

_APP = {"app": "app id or key (default: the first app)"}


class PusherAdmin:
    def __init__(self, twin: PusherTwin) -> None:
        self.twin = twin

    def routes(self) -> list[AdminRoute]:
        r = AdminRoute
        return [
            r("POST", "/pusher/events", self.trigger,
              "Publish an event as POST /apps/{id}/events would (same checks); the "
              "event's name as `name` (Pusher's word) or `event`",
              body={"type": "object", "required": ["data"], "properties": {
                  "channels": {"type": "array", "items": {"type": "string"}},
                  "channel": {"type": "string"}, "name": {"type": "string"},
                  "event": {"type": "string"},
                  "data": {}, "socket_id": {"type": "string"}, "app": {"type": "string"}}},
              tag="pusher"),
            r("GET", "/pusher/apps", self.apps,
              "Every app with its settings, connection count and occupied channels (each "
              "with its subscription count, and a presence channel's roster), whatever the "
              "app's subscription_count setting", response=ARRAY, tag="pusher"),
            r("GET", "/pusher/channels", self.channels, "Occupied channels",
              query={"prefix": "filter_by_prefix", "info": "comma-separated attributes",
                     **_APP}, tag="pusher"),
            r("GET", "/pusher/channels/{channel}", self.channel,
              "One channel: occupied, attributes and (presence) members",
              query={"info": "comma-separated attributes", **_APP}, tag="pusher"),
            r("PUT", "/pusher/channels/{channel}/members/{user_id}", self.add_member,
              "Put a member in a presence channel without a socket",
              body={"type": "object", "properties": {"user_info": {}}}, query=_APP,
              tag="pusher"),
            r("DELETE", "/pusher/channels/{channel}/members/{user_id}", self.remove_member,
              "Take a socketless member out", query=_APP, status=204, tag="pusher"),
            r("GET", "/pusher/cluster", self.cluster,
              "This twin in its Redis cluster: node id, Redis URL, the link's state (up, "
              "down while Redis is away and the twin reconnects, stopped), since when, "
              "outages, reconnects, and changes not shared during the last outage",
              tag="pusher"),
            r("GET", "/pusher/connections", self.connections,
              "Open connections: socket id, app, channels, signed-in user",
              response=ARRAY, tag="pusher"),
            r("POST", "/pusher/connections/{socket_id}/disconnect", self.disconnect,
              "Close a connection with a code (with a pusher:error first, if asked)",
              body={"type": "object", "properties": {
                  "code": {"type": "integer", "default": int(CloseCode.GENERIC_RECONNECT)},
                  "message": {"type": "string"}, "error_first": {"type": "boolean"}}},
              status=204, tag="pusher"),
            r("POST", "/pusher/users/{user_id}/terminate", self.terminate,
              "Close every connection of a signed-in user (4009)", query=_APP,
              tag="pusher"),
            r("GET", "/pusher/recorder/triggered", self.triggered,
              "Events accepted from the HTTP API or the control API",
              query={"channel": "only this channel", "name": "only this event"},
              response=ARRAY, tag="pusher"),
            r("GET", "/pusher/recorder/deliveries", self.deliveries,
              "Frames written to sockets",
              query={"socket_id": "only this socket", "channel": "only this channel",
                     "event": "only this event"}, response=ARRAY, tag="pusher"),
            r("GET", "/pusher/recorder/client-events", self.client_events,
              "Client events relayed", response=ARRAY, tag="pusher"),
            r("GET", "/pusher/recorder/webhooks", self.webhooks, "Every webhook attempt",
              response=ARRAY, tag="pusher"),
            r("POST", "/pusher/auth", self.channel_auth,
              "Development channel auth endpoint for pusher-js (form or JSON: socket_id, "
              "channel_name, and user_id / user_info for presence)", body=OBJECT,
              query=_APP, tag="pusher"),
            r("POST", "/pusher/user-auth", self.user_auth,
              "Development user auth endpoint for pusher.signin() (form or JSON: "
              "socket_id, user_id, user_info, watchlist)", body=OBJECT, query=_APP,
              tag="pusher"),
        ]

    # -- helpers ----------------------------------------------------------------------

    def _app(self, request: web.Request, body: dict[str, Any] | None = None) -> str | None:
        app = (body or {}).get("app") or request.query.get("app")
        if app is not None:
            try:
                self.twin.find_app(str(app))
            except KeyError as exc:
                raise AdminError(404, str(exc.args[0])) from None
        return str(app) if app is not None else None

    @staticmethod
    def _info(request: web.Request) -> list[str]:
        return [a for a in request.query.get("info", "").split(",") if a]

    @staticmethod
    async def _form(request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            return await json_body(request)
        return {k: str(v) for k, v in (await request.post()).items()}

    # -- actions ----------------------------------------------------------------------

    async def trigger(self, request: web.Request) -> dict[str, Any]:
        body = await json_body(request)
        channels = body.get("channels", body.get("channel"))
        name = body.get("name", body.get("event"))  # Pusher's HTTP API says name
        if not isinstance(channels, str | list) or not isinstance(name, str):
            raise AdminError(400, "give the event's name (name, a string) and channel or "
                                  "channels")
        if not isinstance(body.get("socket_id"), str | None):
            raise AdminError(400, "socket_id must be a string")
        try:
            self.twin.trigger(channels, name, body.get("data"),
                              socket_id=body.get("socket_id"), app=self._app(request, body))
        except ApiError as exc:
            raise AdminError(exc.status, exc.message) from None
        return {}

    async def apps(self, request: web.Request) -> list[dict[str, Any]]:
        out = []
        for state in self.twin.model.states.values():
            channels = []
            for name, channel in sorted(state.channels.items()):
                if not channel.occupied:
                    continue
                roster = channel.roster
                channels.append({
                    "name": name, "kind": channel.type.kind.value, "cache": channel.type.cache,
                    "subscription_count": channel.subscription_count,
                    "user_count": len(roster.members) if roster is not None else None,
                    "members": {uid: m.user_info for uid, m in roster.members.items()}
                    if roster is not None else None})
            out.append({**state.app.to_json(), "connections": len(state.connections),
                        "channels": channels})
        return out

    async def channels(self, request: web.Request) -> dict[str, Any]:
        app = self.twin.find_app(self._app(request))
        try:
            counts = await self.twin.cluster_counts(app)
            return {"channels": self.twin.model.channels(
                app, request.query.get("prefix", ""), self._info(request), counts)}
        except ApiError as exc:
            raise AdminError(exc.status, exc.message) from None

    async def channel(self, request: web.Request) -> dict[str, Any]:
        name = request.match_info["channel"]
        app = self._app(request)
        found = self.twin.find_app(app)
        try:
            counts = await self.twin.cluster_counts(found, [name])
            out = self.twin.model.channel_info(found, name, self._info(request), counts)
        except ApiError as exc:
            raise AdminError(exc.status, exc.message) from None
        if name.startswith("presence-"):
            out["members"] = self.twin.members(name, app=app)
        return out

    async def add_member(self, request: web.Request) -> dict[str, Any]:
        body = await json_body(request)
        try:
            added = self.twin.add_member(request.match_info["channel"],
                                         request.match_info["user_id"], body.get("user_info"),
                                         app=self._app(request))
        except ValueError as exc:
            raise AdminError(400, str(exc)) from None
        return {"added": added}

    async def remove_member(self, request: web.Request) -> None:
        if not self.twin.remove_member(request.match_info["channel"],
                                       request.match_info["user_id"], app=self._app(request)):
            raise AdminError(404, "no such socketless member")

    async def cluster(self, request: web.Request) -> dict[str, Any]:
        peers = self.twin.cluster
        if peers is None:
            raise AdminError(404, "this Pusher twin is not in a cluster")
        return peers.status()

    async def connections(self, request: web.Request) -> list[dict[str, Any]]:
        out = []
        for state in self.twin.model.states.values():
            for conn in state.connections.values():
                out.append({"socket_id": conn.socket_id, "app": state.app.id,
                            "protocol": conn.protocol, "channels": sorted(conn.channels),
                            "user": conn.user.id if conn.user else None})
        return out

    async def disconnect(self, request: web.Request) -> None:
        body = await json_body(request)
        socket_id = request.match_info["socket_id"]
        if socket_id not in self.twin.sockets.sockets:
            raise AdminError(404, f"no open connection {socket_id}")
        code = body.get("code", int(CloseCode.GENERIC_RECONNECT))
        if not isinstance(code, int) or not 1000 <= code <= 4999:
            raise AdminError(400, "code must be a close code (1000-4999)")
        self.twin.disconnect(socket_id, code, str(body.get("message", "Disconnected")),
                             error_first=bool(body.get("error_first", False)))

    async def terminate(self, request: web.Request) -> dict[str, Any]:
        count = self.twin.terminate_user_connections(request.match_info["user_id"],
                                                     app=self._app(request))
        return {"terminated": count}

    async def triggered(self, request: web.Request) -> list[dict[str, Any]]:
        q = request.query
        return [asdict(e) for e in self.twin.recorder.events(q.get("channel"), q.get("name"))]

    async def deliveries(self, request: web.Request) -> list[dict[str, Any]]:
        q = request.query
        return [{"socket_id": d.socket_id, "event": d.event, "channel": d.channel,
                 "data": d.data}
                for d in self.twin.recorder.delivered(q.get("socket_id"),
                                                      channel=q.get("channel"),
                                                      event=q.get("event"))]

    async def client_events(self, request: web.Request) -> list[dict[str, Any]]:
        return [asdict(e) for e in self.twin.recorder.client_events]

    async def webhooks(self, request: web.Request) -> list[dict[str, Any]]:
        return [asdict(a) for a in self.twin.recorder.webhooks]

    async def channel_auth(self, request: web.Request) -> dict[str, Any]:
        form = await self._form(request)
        socket_id, channel = form.get("socket_id"), form.get("channel_name")
        if not isinstance(socket_id, str) or not isinstance(channel, str):
            raise AdminError(400, "socket_id and channel_name are required")
        app = self._app(request)
        if not channel.startswith("presence-"):
            return {"auth": self.twin.sign_channel(socket_id, channel, app=app)}
        # Without a user_id auth param, the subscriber is "user-<socket id>": a dev
        # server's printed settings then work for presence channels as they are.
        user_id = form.get("user_id") or f"user-{socket_id}"
        member: dict[str, Any] = {"user_id": str(user_id)}
        info = form.get("user_info")
        if info:
            member["user_info"] = _json_field("user_info", info)
        channel_data = json.dumps(member)
        return {"auth": self.twin.sign_channel(socket_id, channel, channel_data, app=app),
                "channel_data": channel_data}

    async def user_auth(self, request: web.Request) -> dict[str, Any]:
        form = await self._form(request)
        socket_id = form.get("socket_id")
        if not isinstance(socket_id, str):
            raise AdminError(400, "socket_id is required")
        user_id = form.get("user_id") or f"user-{socket_id}"
        user: dict[str, Any] = {"id": str(user_id)}
        if form.get("user_info"):
            info = form["user_info"]
            user["user_info"] = _json_field("user_info", info)
        if form.get("watchlist"):
            watchlist = form["watchlist"]
            user["watchlist"] = watchlist.split(",") if isinstance(watchlist, str) else watchlist
        user_data = json.dumps(user)
        return {"auth": self.twin.sign_user(socket_id, user_data, app=self._app(request)),
                "user_data": user_data}


def _json_field(name: str, value: Any) -> Any:
    """A form field holding JSON (a JSON body's field is JSON already)."""
    if not isinstance(value, str):
        return value
    try:
        return jsonio.loads(value)
    except jsonio.JSONError as exc:
        raise AdminError(400, f"{name} is not JSON: {exc.reason}") from None


__all__ = ["PusherAdmin"]

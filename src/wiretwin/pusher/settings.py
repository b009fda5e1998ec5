"""Ready-to-paste client settings for a twin, one object per client library.

Each block is exactly what the library needs to reach a twin on plain ``ws``/``http`` at
127.0.0.1 and nothing else (no TLS, no stats, no fallback transports to pusher.com).
"""

from __future__ import annotations

from typing import Any

from .apps import App


def client_settings(app: App, *, host: str, port: int) -> dict[str, Any]:
    return {
        "app_id": app.id,
        "key": app.key,
        "secret": app.secret,
        "host": host,
        "port": port,
        "ws_url": f"ws://{host}:{port}/app/{app.key}?protocol=7",
        "http_url": f"http://{host}:{port}/apps/{app.id}",
        "admin_url": f"http://{host}:{port}/_wiretwin",
        # pusher.Pusher(**settings["pusher"]); host and port explicitly, because
        # Pusher.from_url() loses the port.
        "pusher": {
            "app_id": app.id, "key": app.key, "secret": app.secret,
            "host": host, "port": port, "ssl": False,
        },
        # new Pusher(key, options): cluster is mandatory since pusher-js 8 even with
        # wsHost; enabledTransports keeps it off wss and the sockjs fallbacks.
        # The development auth endpoints sign private and presence subscriptions and
        # user sign-ins (see pusher.admin) until the app has endpoints of its own.
        "pusher_js": {
            "key": app.key,
            "options": {
                "cluster": "mt1", "wsHost": host, "wsPort": port, "wssPort": port,
                "forceTLS": False, "enabledTransports": ["ws"], "enableStats": False,
                "channelAuthorization": {
                    "endpoint": f"http://{host}:{port}/_wiretwin/pusher/auth",
                    "transport": "ajax"},
                "userAuthentication": {
                    "endpoint": f"http://{host}:{port}/_wiretwin/pusher/user-auth",
                    "transport": "ajax"},
            },
        },
        # pysher.Pusher(**settings["pysher"]); port defaults to 443 even without TLS.
        "pysher": {
            "key": app.key, "custom_host": host, "port": port, "secure": False,
            "secret": app.secret,
        },
        # new Echo(settings.laravel_echo) (with window.Pusher or the Pusher option).
        "laravel_echo": {
            "broadcaster": "pusher", "key": app.key, "cluster": "mt1", "wsHost": host,
            "wsPort": port, "wssPort": port, "forceTLS": False, "enabledTransports": ["ws"],
            "authEndpoint": f"http://{host}:{port}/_wiretwin/pusher/auth",
        },
    }


__all__ = ["client_settings"]

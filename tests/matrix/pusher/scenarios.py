"""The Pusher matrix's scenarios: written once, run against every library.

Client libraries (pusher-js, laravel-echo, Pysher, ...) run them as a websocket client
would (client_scenarios.py); server SDKs (pusher-http-python, pusher-http-node, ...) run
the server's side of them, with wiretwin's own test client as the other end
(server_scenarios.py).
"""

from __future__ import annotations

from ..core import Scenario

SERVICE = "pusher"

SCENARIOS = [
    Scenario("connect", "Connect",
             "Connect over protocol 7 and get a socket id from pusher:connection_established."),
    Scenario("subscribe-public", "Public channel",
             "Subscribe to a public channel and receive an event on it."),
    Scenario("subscribe-private", "Private channel",
             "Subscribe to a private- channel with a signature from the app's auth endpoint "
             "(or made by the server SDK) and receive an event on it."),
    Scenario("subscribe-presence", "Presence channel",
             "Join a presence- channel with a user id and info: the member list has both "
             "members, and the first member sees the second one join."),
    Scenario("subscribe-encrypted", "Encrypted channel",
             "Subscribe to a private-encrypted- channel (auth carries the shared secret) and "
             "read an event the server encrypted with the app's master key."),
    Scenario("client-events", "Client events",
             "Send a client- event on a private channel: the other subscriber gets it, the "
             "sender does not."),
    Scenario("server-trigger", "Server trigger",
             "An event published over the HTTP API (POST /events) reaches the subscribers of "
             "two channels."),
    Scenario("batch-trigger", "Batch trigger",
             "Events published in one POST /batch_events arrive in their order."),
    Scenario("user-events", "Sign-in and user events",
             "Sign in with a user authentication from the app, then receive an event sent "
             "to that user (POST /users/{id}/events)."),
    Scenario("cache-channel", "Cache channel",
             "Subscribing to a cache- channel gets the last event published on it; an empty "
             "one answers pusher:cache_miss."),
    Scenario("channel-info", "Channel queries",
             "Query the HTTP API: the occupied channels by prefix, a channel's subscription "
             "count, a presence channel's user count and users."),
    Scenario("reconnect-4200", "Reconnect after 4200",
             "The server closes the socket with 4200 (generic reconnect): the client "
             "connects again, resubscribes and receives events."),
    Scenario("reconnect-4201", "Reconnect after 4201",
             "The server closes the socket with 4201 (pong reply not received): the client "
             "connects again, resubscribes and receives events."),
    Scenario("reconnect-dropped", "Reconnect after a dropped socket",
             "The TCP connection goes away without a close frame: the client notices, "
             "connects again, resubscribes and receives events."),
]

#: Why a server SDK has nothing to do in a scenario of the websocket side.
NO_SOCKET = "a server SDK holds no websocket connection: this is the client's side"
SERVER_UNSUPPORTED = {
    "connect": NO_SOCKET,
    "subscribe-public": "a public channel needs nothing from the server (no auth to sign)",
    "client-events": "client events travel between websocket clients; a server hears of "
                     "them only by webhook",
    "reconnect-4200": NO_SOCKET,
    "reconnect-4201": NO_SOCKET,
    "reconnect-dropped": NO_SOCKET,
}
#: Why a websocket client cannot run a scenario of the HTTP API.
CLIENT_UNSUPPORTED = {
    "channel-info": "the HTTP API's queries need the app secret: a client library has no "
                    "API for them",
}

"""Soak: sequence-numbered events through the Pusher and Discord twins, counted at the far end.

Each twin runs as the real ``wiretwin serve`` subprocess (ephemeral ports, URLs and
credentials read from its ``--settings-file``), so the RSS reported is the server's own.

* **Pusher**: ``--clients`` websocket receivers (protocol 7; aiohttp, spread over
  ``--workers`` processes so that counting frames does not slow the publishers) on public
  channels, some also on a private and a presence channel (signed with the app secret,
  as an auth endpoint would); for ``--duration`` seconds four publishers send about
  ``--rate`` signed HTTP requests a second through the real ``pusher`` SDK:
  ``POST /apps/1/events`` to one channel or several at once, and
  ``POST /apps/1/batch_events``. Every event carries its channel's sequence number and
  the time its request started.
* **Discord**: two gateway sessions (IDENTIFY with the default world's bot token, intents
  GUILDS | GUILD_MESSAGES | DIRECT_MESSAGES | MESSAGE_CONTENT; one plain JSON, one
  zlib-stream) while ``--messages`` messages (0: for ``--duration`` seconds) are posted
  over REST (``POST /api/v10/channels/{id}/messages``) across the world's text channels,
  a thread and a DM, ``soak <n>`` numbered per channel, heeding the rate-limit headers
  (the DM's poster relies on 429 + ``retry_after`` alone; retries are counted apart).
  Each session's MESSAGE_CREATEs are checked, and the two sessions' arrival orders
  compared.

Per receiver and channel: **lost** (accepted by the twin, never delivered), **duplicated**
(delivered again), **reordered** (a first arrival below a number already seen). Also
throughput, delivery latency p50/p99 (request start to arrival) beside its baseline from
the same run, the request's own round trip; the server's CPU time, its open file
descriptors at start and end, and its RSS at start (idle, before any client), peak
(sampled every 100 ms) and end (once the server is back to its starting descriptors,
i.e. has closed every client's socket; a note says so if it is not within 10 s).

Figures only, nothing timed is asserted; the exit status is 1 if anything was lost,
duplicated, reordered, or the sessions disagree, or a request or socket failed.
Run: ``.venv/bin/python -m benchmarks.soak [--twin pusher|discord|all] [--duration 60]
[--clients 200] [--messages 1200] [--rate 100] [--workers 2] [--seed 0]``
"""

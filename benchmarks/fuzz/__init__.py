"""The repo's fuzzer: no input may crash a twin.

``python benchmarks/fuzz.py`` starts the real ``wiretwin serve`` in a subprocess and sends
it seeded inputs, one at a time, over real sockets: mutated valid traffic, garbage,
protocol steps out of order, and transport-level abuse (cut bodies, malformed requests,
invalid websocket frames). After every input it syncs with the twin (the answer itself,
or a probe on the same socket), drains the server's stderr, and classifies what went
wrong: ``traceback``, ``http_500``, ``bad_close``, ``shape``, ``hang``, ``collateral``,
``crash``.

Modules, one job each:

=============  ==========================================================================
jsonish        a JSON writer that can say what ``json.dumps`` cannot, and value mutators
cases          the inputs (HTTP, websocket, raw TCP) and their JSON-able reproducers
mutators       path, query, header and body mutations shared by the twins
garbage        random bytes, random JSON, random paths and methods
httpclient     a raw HTTP/1.1 keep-alive client (the exact bytes are the reproducer)
wsclient       a raw RFC 6455 client: any frame out, every frame in checked
checks         the services' error shapes, websocket envelopes and close codes
serve          the ``wiretwin serve`` subprocess: settings, stderr, RSS, restarts
report         anomalies, traceback signatures, the printed summary and the JSONL file
transport      transport-level inputs common to every twin
discord, pusher, lavalink
               each twin's corpus, campaigns, sync probe and well-behaved client
runner         one input at a time: send, sync, drain, classify
replay         each distinct signature's smallest input again, alone, on a fresh twin
cli            the command line
=============  ==========================================================================
"""

"""The Discord gateway's protocol: the session state machine (:mod:`.hub`), its
connections and sessions (:mod:`.session`), the requests a session may make
(:mod:`.requests`), typed reading of client payloads (:mod:`.frames`), intents
(:mod:`.intents`) and what a session keeps for RESUME (:mod:`.replay`). No I/O: the
websocket adapter is :mod:`wiretwin.discord.websocket`."""

__all__: list[str] = []  # the modules are the API

"""The Discord REST API's HTTP adapter: the frame every route shares (:mod:`.app`:
versions, auth, JSON, errors, rate limits), request parsing (:mod:`.params`), the
channel lookups the routes share (:mod:`.access`), and the routes by area. Each route
parses its request, calls a model operation and serializes the answer."""

__all__: list[str] = []  # the modules are the API

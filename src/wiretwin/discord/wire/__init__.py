"""The Discord twin's wire layer: the one JSON serializer per object
(:mod:`.serialize`) and the typed reading of what clients send (:mod:`.fields` for
single fields, :mod:`.bodies` for message bodies, :mod:`.params` for a REST request's
path, query and body, :mod:`.changes` for what a client may set on a guild, channel,
role, member, thread or webhook, :mod:`.components` and :mod:`.commands` for message
components and application commands, checked as Discord checks them).

It imports nothing of the model at run time, so the model, the REST routes, the gateway
and the snapshot can all use it without import cycles. Importing the package imports
none of its modules (the REST readers need aiohttp; the model does not).
"""

__all__: list[str] = []  # the modules are the API

"""The Discord twin's test-control API: dpytest's ``backend``, per twin, over the wire.

``twin.backend`` builds the world a bot under test lives in (guilds, channels, roles,
overwrites, members), acts as the humans in it (messages, edits, reactions, typing, voice,
poll votes, interest in scheduled events),
reaches into the gateway (raw dispatches, dropped connections, op 7 reconnects, op 9
invalid sessions, refused IDENTIFYs) and the REST API (forced error answers, tighter rate
limits), and keeps what the bot sent as a queue tests can read.

Nothing here talks to the bot directly: every change is a model operation, so the bot
learns of it as it would from Discord, through gateway dispatches its intents ask for,
and everything the bot does arrives over REST. Operations run in the twin's home loop
(whether the twin runs in the test's loop or a thread of its own), and every method is
a coroutine unless marked otherwise.

Arguments take wiretwin model objects (:class:`~.model.Guild`, :class:`~.model.Channel`,
:class:`~.model.Member`, :class:`~.model.User`, :class:`~.model.Role`,
:class:`~.model.Message`), ids, or the discord.py objects a test holds
(``discord.Guild``, ``discord.TextChannel``, ``discord.Member``, ``discord.Role``,
``discord.Message``, ``discord.Permissions``...): anything with an ``id``. Methods return
the twin's model objects (live: a later edit shows in them); ``make_member`` returns a
:class:`~.model.Member`, whose user id is ``member.user_id``.

The driver (:meth:`Backend.settle`, :meth:`Backend.message`; also ``twin.message``)
makes "the bot has finished reacting" deterministic: it pings each bot connection at the
websocket level, and the pong proves the bot has read everything it was sent before the
ping, so its event handlers' tasks exist; the driver then awaits every task created
since it began (iteratively: the bot's own replies are dispatched back to it), so every
REST call the bot made in response has been answered.
"""

from __future__ import annotations

from ..coerce import BackendError
from .control import QueueAndState
from .events import EventActions, StateUpdate
from .gateway import GatewayControl
from .interactions import InteractionActions
from .polls import PollActions
from .scheduled_events import ScheduledEventActions
from .world import WorldBuilding


class Backend(InteractionActions, EventActions, WorldBuilding, GatewayControl,
              PollActions, ScheduledEventActions, QueueAndState):
    """dpytest's backend, for one twin (``twin.backend``).

    Its parts: :mod:`.world` (building), :mod:`.acting` (as users), :mod:`.polls`
    (votes), :mod:`.scheduled_events` (events and interest in them), :mod:`.gateway`
    (connections and dispatches), :mod:`.events` (the dpytest backend guide's ``dispatch_*``,
    ``process_*`` and ``wait_for_state_update``), :mod:`.control` (the bot's messages,
    REST trouble, state), :mod:`.driver` (settling), :mod:`.interactions` (commands),
    over :mod:`.base` and :mod:`wiretwin.discord.coerce`.
    """

    #: ``except backend.BackendError:``, as the guide writes it.
    BackendError = BackendError


__all__ = ["Backend", "BackendError", "StateUpdate"]

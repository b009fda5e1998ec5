"""The Discord twin's state as plain JSON, and back.

A snapshot holds everything the model holds: the application (id, name, flags, verify
key, *the bot token*) and which users are its bot and owner, every user, every guild with
its roles, members, bans and voice states, every channel (guild channels with their
permission overwrites, and DM channels with their recipients) and every message with its
reactions, attachments and poll (with who voted). Its lists are flat, each entry naming
what it belongs to, so the same structure reads well as a TOML world
(``[[discord.channels]]``...)::

    {"format": 1,
     "application": {"id": "...", "name": ..., "token": ..., "flags": ..., "bot": "<user>",
                     "owner": "<user>", ...},
     "users":   [{"id", "username", "global_name", "bot", ...}],
     "guilds":  [{"id", "name", "owner", "created_at", ...}],
     "roles":   [{"guild", "id", "name", "permissions", "position", ...}],
     "channels": [{"id", "type", "guild", "name", "parent", "overwrites": [...], ...},
                  {"id", "type": 1, "recipients": ["<user>", "<user>"]}],
     "members": [{"guild", "user", "joined_at", "nick", "roles": [...], ...}],
     "bans":    [{"guild", "user", "reason"}],
     "voice_states": [{"guild", "user", "channel"}],
     "messages": [{"id", "channel", "author", "content", "reactions": [...],
                   "attachments": [{"id", "filename", "data": "<base64>", ...}],
                   "poll": {"question", "answers", "expiry", "finalized",
                            "votes": [{"answer": 1, "users": ["<user>"]}], ...}, ...}]}

Conventions: ids are strings (snowflakes exceed what JavaScript numbers hold; a world may
write them as TOML integers too), permissions and overwrite bits are strings as Discord
sends them, times are ISO 8601 strings (TOML datetimes are accepted). A message's creation
time is its id's (snowflakes carry their time), so a world's message ids decide their
timestamps. Attachment bytes are included, base64 in ``data``, so a snapshot is complete
(the CDN route serves them after a restore); their ``url`` is not stored but made from
the twin's address, which may differ after a restart. Optional keys may be left out
(TOML has no null): a world needs only what it means. A guild without an ``@everyone``
role (the role whose id is the guild's) gets Discord's default one, and a guild's owner
is always a member.

Each entry is its object's JSON from :mod:`wiretwin.discord.wire.serialize` under the
names above, plus the state only a snapshot keeps (the token, ids where the JSON embeds
users, who reacted, attachment bytes); :mod:`.schema` states it per object, and both
:mod:`.dump` and the parsers (:mod:`.parse`, :mod:`.parse_channels`,
:mod:`.parse_messages`, :mod:`.parse_app`, reading entries with :mod:`.reader`) use it.

Restoring checks the whole snapshot first and refuses a bad one with a
:class:`SnapshotError` naming the entry (``channels[3]: no guild with id '42'``), having
changed nothing. Then it replaces the state and tells connected bot sessions what
Discord would have told them, by this rule:

* the application's id, the bot user or the token changed: every gateway connection is
  closed with 4004 (authentication failed) and its session dropped, as a token reset
  does; nothing else is sent;
* the bot user changed: ``USER_UPDATE``;
* a guild the bot was in is gone, or the bot is no longer a member: ``GUILD_DELETE``; a
  guild the bot is now in: ``GUILD_CREATE`` (sent last, with the restored state);
* in a guild the bot is in before and after: ``GUILD_UPDATE`` for the guild's own fields,
  ``GUILD_ROLE_CREATE/UPDATE/DELETE``, ``CHANNEL_CREATE/UPDATE/DELETE``,
  ``GUILD_MEMBER_ADD/UPDATE/REMOVE`` (an update also when the member's user changed),
  ``VOICE_STATE_UPDATE``, ``GUILD_BAN_ADD/REMOVE``;
* in a channel present before and after (guild channels of such guilds, and DM channels):
  ``MESSAGE_CREATE``, ``MESSAGE_UPDATE`` (the message changed other than its reactions
  and poll votes), ``MESSAGE_DELETE``, ``MESSAGE_REACTION_ADD/REMOVE`` per user and
  emoji, and ``MESSAGE_POLL_VOTE_ADD/REMOVE`` per user and answer.

A poll still open after a restore ends on the twin's clock as any other (one whose time
passed while it was saved ends at once).

Creations and updates go first (roles before the channels and members that use them),
deletions after. Each event is a model dispatch, so intents, shards and
``MESSAGE_CONTENT`` apply as for any other. Gateway sessions are live connections,
history not state: they are not in a snapshot.
"""

from __future__ import annotations

from .common import FORMAT, AttachmentUrl, SnapshotError
from .dump import snapshot
from .restore import restore

__all__ = ["FORMAT", "AttachmentUrl", "SnapshotError", "restore", "snapshot"]

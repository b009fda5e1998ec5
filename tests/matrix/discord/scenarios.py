"""The Discord matrix's scenarios: written once, run against every library.

Every library runs the same small bot (tests/matrix/discord/bots/, one per library): it
answers ``!ping``, ``!button``, ``!react``, ``!forbidden`` and ``!burst`` messages, the
``/echo`` slash command (with autocomplete), a button that opens a modal, reactions and
member joins (checks.py says exactly what), and reports a login the twin refuses. The
scenarios act as Discord users through the twin and check what the bot did there.
"""

from __future__ import annotations

from ..core import Scenario

SERVICE = "discord"

SCENARIOS = [
    Scenario("login", "Login, READY, GUILD_CREATE",
             "IDENTIFY with the bot token over gateway v10, READY, a GUILD_CREATE for each "
             "of the bot's two guilds: the library lists both guilds."),
    Scenario("message-command", "Message command",
             "A user posts `!ping <n>` (MESSAGE_CREATE with content, under the "
             "MESSAGE_CONTENT intent); the bot answers `pong <n>` over REST."),
    Scenario("slash-command", "Slash command and autocomplete",
             "A user types into `/echo text:` (autocomplete: the bot offers two choices), "
             "then runs `/echo text:… times:3`; the bot reads both options and answers."),
    Scenario("button-modal", "Button and modal",
             "The bot posts a message with a button; a user clicks it, the bot opens a "
             "modal, the user submits it and the bot answers with the field's value."),
    Scenario("reactions", "Reactions",
             "The bot reacts to `!react` with ✅ (PUT …/reactions/✅/@me); a user reacts "
             "with 👍 and the bot reports MESSAGE_REACTION_ADD's emoji and user."),
    Scenario("member-join", "Member join (privileged intent)",
             "The bot identifies with GUILD_MEMBERS; a user joins and the bot greets them "
             "(GUILD_MEMBER_ADD)."),
    Scenario("permission-error", "Permission error surfaced",
             "The bot posts in a channel where it lacks Send Messages: the twin answers "
             "403 with code 50013 and the library raises it (status and code) to the bot."),
    Scenario("rate-limit", "Rate limit honoured",
             "The twin limits the channel's messages route to 2 per 0.5 s; the bot sends "
             "5 messages and all of them arrive, in order (the library waited out the "
             "limit: from its headers or after a 429)."),
    Scenario("reconnect-op7", "Resume after op 7",
             "The gateway sends op 7 Reconnect: the library reconnects, RESUMEs the same "
             "session and still answers `!ping`."),
    Scenario("reconnect-dropped", "Resume after a dropped socket",
             "The gateway's TCP connection goes away without a close frame: the library "
             "notices, RESUMEs the same session and still answers `!ping`."),
    Scenario("invalid-session", "Invalid session (op 9)",
             "The gateway sends op 9 (not resumable): the library IDENTIFYs afresh, gets a "
             "new session and still answers `!ping`."),
    Scenario("sharding", "Two shards",
             "The bot runs 2 shards (`/gateway/bot` lets both identify at once, "
             "max_concurrency 2, unless the library's note says otherwise): each IDENTIFYs "
             "with its [id, 2], gets the guilds with (guild_id >> 22) % 2 equal to its id, "
             "and `!ping` is answered in both guilds."),
    Scenario("disallowed-intent", "Privileged intent not enabled",
             "The application may not ask for GUILD_MEMBERS (as when it is off in the "
             "developer portal); the bot identifies with it and the twin closes 4014 "
             "\"Disallowed intent(s).\": the library reports the failure to the bot "
             "through its own API (an exception, a rejected login, an event saying it "
             "gave up), naming the code or the intents, within 10 s of the close, and "
             "does not try again (one connection, one IDENTIFY until the bot exits)."),
]

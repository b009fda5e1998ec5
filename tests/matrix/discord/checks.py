"""The scenarios' bodies: what a user does through the twin, and what the library's bot
must have done (the same for every library).

The bots (bots/) all behave alike: ``!ping <n>`` → ``pong <n>``; ``!button <n>`` → a
message with a button ``open:<n>``, which opens a modal ``form:<n>`` with a text input
``answer``, whose submit is answered ``modal <answer> <n>``; ``!react <n>`` → ✅ on that
message; a user's reaction → ``reaction <emoji> <user id>``; a member joining →
``welcome <user id>`` in the guild's #general; ``!forbidden <n>`` → a post in #locked,
then ``forbidden <status> <code> <n>`` with what the library raised; ``!burst <n> <k>``
→ ``burst <n> 1`` … ``burst <n> <k>``, one after the other; ``/echo text times`` →
``echo <text> x<times>``, and its autocomplete offers ``<typed>-1`` and ``<typed>-2``. A
bot whose login fails prints a ``fatal`` line with what the library raised or emitted to
say so (harness.RefusedBot).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from wiretwin.runtime.faults import Disconnect, Scope

from .harness import GUILD_IDS, INTENTS, START_TIMEOUT, TIMEOUT, DiscordCase

Body = Callable[[DiscordCase], Awaitable[None]]
GUILD_MEMBERS = 1 << 1
#: Discord's close code for a privileged intent the application may not ask for.
DISALLOWED_INTENTS = 4014
#: What a library's report of that close names: the code or the intents.
NAMES_REFUSAL = re.compile(r"4014|intent", re.IGNORECASE)


def _session_ids(case: DiscordCase) -> list[str]:
    return [s.id for s in case.twin.hub.sessions.values() if s.connection is not None]


async def login(case: DiscordCase) -> None:
    bot = await case.ensure_bot()
    ready = bot.seen(type="ready")[-1]
    assert sorted(ready["guilds"]) == sorted(str(g) for g in GUILD_IDS), (
        f"the library lists guilds {ready['guilds']}")
    (identify,) = case.frames("IDENTIFY")[-1:]
    data = identify.json["d"]
    # Eris sends its token as given ("Bot …"), which Discord accepts too.
    token = str(data["token"]).removeprefix("Bot ")
    assert token == case.twin.application.token, "IDENTIFY carried another token"
    assert data["intents"] & INTENTS == INTENTS, f"IDENTIFY asked for intents {data['intents']}"
    assert len(_session_ids(case)) == 1, "the bot holds more than one gateway session"


async def message_command(case: DiscordCase) -> None:
    await case.ensure_bot()
    await case.answered("!ping 1", "pong 1")


async def slash_command(case: DiscordCase) -> None:
    await case.ensure_bot()
    assert case.world is not None
    backend, where, alice = case.twin.backend, case.world.general[0], case.world.alice
    typed = await case.interact(lambda: backend.autocomplete(
        "echo", "text", "ab", {"times": 3}, user=alice, channel=where))
    choices = [(c["name"], c["value"]) for c in typed.choices or []]
    assert choices == [("ab-1", "ab-1"), ("ab-2", "ab-2")], f"choices {typed.choices}"
    ran = await case.interact(lambda: backend.slash(
        "echo", {"text": "hi", "times": 3}, user=alice, channel=where))
    assert ran.content == "echo hi x3", f"the bot answered {ran.content!r}"


def _custom_ids(components: list[dict[str, Any]]) -> list[str]:
    found: list[str] = []
    for component in components:
        if "custom_id" in component:
            found.append(component["custom_id"])
        inner = component.get("components") or []
        if "component" in component:  # a label around one component
            inner = [component["component"]]
        found.extend(_custom_ids(inner))
    return found


async def button_modal(case: DiscordCase) -> None:
    await case.ensure_bot()
    assert case.world is not None
    backend, alice = case.twin.backend, case.world.alice
    await case.say("!button 7")
    (posted,) = await case.bot_messages(1)
    assert _custom_ids(posted.components) == ["open:7"], f"components {posted.components}"
    click = await case.interact(lambda: backend.click(posted, "open:7", user=alice))
    modal = click.modal
    assert modal is not None, f"the click was answered with {click.callback}"
    assert modal["custom_id"] == "form:7" and _custom_ids(modal["components"]) == ["answer"]
    submit = await case.interact(lambda: backend.submit_modal(
        click, {"answer": "forty-two"}, user=alice))
    assert submit.content == "modal forty-two 7", f"the bot answered {submit.content!r}"


async def reactions(case: DiscordCase) -> None:
    await case.ensure_bot()
    assert case.world is not None
    twin, alice = case.twin, case.world.alice
    mark = case.mark()
    message = await case.say("!react 3")
    await twin.journal.wait_for(
        lambda e: e.kind == "http" and e.detail.get("method") == "PUT"
        and "/reactions/" in str(e.detail.get("path")), since=mark, timeout=TIMEOUT)
    reacted = twin.model.messages[message.channel_id][message.id].reactions
    mine = [(r.emoji["name"], twin.model.bot.id in r.users) for r in reacted.values()]
    assert mine == [("✅", True)], f"reactions on the message: {mine}"
    await twin.backend.add_reaction(message, alice, "👍")
    (told,) = await case.bot_messages(1)
    assert told.content == f"reaction 👍 {alice}", f"the bot said {told.content!r}"


async def member_join(case: DiscordCase) -> None:
    await case.ensure_bot()
    assert case.world is not None
    (identify,) = case.frames("IDENTIFY")[-1:]
    assert identify.json["d"]["intents"] & GUILD_MEMBERS, "IDENTIFY without GUILD_MEMBERS"
    backend = case.twin.backend
    user = await backend.make_user(f"newcomer{len(case.twin.model.users)}")
    await backend.make_member(user, case.world.guilds[0])
    (greeting,) = await case.bot_messages(1)
    assert greeting.content == f"welcome {user.id}", f"the bot said {greeting.content!r}"
    assert greeting.channel_id == case.world.general[0], "the greeting went elsewhere"


async def permission_error(case: DiscordCase) -> None:
    await case.ensure_bot()
    assert case.world is not None
    mark = case.mark()
    await case.answered("!forbidden 5", "forbidden 403 50013 5")
    refused = [e for e in case.twin.journal.http(method="POST", status=403)
               if e.seq > mark and str(case.world.locked) in str(e.detail.get("path"))]
    assert refused, "the twin never refused a post in #locked"


async def rate_limit(case: DiscordCase) -> None:
    await case.ensure_bot()
    await case.twin.backend.set_rate_limit("/channels/{channel_id}/messages", 2, 0.5)
    await case.say("!burst 9 5")
    sent = await case.bot_messages(5, timeout=TIMEOUT)
    assert [m.content for m in sent] == [f"burst 9 {i}" for i in range(1, 6)], (
        f"the bot's messages: {[m.content for m in sent]}")


async def reconnect_op7(case: DiscordCase) -> None:
    await case.ensure_bot()
    (before,) = _session_ids(case)
    mark = case.mark()
    after = await case.twin.backend.request_reconnect(timeout=TIMEOUT)
    assert after == before, f"session {before} became {after}"
    assert case.frames("RESUME", since=mark), "no RESUME"
    assert not case.frames("IDENTIFY", since=mark), "the library identified afresh"
    await case.answered("!ping 2", "pong 2")


async def reconnect_dropped(case: DiscordCase) -> None:
    await case.ensure_bot()
    (before,) = _session_ids(case)
    mark = case.mark()
    # The MESSAGE_CREATE of "!ping 4" is lost with the socket: RESUME replays it.
    case.twin.faults.add(Disconnect(name="drop", reset=True, times=1,
                                    scope=Scope(event="MESSAGE_CREATE")))
    await case.say("!ping 4")
    (reply,) = await case.bot_messages(1, timeout=TIMEOUT * 2)
    assert reply.content == "pong 4", f"the bot said {reply.content!r}"
    assert case.frames("RESUME", since=mark), "no RESUME"
    assert _session_ids(case) == [before], "the library did not resume its session"


async def invalid_session(case: DiscordCase) -> None:
    await case.ensure_bot()
    (before,) = _session_ids(case)
    mark = case.mark()
    after = await case.twin.backend.invalidate_session(False, timeout=TIMEOUT)
    assert after != before, "the same session after op 9"
    assert case.frames("IDENTIFY", since=mark), "no IDENTIFY after op 9"
    await case.answered("!ping 6", "pong 6")


async def sharding(case: DiscordCase) -> None:
    assert case.world is not None
    await case.stop_bot()
    mark = case.mark()
    await case.ensure_bot(shards=2)
    shard_of: dict[str, int] = {}
    for frame in case.frames("IDENTIFY", since=mark):
        shard = frame.json["d"].get("shard")
        assert shard is not None and shard[1] == 2, f"IDENTIFY with shard {shard}"
        assert frame.connection is not None
        shard_of[frame.connection] = shard[0]
    assert sorted(shard_of.values()) == [0, 1], f"shards identified: {shard_of}"
    for frame in case.frames("GUILD_CREATE", "out", since=mark):
        assert frame.connection is not None
        guild_id = int(frame.json["d"]["id"])
        assert (guild_id >> 22) % 2 == shard_of[frame.connection], (
            f"guild {guild_id} went to shard {shard_of[frame.connection]}")
    for index, channel in enumerate(case.world.general):
        await case.answered(f"!ping s{index}", f"pong s{index}", channel)


def _attempts(case: DiscordCase, since: int) -> tuple[int, int]:
    """How many gateway connections the bot opened, and how many IDENTIFYs it sent."""
    opened = [e for e in case.twin.journal.connections()
              if e.seq > since and e.event == "open" and "renamed" not in e.detail]
    return len(opened), len(case.frames("IDENTIFY", since=since))


async def disallowed_intent(case: DiscordCase) -> None:
    await case.stop_bot()
    twin, mark = case.twin, case.mark()
    with case.privileged_intents([i for i in twin.privileged_intents if i != "members"]):
        bot = await case.start_refused_bot()
        try:
            try:
                await twin.journal.wait_for(
                    lambda e: e.kind == "connection" and e.event == "close"
                    and e.detail.get("code") == DISALLOWED_INTENTS,
                    since=mark, timeout=START_TIMEOUT)
            except TimeoutError:
                raise AssertionError(f"the twin never closed a connection "
                                     f"{DISALLOWED_INTENTS}\n{bot.story()}") from None
            # From the close on, the library has TIMEOUT to tell the bot.
            bot.timeout = TIMEOUT
            try:
                report = await bot.expect(type="fatal")
            except AssertionError:
                opened, identified = _attempts(case, mark)
                raise AssertionError(
                    f"the library did not report the {DISALLOWED_INTENTS} close to the bot "
                    f"within {TIMEOUT:g}s ({opened} connections, {identified} IDENTIFYs)"
                    f"{_errors(bot.errors())}") from None
        finally:
            await bot.stop()
    identifies = case.frames("IDENTIFY", since=mark)
    asked = [frame.json["d"].get("intents") for frame in identifies]
    assert all(int(i or 0) & GUILD_MEMBERS for i in asked), f"IDENTIFY asked for intents {asked}"
    opened, identified = _attempts(case, mark)
    assert (opened, identified) == (1, 1), (
        f"the library kept trying: {opened} connections, {identified} IDENTIFYs")
    message = str(report.get("message", ""))
    assert NAMES_REFUSAL.search(message), (
        f"the library reported {message[:200]!r}, naming neither the close code nor intents")


def _errors(errors: list[dict[str, Any]]) -> str:
    if not errors:
        return ""
    first = str(errors[0].get("message", "")).strip().splitlines() or [""]
    return f"; the library's only report: {first[0][:200]}"


BODIES: dict[str, Body] = {
    "login": login,
    "message-command": message_command,
    "slash-command": slash_command,
    "button-modal": button_modal,
    "reactions": reactions,
    "member-join": member_join,
    "permission-error": permission_error,
    "rate-limit": rate_limit,
    "reconnect-op7": reconnect_op7,
    "reconnect-dropped": reconnect_dropped,
    "invalid-session": invalid_session,
    "sharding": sharding,
    "disallowed-intent": disallowed_intent,
}

__all__ = ["BODIES", "Body"]

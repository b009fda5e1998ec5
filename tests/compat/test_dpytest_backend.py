"""The rest of dpytest's backend on the twin: files made with ``make_attachment`` (and the
paths ``message()`` takes) are served by the twin with their real bytes, ``update_guild``
changes the guild and its roles through Discord's events, ``get_config`` reads the twin's
messages, the backend's ``configure`` logs a bot in to an empty twin; and the small
names (loggers, type aliases)."""

from __future__ import annotations

import datetime
import logging
import typing
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import discord
import pytest
from discord.ext import commands

import wiretwin.discord.dpytest as dpytest
import wiretwin.discord.dpytest.backend as backend
from wiretwin.compat.dpytest import session as session_module
from wiretwin.compat.dpytest.session import current
from wiretwin.discord.backend import BackendError
from wiretwin.discord.dpytest import callbacks, factories, runner
from wiretwin.discord.dpytest.factories import DictFromObject


def _bot() -> commands.Bot:
    intents = discord.Intents.default()
    intents.members = True
    intents.message_content = True
    bot = commands.Bot(command_prefix="!", intents=intents)
    bot.updates = []  # type: ignore[attr-defined]

    @bot.command()
    async def files(ctx: commands.Context[commands.Bot]) -> None:
        read = [f"{a.filename}={(await a.read()).decode()!r}" for a in ctx.message.attachments]
        await ctx.send(" ".join(read) or "none")

    @bot.listen()
    async def on_guild_update(before: discord.Guild, after: discord.Guild) -> None:
        bot.updates.append(after.name)  # type: ignore[attr-defined]

    return bot


@pytest.fixture
async def bot() -> AsyncIterator[commands.Bot]:
    the_bot = _bot()
    dpytest.configure(the_bot)
    yield the_bot
    await dpytest.empty_queue()
    await dpytest.cleanup()


@pytest.fixture
def notes(tmp_path: Path) -> Path:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"buy milk")
    return path


async def test_a_made_attachment_is_the_file_served_by_the_twin(
        bot: commands.Bot, notes: Path) -> None:
    made = backend.make_attachment(notes)
    assert isinstance(made, discord.Attachment)
    assert (made.filename, made.size, made.content_type) == ("notes.txt", 8, "text/plain")
    assert made.url.startswith(current().twin.http_url("/"))
    assert await made.read() == b"buy milk"
    assert backend.make_attachment(notes, name="list.txt").filename == "list.txt"
    with pytest.raises(ValueError, match="Attachment must be a real file"):
        backend.make_attachment(notes.with_name("missing.txt"))
    assert backend.make_attachment(notes, id_num=1234567890123456789).id == 1234567890123456789
    with pytest.raises(BackendError, match="already has the id"):
        backend.make_attachment(notes, id_num=made.id)


async def test_a_made_attachment_goes_out_in_a_message_under_its_id(
        bot: commands.Bot, notes: Path) -> None:
    config = dpytest.get_config()
    made = backend.make_attachment(notes)
    posted = backend.make_message("see attached", config.members[0], config.channels[0],
                                  attachments=[made])
    assert posted.attachments == [made]  # discord.py compares attachments by id
    assert await posted.attachments[0].read() == b"buy milk"
    await dpytest.message("!files", attachments=[made])
    assert dpytest.verify().message().content("notes.txt='buy milk'")


async def test_message_takes_paths_as_dpytest_did(bot: commands.Bot, notes: Path,
                                                  tmp_path: Path) -> None:
    sent = await dpytest.message("!files", attachments=[notes, str(tmp_path / "gone.png")])
    assert [a.filename for a in sent.attachments] == ["notes.txt", "gone.png"]
    # A path to no file is an empty attachment of that name, as dpytest never opened it.
    assert dpytest.verify().message().content("notes.txt='buy milk' gone.png=''")


async def test_make_message_posts_a_poll_the_bot_can_count(bot: commands.Bot) -> None:
    config = dpytest.get_config()
    poll = discord.Poll(question="Lunch?", duration=datetime.timedelta(hours=1))
    poll.add_answer(text="Pizza")
    poll.add_answer(text="Sushi")
    posted = backend.make_message("", config.members[0], config.channels[0], poll=poll)
    assert posted.poll is not None and posted.author.id == config.members[0].id
    assert [a.text for a in posted.poll.answers] == ["Pizza", "Sushi"]
    assert posted.poll.expires_at == posted.created_at + datetime.timedelta(hours=1)
    # Discord's checks, as for any poll: the bot's message is still a refusal's.
    too_long = discord.Poll(question="?" * 301, duration=datetime.timedelta(hours=1))
    too_long.add_answer(text="a")
    with pytest.raises(BackendError, match="50035"):
        backend.make_message("", config.members[0], config.channels[0], poll=too_long)


async def test_update_guild_sends_the_guild_and_its_roles_as_given(bot: commands.Bot) -> None:
    guild = bot.guilds[0]
    staff = backend.make_role("Staff", guild, permissions=8)
    extra = backend.make_role("Extra", guild)
    staff.name = "Crew"  # changed on the object the test holds, as dpytest's users did
    guild.name = "Renamed Guild"
    updated = backend.update_guild(guild, roles=[guild.default_role, staff])
    assert updated is guild and guild.name == "Renamed Guild"
    assert sorted(r.name for r in guild.roles) == ["@everyone", "Crew"]
    assert guild.get_role(extra.id) is None
    held = current().twin.model.guilds[guild.id]
    assert held.name == "Renamed Guild" and held.roles[staff.id].name == "Crew"
    await dpytest.run_all_events()
    assert bot.updates == ["Renamed Guild"]  # type: ignore[attr-defined]
    # A role the guild no longer has comes back, with a new id; no roles= keeps them.
    again = backend.update_guild(guild, roles=[guild.default_role, staff, extra])
    assert sorted(r.name for r in again.roles) == ["@everyone", "Crew", "Extra"]
    assert guild.get_role(extra.id) is None
    assert len(backend.update_guild(guild).roles) == 3


async def test_update_text_channel_without_an_override_changes_no_overwrite(
        bot: commands.Bot) -> None:
    channel, member = dpytest.get_config().channels[0], dpytest.get_config().members[0]
    backend.update_text_channel(channel, member, discord.PermissionOverwrite(embed_links=False))
    journal = current().twin.journal
    mark = journal.mark()
    backend.update_text_channel(channel, member)
    sent = [e.event for e in journal.since(mark) if e.kind == "frame" and e.direction == "out"]
    assert sent == ["CHANNEL_UPDATE"]
    assert channel.overwrites_for(member).embed_links is False
    backend.update_text_channel(channel, member, None)
    assert channel.overwrites_for(member).is_empty()


async def test_get_config_reads_the_twins_messages_and_the_bots_state(
        bot: commands.Bot) -> None:
    channel = dpytest.get_config().channels[0]
    await dpytest.message("!files")
    config = backend.get_config()
    assert isinstance(config, backend.BackendState) and config.state is bot._connection
    assert [m["content"] for m in config.messages[channel.id]] == ["!files", "none"]
    assert config.messages[channel.id][1]["author"]["id"] == str(bot.user.id)  # type: ignore[union-attr]


async def test_get_config_before_configure_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    await dpytest.cleanup()
    monkeypatch.setattr(session_module, "_ended", None)  # as if nothing ever ran
    with pytest.raises(ValueError, match="not configured"):
        backend.get_config()


async def test_the_backends_configure_logs_a_bot_in_to_an_empty_twin() -> None:
    bot = _bot()
    backend.configure(bot)
    try:
        assert bot.is_ready() and list(bot.guilds) == dpytest.get_config().guilds == []
        guild = backend.make_guild("Made Later")
        assert list(bot.guilds) == [guild]
        with pytest.raises(TypeError, match="must be an instance of"):
            backend.configure(None)
        backend.configure(None, use_dummy=True)
        dummy = backend.get_state()._get_client()
        assert dummy is not bot and dummy.intents == discord.Intents.all()
        assert dummy.is_ready()
    finally:
        await dpytest.cleanup()


def test_dpytests_logger_is_the_layers_own() -> None:
    assert isinstance(runner.log, logging.Logger)
    assert runner.log is backend.log is callbacks.log is factories.log
    assert runner.log.name == "wiretwin.compat.dpytest"


def test_dict_from_object_is_a_dict_from_object() -> None:
    convert: DictFromObject = factories.dict_from_object
    role = discord.Object(id=1)
    with pytest.raises(TypeError, match="no payload for a Object"):
        convert(role)


def test_the_callback_types_take_what_their_events_pass() -> None:
    def parameters(alias: Any) -> list[Any]:
        assert typing.get_origin(alias) is Callable
        params, result = typing.get_args(alias)
        assert typing.get_origin(result) is Awaitable
        return list(params)

    assert parameters(callbacks.GetChannelCallback) == [int]
    assert parameters(callbacks.SendMessageCallback) == [discord.Message]
    assert parameters(callbacks.EditMemberCallback) == [
        dict[str, Any], discord.Member, str | None]

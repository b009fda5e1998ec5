"""Modals with file uploads (discord.py 2.7's ``ui.FileUpload``, and ``file_types`` as a
newer client sends it): the twin holds the bot to Discord's rules for them, and a user's
files reach the bot as attachments it can download."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import discord
import pytest
from discord.ext import commands

from wiretwin.discord.backend import BackendError
from wiretwin.discord.twin import DiscordTwin

from .bots import build_world, run_bot

Inter = discord.Interaction
PNG = b"\x89PNG\r\n\x1a\n" + bytes(24)


class TypedUpload(discord.ui.FileUpload[Any]):
    """A file upload with ``file_types``, which discord.py 2.7 does not send itself."""

    def __init__(self, file_types: list[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.file_types = file_types

    def to_component_dict(self) -> Any:
        return {**super().to_component_dict(), "file_types": self.file_types}


class Evidence(discord.ui.Modal, title="Evidence"):
    files: discord.ui.Label[Evidence] = discord.ui.Label(
        text="Screenshots or a report", component=TypedUpload(
            ["image", ".pdf"], custom_id="files", min_values=1, max_values=2))

    async def on_submit(self, interaction: Inter) -> None:
        upload = self.files.component
        assert isinstance(upload, discord.ui.FileUpload)
        read = [f"{a.filename}:{len(await a.read())}" for a in upload.values]
        await interaction.response.send_message(" ".join(read), ephemeral=True)


class BadTypes(discord.ui.Modal, title="Bad"):
    files: discord.ui.Label[BadTypes] = discord.ui.Label(
        text="Anything", component=TypedUpload(["exe"], custom_id="files"))


@pytest.fixture
async def twin() -> AsyncIterator[DiscordTwin]:
    async with DiscordTwin() as made:
        build_world(made)
        bot = commands.Bot(command_prefix="!", intents=discord.Intents.default())

        @bot.tree.command(description="Send evidence")
        async def evidence(interaction: Inter) -> None:
            await interaction.response.send_modal(Evidence())

        @bot.tree.command(description="An upload of an unknown type")
        async def bad(interaction: Inter) -> None:
            await interaction.response.send_modal(BadTypes())

        async with run_bot(made, bot):
            await bot.tree.sync()
            yield made


async def test_a_users_files_reach_the_bot_as_attachments(twin: DiscordTwin) -> None:
    opened = await twin.slash("evidence")
    assert opened.modal is not None
    answered = await twin.submit_modal(
        opened, files=[("shot.png", PNG), ("report.PDF", b"%PDF-1.7 tiny")])
    assert answered.content == f"shot.png:{len(PNG)} report.PDF:13"
    (row,) = answered.payload["data"]["components"]
    ids = row["component"]["values"]
    attachments = answered.payload["data"]["resolved"]["attachments"]
    assert [attachments[i]["filename"] for i in ids] == ["shot.png", "report.PDF"]
    assert attachments[ids[0]]["content_type"] == "image/png"


async def test_files_the_upload_does_not_take_are_refused(twin: DiscordTwin) -> None:
    opened = await twin.slash("evidence")
    with pytest.raises(BackendError, match=r"takes image, \.pdf files, not notes\.txt"):
        await twin.submit_modal(opened, files=("notes.txt", b"plain"))
    with pytest.raises(BackendError, match="takes 1-2 files, not 3"):
        await twin.submit_modal(opened, files=[("a.png", PNG)] * 3)
    with pytest.raises(BackendError, match="takes 1-2 files, not 0"):
        await twin.submit_modal(opened)


async def test_an_unknown_file_type_is_refused_as_discord_refuses_it(
        twin: DiscordTwin) -> None:
    refused = await twin.slash("bad")
    assert refused.modal is None  # the bot's send_modal got Discord's 400
    answer = json.loads(twin.journal.http(status=400)[-1].detail["response_body"])
    assert answer["code"] == 50035
    assert answer["errors"]["data"]["components"]["0"]["component"]["file_types"]["0"][
        "_errors"][0]["code"] == "FILE_TYPE_INVALID"

"""The one fixture wiretwin needs: the bot, unstarted. ``discord_env`` logs it in."""

import pytest
from bot import build_bot  # this folder: pytest puts a conftest's folder on sys.path
from discord.ext import commands


@pytest.fixture
def discord_bot() -> commands.Bot:
    return build_bot()

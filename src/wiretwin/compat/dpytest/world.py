"""dpytest's world, built in a Discord twin's model as dpytest's ``configure`` builds it.

Pure model operations, no I/O: call it before the bot logs in (or in the twin's thread).
Per guild, in dpytest's order (its ``runner.configure`` and ``backend.make_*``): the
guilds "Test Guild {n}" first (nobody owns them: ``owner_id`` 0, no owner member;
@everyone the only role, with dpytest's permissions :data:`DPYTEST_EVERYONE`), then in
each its text channels "TextChannel_{n}" at positions 1, 2... (names as given: no
lowercasing), its voice channels "VoiceChannel_{n}" numbered from 1 on their own, its
members "TestUser{n}" (a new user per guild, discriminator ``{n+1:04}``, nick
"TestUser{n}_{n}_nick"), and the bot last (nick "{bot name}_nick", no role). discord.py
keeps GUILD_CREATE's members in that order, so ``guild.members`` is
``[TestUser0, ..., bot]`` and ``guild.members[0]`` is the first test user.

The guilds hold the bot to dpytest's rules (:class:`~wiretwin.discord.model.GuildRules`):
it may manage roles, members, bans, voice and channels as dpytest lets it, while channel
overwrites that deny it SEND_MESSAGES or MANAGE_ROLES still refuse (403 50013).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...discord.model import NO_OWNER, ChannelType, DiscordModel, Guild, GuildRules
from ...discord.permissions import Permission as P

#: dpytest's @everyone (``make_role``'s default ``permissions=104324161``): view, send,
#: read history, add reactions, embed, attach, TTS, mention everyone, external emojis,
#: create invites, change nickname, connect, speak, voice activity.
DPYTEST_EVERYONE = P(
    P.CREATE_INSTANT_INVITE | P.ADD_REACTIONS | P.VIEW_CHANNEL | P.SEND_MESSAGES
    | P.SEND_TTS_MESSAGES | P.EMBED_LINKS | P.ATTACH_FILES | P.READ_MESSAGE_HISTORY
    | P.MENTION_EVERYONE | P.USE_EXTERNAL_EMOJIS | P.CONNECT | P.SPEAK | P.USE_VAD
    | P.CHANGE_NICKNAME)


@dataclass
class DpytestWorld:
    """The ids of what was built, in the order of dpytest's ``RunnerConfig``."""

    guild_ids: list[int] = field(default_factory=list)
    #: Per guild, its text channels then its voice channels.
    channel_ids: list[int] = field(default_factory=list)
    #: ``(guild id, user id)`` of the test members (not the bot), guild by guild.
    member_ids: list[tuple[int, int]] = field(default_factory=list)


def names(spec: int | list[str], pattern: str) -> list[str]:
    """dpytest's count-or-names argument: ``pattern`` numbered from 0, or the names."""
    return [pattern.format(n) for n in range(spec)] if isinstance(spec, int) else list(spec)


def build_dpytest_world(model: DiscordModel, bot_user_id: int, guilds: int | list[str] = 1,
                        text_channels: int | list[str] = 1,
                        voice_channels: int | list[str] = 1,
                        members: int | list[str] = 1) -> DpytestWorld:
    """Build dpytest's world for ``configure(client, guilds=, text_channels=,
    voice_channels=, members=)`` with ``bot_user_id`` (the application's bot) as the
    client's user; the bot joins each guild last, so its GUILD_CREATE is complete."""
    world = DpytestWorld()
    made = [_guild(model, name) for name in names(guilds, "Test Guild {}")]
    world.guild_ids = [g.id for g in made]
    bot = model.user(bot_user_id)
    for guild in made:
        for name in names(text_channels, "TextChannel_{}"):
            world.channel_ids.append(model.create_channel(
                guild, name, position=len(guild.channels) + 1, normalise_name=False).id)
        for position, name in enumerate(names(voice_channels, "VoiceChannel_{}"), 1):
            world.channel_ids.append(model.create_channel(
                guild, name, ChannelType.GUILD_VOICE, position=position).id)
        for number, name in enumerate(names(members, "TestUser{}")):
            user = model.add_user(name)
            user.discriminator = f"{number + 1:04}"
            model.add_member(guild, user.id, nick=f"{name}_{number}_nick")
            world.member_ids.append((guild.id, user.id))
        model.add_member(guild, bot.id, nick=f"{bot.username}_nick")
    return world


def _guild(model: DiscordModel, name: str) -> Guild:
    guild = model.create_guild(name, NO_OWNER, rules=GuildRules.DPYTEST)
    guild.everyone.permissions = int(DPYTEST_EVERYONE)  # before anyone can see it
    return guild


__all__ = ["DPYTEST_EVERYONE", "DpytestWorld", "build_dpytest_world", "names"]

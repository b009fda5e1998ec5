"""Reading a snapshot's channels: guild channels with their overwrites, DMs, threads."""

from __future__ import annotations

from typing import Any

from ..model import Channel, ChannelType, Overwrite
from ..model.entities import THREAD_TYPES, ThreadInfo
from .reader import Entry, State, guild_of
from .schema import CHANNEL, OVERWRITE, THREAD


def read_channels(state: State, entries: list[Any]) -> None:
    parents: list[tuple[Entry, Channel]] = []
    threads: list[tuple[Entry, Channel]] = []
    for index, raw in enumerate(entries):
        e = Entry(raw, f"channels[{index}]", ("id", "type"), CHANNEL.optional("id", "type"))
        channel_id = e.id("id")
        if channel_id in state.channels:
            raise e.fail("id", f"{str(channel_id)!r} is used twice")
        try:
            kind = ChannelType(e.number("type"))
        except ValueError:
            raise e.fail("type", f"{e.data['type']!r} is not a channel type the twin "
                                 f"models ({', '.join(str(int(t)) for t in ChannelType)})"
                         ) from None
        channel = Channel(channel_id, kind, last_message_id=e.opt_id("last_message_id"))
        if channel.is_dm:
            for key in ("guild", "name", "parent", "overwrites"):
                if e.data.get(key) is not None:
                    raise e.fail(key, "is not for a DM channel")
            recipients = e.ids("recipients")
            for user_id in recipients:
                if user_id not in state.users:
                    raise e.fail("recipients", f"{str(user_id)!r} is not in users")
            if not 1 <= len(recipients) <= (2 if kind == ChannelType.DM else 10):
                raise e.fail("recipients", "must hold the DM's users (two; one for a DM "
                                           "with oneself)")
            channel.recipients = recipients
            if kind == ChannelType.DM:
                pair = frozenset(recipients)
                if pair in state.dms:
                    raise e.fail("recipients", "already have a DM channel")
                state.dms[pair] = channel_id
        else:
            if e.data.get("recipients"):
                raise e.fail("recipients", "are for DM channels")
            if e.data.get("guild") is None:
                raise e.fail("guild", "is missing (a guild channel needs its guild)")
            guild = guild_of(state, e)
            channel.guild_id = guild.id
            channel.name = e.text("name")
            channel.position = e.number("position", len(guild.channels))
            channel.topic = e.opt_text("topic")
            channel.nsfw = e.flag("nsfw")
            channel.rate_limit_per_user = e.number("rate_limit_per_user")
            channel.bitrate = e.number("bitrate", 64000)
            channel.user_limit = e.number("user_limit")
            channel.status = e.opt_text("status")
            channel.voice_start_ms = e.time("voice_start")
            channel.parent_id = e.opt_id("parent")
            if kind in THREAD_TYPES or e.data.get("thread") is not None:
                channel.thread = thread_info(e, kind, state)
                threads.append((e, channel))
                state.channels[channel_id] = channel
                state.messages[channel_id] = {}
                continue
            for o_index, o_raw in enumerate(e.array("overwrites")):
                o = Entry(o_raw, f"{e.where}.overwrites[{o_index}]", ("id",),
                          OVERWRITE.optional("id"))
                target, o_type = o.id("id"), o.number("type")
                if o_type not in (0, 1):
                    raise o.fail("type", "must be 0 (role) or 1 (member)")
                if o_type == 0 and target not in guild.roles and target != guild.id:
                    raise o.fail("id", f"{str(target)!r}: no role with that id in the guild")
                if o_type == 1 and target not in state.users:
                    raise o.fail("id", f"{str(target)!r} is not in users")
                channel.overwrites[target] = Overwrite(target, o_type, o.bits("allow"),
                                                       o.bits("deny"))
            guild.channels.append(channel_id)
            if channel.parent_id is not None:
                parents.append((e, channel))
        state.channels[channel_id] = channel
        state.messages[channel_id] = {}
    for e, channel in parents:
        parent = state.channels.get(channel.parent_id or 0)
        if parent is None or parent.type != ChannelType.GUILD_CATEGORY \
                or parent.guild_id != channel.guild_id:
            raise e.fail("parent", f"{str(channel.parent_id)!r} is not a category of the "
                                   "same guild")
    for e, channel in threads:
        parent = state.channels.get(channel.parent_id or 0)
        if parent is None or parent.guild_id != channel.guild_id or parent.type not in (
                ChannelType.GUILD_TEXT, ChannelType.GUILD_ANNOUNCEMENT,
                ChannelType.GUILD_FORUM, ChannelType.GUILD_MEDIA):
            raise e.fail("parent", f"{str(channel.parent_id)!r} is not a text, announcement "
                                   "or forum channel of the same guild")


def thread_info(e: Entry, kind: ChannelType, state: State) -> ThreadInfo:
    if kind not in THREAD_TYPES:
        raise e.fail("thread", "is only for threads (types 10, 11, 12)")
    if e.data.get("thread") is None:
        raise e.fail("thread", "is missing (a thread needs its owner)")
    t = Entry(e.data["thread"], f"{e.where}.thread", ("owner",), THREAD.optional("owner"))
    owner = t.id("owner")
    if owner not in state.users:
        raise t.fail("owner", f"{str(owner)!r} is not in users")
    created = t.time("created") or 0.0
    info = ThreadInfo(owner, created, t.time("archive_timestamp") or created,
                      t.number("auto_archive_duration", 4320), t.flag("archived"),
                      t.flag("locked"), bool(t.data.get("invitable", True)),
                      message_count=t.number("message_count"),
                      total_message_sent=t.number("total_message_sent"),
                      applied_tags=t.ids("applied_tags"))
    for m_index, m_raw in enumerate(t.array("members")):
        m = Entry(m_raw, f"{t.where}.members[{m_index}]", ("user",), ("joined_at",))
        user_id = m.id("user")
        if user_id not in state.users:
            raise m.fail("user", f"{str(user_id)!r} is not in users")
        info.members[user_id] = m.time("joined_at") or created
    return info

"""Guild scheduled events through discord.py: events of each entity type made, listed
and fetched with their user counts; started, ended and cancelled as Discord's status
transitions allow; users who mark themselves interested (the bot hears
on_scheduled_event_user_add / _remove); Discord's 2026 permission rules
(CREATE_EVENTS to create, MANAGE_EVENTS for someone else's event); bad bodies refused
with 50035; events kept in GUILD_CREATE and in snapshots."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta

import discord
import pytest

from wiretwin.discord.cdn import PLACEHOLDER
from wiretwin.discord.model import ChannelType, Guild, ScheduledEvent, User
from wiretwin.discord.permissions import Permission
from wiretwin.discord.twin import DiscordTwin
from wiretwin.drivers.discord_py_attach import Attachment, attach

#: What the bot's role grants in the events guild: CREATE_EVENTS, and what a VOICE and a
#: STAGE_INSTANCE event's channel ask; not MANAGE_EVENTS.
CREATOR = (Permission.CREATE_EVENTS | Permission.VIEW_CHANNEL | Permission.CONNECT
           | Permission.MANAGE_CHANNELS | Permission.MUTE_MEMBERS | Permission.MOVE_MEMBERS)


@dataclass
class World:
    twin: DiscordTwin
    bot: discord.Client
    guild: Guild
    managers: Guild
    alice: User
    bob: User
    voice: int
    stage: int
    theirs: ScheduledEvent
    heard: list[tuple[str, int, int]] = field(default_factory=list)


@pytest.fixture
async def world() -> AsyncIterator[World]:
    twin = await DiscordTwin().start()
    model = twin.model
    owner = model.application.owner
    guild = model.create_guild("Events", owner.id)
    role = model.create_role(guild, "event makers", int(CREATOR))
    model.add_member(guild, model.bot.id, roles=[role.id])
    voice = model.create_channel(guild, "hangout", ChannelType.GUILD_VOICE)
    stage = model.create_channel(guild, "talks", ChannelType.GUILD_STAGE_VOICE)
    alice, bob = model.add_user("alice"), model.add_user("bob")
    model.add_member(guild, alice.id)
    model.add_member(guild, bob.id)
    managers = model.create_guild("Managers", owner.id)
    manager = model.create_role(managers, "managers", int(Permission.MANAGE_EVENTS))
    model.add_member(managers, model.bot.id, roles=[manager.id])
    theirs = await twin.backend.make_scheduled_event("owner's meetup", guild, channel=voice,
                                                     description="made by the owner")
    bot = discord.Client(intents=discord.Intents.all())
    made = World(twin, bot, guild, managers, alice, bob, voice.id, stage.id, theirs)

    @bot.event
    async def on_scheduled_event_user_add(event: discord.ScheduledEvent,
                                          user: discord.User) -> None:
        made.heard.append(("add", event.id, user.id))

    @bot.event
    async def on_scheduled_event_user_remove(event: discord.ScheduledEvent,
                                             user: discord.User) -> None:
        made.heard.append(("remove", event.id, user.id))

    attachment: Attachment = attach(twin, bot)
    try:
        yield made
    finally:
        await attachment.close()
        await twin.stop()


def _voice(world: World) -> discord.VoiceChannel:
    found = _guild(world).get_channel(world.voice)
    assert isinstance(found, discord.VoiceChannel)
    return found


def _guild(world: World, which: Guild | None = None) -> discord.Guild:
    found = world.bot.get_guild((which or world.guild).id)
    assert found is not None
    return found


async def test_an_event_of_each_entity_type_made_listed_and_fetched(world: World) -> None:
    guild = _guild(world)
    assert [e.name for e in guild.scheduled_events] == ["owner's meetup"]  # GUILD_CREATE
    start = discord.utils.utcnow() + timedelta(hours=2)
    voice = guild.get_channel(world.voice)
    stage = guild.get_channel(world.stage)
    assert isinstance(voice, discord.VoiceChannel) and isinstance(stage, discord.StageChannel)
    in_voice = await guild.create_scheduled_event(name="games night", start_time=start,
                                                  channel=voice, description="bring snacks",
                                                  privacy_level=discord.PrivacyLevel.guild_only,
                                                  image=PLACEHOLDER)
    on_stage = await guild.create_scheduled_event(name="a talk", start_time=start,
                                                  channel=stage,
                                                  privacy_level=discord.PrivacyLevel.guild_only)
    outside = await guild.create_scheduled_event(
        name="picnic", start_time=start, end_time=start + timedelta(hours=3),
        location="the park", entity_type=discord.EntityType.external,
        privacy_level=discord.PrivacyLevel.guild_only)
    assert in_voice.entity_type is discord.EntityType.voice
    assert in_voice.channel_id == world.voice and in_voice.description == "bring snacks"
    assert in_voice.creator_id == world.bot.user.id  # type: ignore[union-attr]
    assert on_stage.entity_type is discord.EntityType.stage_instance
    assert outside.entity_type is discord.EntityType.external
    assert outside.location == "the park" and outside.channel_id is None
    assert outside.end_time == start + timedelta(hours=3)
    assert in_voice.cover_image is not None
    assert await in_voice.cover_image.read() == PLACEHOLDER  # the twin's CDN
    assert {e.id for e in guild.scheduled_events} == {
        world.theirs.id, in_voice.id, on_stage.id, outside.id}  # CREATE dispatches
    listed = await guild.fetch_scheduled_events(with_counts=True)
    assert [e.name for e in listed] == ["owner's meetup", "games night", "a talk", "picnic"]
    fetched = await guild.fetch_scheduled_event(outside.id)
    assert fetched.name == "picnic" and fetched.status is discord.EventStatus.scheduled


async def test_started_ended_and_cancelled_as_discord_allows(world: World) -> None:
    guild = _guild(world)
    voice = _voice(world)
    start = discord.utils.utcnow() + timedelta(hours=1)
    event = await guild.create_scheduled_event(name="jam", start_time=start, channel=voice,
                                               privacy_level=discord.PrivacyLevel.guild_only)
    renamed = await event.edit(name="jam session", description="loud")
    assert (renamed.name, renamed.description) == ("jam session", "loud")
    with pytest.raises(discord.HTTPException) as skipped:  # SCHEDULED -> COMPLETED
        await renamed.edit(status=discord.EventStatus.completed)
    assert (skipped.value.status, skipped.value.code) == (400, 50035)
    assert "status" in skipped.value.text
    started = await renamed.start()
    assert started.status is discord.EventStatus.active
    ended = await started.end()
    assert ended.status is discord.EventStatus.completed
    assert guild.get_scheduled_event(event.id).status is discord.EventStatus.completed  # type: ignore[union-attr]
    with pytest.raises(discord.HTTPException) as done:
        await ended.edit(name="again")
    assert (done.value.status, done.value.code) == (400, 180000)
    other = await guild.create_scheduled_event(name="maybe", start_time=start, channel=voice,
                                               privacy_level=discord.PrivacyLevel.guild_only)
    cancelled = await other.cancel()
    assert cancelled.status is discord.EventStatus.cancelled
    await cancelled.delete()
    assert guild.get_scheduled_event(other.id) is None
    with pytest.raises(discord.NotFound) as gone:
        await guild.fetch_scheduled_event(other.id)
    assert gone.value.code == 10070 and "Unknown Guild Scheduled Event" in gone.value.text


async def test_users_who_are_interested_and_their_count(world: World) -> None:
    guild = _guild(world)
    backend = world.twin.backend
    async with backend.settle():
        assert await backend.subscribe_event(world.theirs, world.alice)
        assert await backend.subscribe_event(world.theirs.id, world.bob)
        assert not await backend.subscribe_event(world.theirs, world.bob)  # already was
    assert world.heard == [("add", world.theirs.id, world.alice.id),
                           ("add", world.theirs.id, world.bob.id)]
    fetched = await guild.fetch_scheduled_event(world.theirs.id, with_counts=True)
    assert fetched.user_count == 2
    users = [u.id async for u in fetched.users()]
    assert sorted(users) == sorted([world.alice.id, world.bob.id])
    async with backend.settle():
        assert await backend.unsubscribe_event(world.theirs, world.alice)
    assert world.heard[-1] == ("remove", world.theirs.id, world.alice.id)
    [listed] = [e for e in await guild.fetch_scheduled_events(with_counts=True)]
    assert listed.user_count == 1
    raw = await world.bot.http.get_scheduled_event_users(
        guild.id, world.theirs.id, limit=10, with_member=True)
    assert [(u["user"]["id"], "member" in u) for u in raw] == [(str(world.bob.id), True)]


async def test_discords_2026_permission_rules(world: World) -> None:
    start = discord.utils.utcnow() + timedelta(hours=1)
    managers = _guild(world, world.managers)
    with pytest.raises(discord.Forbidden) as manage_alone:  # MANAGE_EVENTS alone
        await managers.create_scheduled_event(
            name="no", start_time=start, end_time=start + timedelta(hours=1),
            location="somewhere", entity_type=discord.EntityType.external,
            privacy_level=discord.PrivacyLevel.guild_only)
    assert manage_alone.value.code == 50013
    guild = _guild(world)
    theirs = guild.get_scheduled_event(world.theirs.id)
    assert theirs is not None
    with pytest.raises(discord.Forbidden) as not_mine:  # CREATE_EVENTS: one's own only
        await theirs.edit(name="mine now")
    assert not_mine.value.code == 50013
    with pytest.raises(discord.Forbidden):
        await theirs.delete()
    mine = await guild.create_scheduled_event(
        name="mine", start_time=start, channel=_voice(world),
        privacy_level=discord.PrivacyLevel.guild_only)
    assert (await mine.edit(name="still mine")).name == "still mine"
    await mine.delete()
    voice = world.twin.model.channels[world.voice]
    world.twin.model.set_overwrite(voice, world.guild.id, 0, 0, int(Permission.CONNECT))
    with pytest.raises(discord.Forbidden) as no_connect:  # a VOICE event's channel
        await guild.create_scheduled_event(
            name="quiet", start_time=start, channel=_voice(world),
            privacy_level=discord.PrivacyLevel.guild_only)
    assert no_connect.value.code == 50013


async def test_bad_bodies_are_refused_with_their_fields(world: World) -> None:
    http = world.bot.http
    start = (discord.utils.utcnow() + timedelta(hours=1)).isoformat()
    with pytest.raises(discord.HTTPException) as long_name:
        await http.create_guild_scheduled_event(
            world.guild.id, name="x" * 101, privacy_level=2, scheduled_start_time=start,
            entity_type=2, channel_id=world.voice)
    assert (long_name.value.status, long_name.value.code) == (400, 50035)
    assert "In name: Must be between 1 and 100 in length." in long_name.value.text
    with pytest.raises(discord.HTTPException) as no_end:  # EXTERNAL needs an end time
        await http.create_guild_scheduled_event(
            world.guild.id, name="picnic", privacy_level=2, scheduled_start_time=start,
            entity_type=3, entity_metadata={"location": "the park"})
    assert no_end.value.code == 50035 and "In scheduled_end_time:" in no_end.value.text
    with pytest.raises(discord.HTTPException) as wrong_kind:  # a VOICE event on a stage
        await http.create_guild_scheduled_event(
            world.guild.id, name="talk", privacy_level=2, scheduled_start_time=start,
            entity_type=2, channel_id=world.stage)
    assert wrong_kind.value.code == 50035 and "In channel_id:" in wrong_kind.value.text
    past = (discord.utils.utcnow() - timedelta(hours=1)).isoformat()
    with pytest.raises(discord.HTTPException) as in_the_past:
        await http.create_guild_scheduled_event(
            world.guild.id, name="late", privacy_level=2, scheduled_start_time=past,
            entity_type=2, channel_id=world.voice)
    assert in_the_past.value.code == 50035 and "In scheduled_start_time:" in in_the_past.value.text
    with pytest.raises(discord.HTTPException) as public:  # only GUILD_ONLY (2)
        await http.create_guild_scheduled_event(
            world.guild.id, name="open", privacy_level=1, scheduled_start_time=start,
            entity_type=2, channel_id=world.voice)
    assert public.value.code == 50035 and "In privacy_level:" in public.value.text
    with pytest.raises(discord.HTTPException) as nowhere:  # EXTERNAL needs a location
        await http.create_guild_scheduled_event(
            world.guild.id, name="somewhere", privacy_level=2, scheduled_start_time=start,
            scheduled_end_time=start, entity_type=3)
    assert nowhere.value.code == 50035
    assert "In entity_type.location: This field is required" in nowhere.value.text


async def test_events_and_their_subscribers_survive_a_snapshot(world: World) -> None:
    await world.twin.backend.subscribe_event(world.theirs, world.alice)
    saved = world.twin.snapshot()
    [entry] = saved["scheduled_events"]
    assert entry["subscribers"] == [str(world.alice.id)]
    guild = world.twin.model.guilds[world.guild.id]
    world.twin.model.delete_scheduled_event(guild, world.theirs, guild.owner_id)
    world.twin.restore(saved)
    back = world.twin.model.guilds[world.guild.id].scheduled_events[world.theirs.id]
    assert (back.name, back.subscribers, back.channel_id) == (
        "owner's meetup", [world.alice.id], world.voice)
    assert world.twin.snapshot()["scheduled_events"] == saved["scheduled_events"]

"""Every Discord object's snapshot entry, held to its serializer and its model class.

A field missing on both sides (neither dumped nor parsed) passes any round trip of a
snapshot; these tests catch it from the model's side instead. For each kind of object
(:data:`wiretwin.discord.snapshot.schema.SCHEMAS`):

* the fixtures below set every dataclass field to something other than its default, so
  a new field fails :func:`test_the_fixtures_populate_every_field` until it is set here;
* every dataclass field is saved (``fields``) or said why not (``elsewhere``), and every
  key of the serializer's output is saved or said why not (``unsaved``);
* a snapshot of the fixtures, read back, gives objects with the same saved fields and the
  same JSON.
"""

from __future__ import annotations

from dataclasses import MISSING, fields, is_dataclass
from typing import Any

import pytest

from wiretwin.discord.model import (
    Application,
    Attachment,
    Channel,
    ChannelType,
    DiscordModel,
    Emoji,
    Guild,
    GuildRules,
    Member,
    Message,
    Overwrite,
    Poll,
    Reaction,
    Role,
    ScheduledEvent,
    Sticker,
    User,
    Webhook,
)
from wiretwin.discord.model.entities import ThreadInfo
from wiretwin.discord.snapshot import SnapshotError
from wiretwin.discord.snapshot.dump import snapshot
from wiretwin.discord.snapshot.parse import parse
from wiretwin.discord.snapshot.reader import State
from wiretwin.discord.snapshot.schema import CHANNEL, SCHEMAS, THREAD_CHANNEL_UNSAVED, Schema
from wiretwin.discord.wire import serialize
from wiretwin.runtime.clock import VirtualClock

OWNER, BOT, BANNED = 10, 11, 12
GUILD, MOD = 100, 101
CATEGORY, TEXT, VOICE, THREAD, DM = 200, 201, 202, 203, 300
HOOK = 400
EMOJI, APP_EMOJI = 500, 501
STICKER = 600
EVENT, EXTERNAL_EVENT = 700, 701
MESSAGE = 1 << 42  # a snowflake: its id carries its time
T0 = 1_700_000_000_123.0
ME = BOT

#: JSON keys that do not come back because of a field ``elsewhere`` says is not kept.
KNOWN_GAPS: dict[str, set[str]] = {}


class _Quiet:
    def dispatch(self, event: str, data: dict[str, Any], *, guild_id: int | None = None,
                 user_ids: frozenset[int] | None = None) -> None:
        """The fixtures are built without dispatches."""

    def guild_joined(self, guild_id: int) -> None:
        """Nor a GUILD_CREATE."""

    def wake_at(self, when_ms: float) -> None:
        """Nor timers."""


def url(channel_id: int, attachment_id: int, filename: str) -> str:
    return f"http://127.0.0.1:1/attachments/{channel_id}/{attachment_id}/{filename}"


def _objects() -> dict[str, list[Any]]:
    """Every kind of object, every field away from its default in at least one."""
    owner = User(OWNER, "owner")
    bot = User(BOT, "bot", "0001", "The Bot", "a" * 32, bot=True, system=True,
               public_flags=64)
    banned = User(BANNED, "banned")
    app = Application(1, "app", bot, owner, "token.x", "an app", flags=3,
                      verify_key="f" * 64)
    everyone = Role(GUILD, GUILD, "@everyone", 1024)
    mod = Role(MOD, GUILD, "mod", 8, position=1, color=5, hoist=True, mentionable=True,
               managed=True)
    overwrite = Overwrite(MOD, 0, allow=1024, deny=2048)
    category = Channel(CATEGORY, ChannelType.GUILD_CATEGORY, "cat", GUILD)
    text = Channel(TEXT, ChannelType.GUILD_TEXT, "text", GUILD, position=3,
                   parent_id=CATEGORY, topic="a topic", nsfw=True,
                   overwrites={MOD: overwrite}, last_message_id=MESSAGE,
                   rate_limit_per_user=5, bitrate=96000, user_limit=7)
    voice = Channel(VOICE, ChannelType.GUILD_VOICE, "voice", GUILD, bitrate=32000,
                    user_limit=3, status="a status", voice_start_ms=T0 + 7)
    info = ThreadInfo(OWNER, T0, T0 + 1000, auto_archive_duration=60, archived=True,
                      locked=True, invitable=False, members={BOT: T0 + 5},
                      message_count=3, total_message_sent=4, applied_tags=[77])
    thread = Channel(THREAD, ChannelType.PRIVATE_THREAD, "thread", GUILD,
                     parent_id=TEXT, thread=info)
    dm = Channel(DM, ChannelType.DM, recipients=[OWNER, BOT])
    owner_member = Member(OWNER, GUILD, T0)
    member = Member(BOT, GUILD, T0 + 1, nick="bot", roles=[MOD], deaf=True, mute=True,
                    pending=True, timeout_until=T0 + 60_000)
    emoji = Emoji(EMOJI, "blob", GUILD, OWNER, b"GIF89a", "image/gif", roles=[MOD],
                  animated=True, available=False)
    app_emoji = Emoji(APP_EMOJI, "app_blob", None, BOT, b"\x89PNG", "image/png")
    sticker = Sticker(STICKER, "wave", GUILD, OWNER, 4, b"GIF89a", "a wave", "wave,hi",
                      available=False)
    event = ScheduledEvent(EVENT, GUILD, "voice night", OWNER, 2, T0 + 60_000, VOICE,
                           T0 + 120_000, "come along", status=2, image=b"GIF89a",
                           recurrence_rule={"frequency": 2, "interval": 1},
                           subscribers=[OWNER, BOT])
    external = ScheduledEvent(EXTERNAL_EVENT, GUILD, "picnic", BOT, 3, T0 + 60_000,
                              end_ms=T0 + 90_000, location="the park")
    guild = Guild(GUILD, "guild", OWNER, T0 - 1000, roles={GUILD: everyone, MOD: mod},
                  channels=[CATEGORY, TEXT, VOICE], members={OWNER: owner_member,
                                                             BOT: member},
                  bans={BANNED: "spam"}, voice_states={BOT: VOICE}, description="a guild",
                  icon="b" * 32, afk_channel_id=VOICE, system_channel_id=TEXT,
                  verification_level=2, preferred_locale="de", rules=GuildRules.DPYTEST,
                  emojis={EMOJI: emoji}, stickers={STICKER: sticker},
                  scheduled_events={EVENT: event, EXTERNAL_EVENT: external})
    attachment = Attachment(MESSAGE + 1, "a.txt", 3, "text/plain", url(TEXT, MESSAGE + 1,
                                                                         "a.txt"),
                            b"abc", "a file", expired=True, duration_secs=2.5,
                            waveform="AAEC")
    reaction = Reaction({"id": None, "name": "👍"}, [OWNER, BOT])
    poll = Poll("tea or coffee?", [
        {"answer_id": 1, "poll_media": {"text": "tea", "emoji": {"id": None, "name": "🍵"}}},
        {"answer_id": 2, "poll_media": {"text": "coffee"}}],
        T0 + 3_600_000, allow_multiselect=True, layout_type=2,
        votes={1: [OWNER, BANNED], 2: [OWNER]}, finalized=True)
    message = Message(
        MESSAGE, TEXT, OWNER, "hello", GUILD, type=19, tts=True, embeds=[{"title": "e"}],
        attachments=[attachment], mentions=[BOT], mention_roles=[MOD],
        mention_everyone=True, reactions={reaction.key: reaction}, pinned=True,
        pinned_ms=T0 + 3000,
        edited_ms=T0 + 2000, reference={"message_id": str(MESSAGE - 1)}, nonce="n1",
        components=[{"type": 1, "components": []}], flags=4, webhook_id=HOOK,
        interaction={"id": "5", "type": 2}, webhook_author={"id": str(HOOK)}, poll=poll,
        snapshots=[{"type": 0, "content": "forwarded", "embeds": [], "attachments": [],
                    "timestamp": "2023-11-14T22:13:20.123000+00:00",
                    "edited_timestamp": None, "flags": 0, "mentions": [],
                    "mention_roles": [], "stickers": [], "sticker_items": [],
                    "components": []}])
    hook = Webhook(HOOK, GUILD, TEXT, "hook", "hook-token", OWNER, avatar="c" * 32)
    return {"User": [owner, bot, banned], "Application": [app], "Guild": [guild],
            "Role": [everyone, mod], "Overwrite": [overwrite],
            "Channel": [category, text, voice, thread, dm], "ThreadInfo": [info],
            "Member": [owner_member, member], "Attachment": [attachment],
            "Reaction": [reaction], "Poll": [poll], "Message": [message],
            "Webhook": [hook], "Emoji": [emoji, app_emoji], "Sticker": [sticker],
            "ScheduledEvent": [event, external]}


def _model(objects: dict[str, list[Any]]) -> DiscordModel:
    app = objects["Application"][0]
    model = DiscordModel(_Quiet(), VirtualClock(), app)
    model.users.update({u.id: u for u in objects["User"]})
    model.guilds.update({g.id: g for g in objects["Guild"]})
    model.channels.update({c.id: c for c in objects["Channel"]})
    for message in objects["Message"]:
        model.messages.setdefault(message.channel_id, {})[message.id] = message
    model.webhooks.update({h.id: h for h in objects["Webhook"]})
    model.app_emojis.update({e.id: e for e in objects["Emoji"] if e.guild_id is None})
    return model


def _restored(state: State, kind: str, original: Any) -> Any:
    """The object read back from the snapshot that stands for ``original``."""
    found: dict[str, Any] = {
        "User": lambda: state.users[original.id],
        "Application": lambda: state.application,
        "Guild": lambda: state.guilds[original.id],
        "Role": lambda: state.guilds[original.guild_id].roles[original.id],
        "Overwrite": lambda: state.channels[TEXT].overwrites[original.id],
        "Channel": lambda: state.channels[original.id],
        "ThreadInfo": lambda: state.channels[THREAD].thread,
        "Member": lambda: state.guilds[original.guild_id].members[original.user_id],
        "Attachment": lambda: state.messages[TEXT][MESSAGE].attachments[0],
        "Reaction": lambda: state.messages[TEXT][MESSAGE].reactions[original.key],
        "Poll": lambda: state.messages[TEXT][MESSAGE].poll,
        "Message": lambda: state.messages[original.channel_id][original.id],
        "Webhook": lambda: state.webhooks[original.id],
        "Emoji": lambda: (state.app_emojis[original.id] if original.guild_id is None
                          else state.guilds[original.guild_id].emojis[original.id]),
        "Sticker": lambda: state.guilds[original.guild_id].stickers[original.id],
        "ScheduledEvent": lambda: state.guilds[original.guild_id].scheduled_events[
            original.id],
    }
    return found[kind]()


def _json(kind: str, obj: Any, users: dict[int, User]) -> dict[str, Any]:
    """The object as the serializer shows it, every optional part included."""
    makers: dict[str, Any] = {
        "User": serialize.user_json, "Application": serialize.application_json,
        "Guild": serialize.guild_json, "Role": serialize.role_json,
        "Overwrite": serialize.overwrite_json,
        "Channel": lambda c: serialize.channel_json(c, users),
        "ThreadInfo": lambda i: serialize.thread_member_json(i, THREAD, BOT),
        "Member": lambda m: serialize.member_json(m, users[m.user_id]),
        "Attachment": serialize.attachment_json,
        "Reaction": lambda r: serialize.reaction_json(r, ME),
        "Poll": lambda p: serialize.poll_json(p, ME),
        "Message": lambda m: serialize.message_json(m, users, me=ME),
        "Webhook": lambda h: serialize.webhook_json(h, users),
        "Emoji": lambda e: serialize.emoji_json(e, users[e.creator_id]),
        "Sticker": lambda t: serialize.sticker_json(t, users[t.creator_id]),
        "ScheduledEvent": lambda e: serialize.scheduled_event_json(
            e, users[e.creator_id], user_count=True),
    }
    data: dict[str, Any] = makers[kind](obj)
    return data


def _same(a: Any, b: Any) -> bool:
    """Equal, comparing the model's objects by the fields their schema saves only."""
    if is_dataclass(a) and not isinstance(a, type):
        if type(a) is not type(b):
            return False
        schema = SCHEMAS[type(a).__name__]
        return all(_same(getattr(a, f), getattr(b, f)) for f in schema.fields)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


OBJECTS = _objects()
KINDS = sorted(SCHEMAS)


def test_every_kind_has_fixtures() -> None:
    assert sorted(OBJECTS) == KINDS


@pytest.mark.parametrize("kind", KINDS)
def test_the_fixtures_populate_every_field(kind: str) -> None:
    """A field left at its default in every fixture could be lost unseen."""
    objects = OBJECTS[kind]
    for f in fields(objects[0]):
        if f.default is not MISSING:
            default = f.default
        elif f.default_factory is not MISSING:
            default = f.default_factory()
        else:
            continue
        assert any(getattr(o, f.name) != default for o in objects), \
            f"{kind}.{f.name}: set it away from its default in a fixture here"


@pytest.mark.parametrize("kind", KINDS)
def test_every_model_field_is_saved_or_said_why(kind: str) -> None:
    schema: Schema = SCHEMAS[kind]
    names = {f.name for f in fields(OBJECTS[kind][0])}
    assert not set(schema.fields) & set(schema.elsewhere)
    assert names == set(schema.fields) | set(schema.elsewhere), \
        f"{kind}: list each field in the schema's fields or elsewhere (with why)"
    assert set(schema.fields.values()) <= set(schema.keys)


@pytest.mark.parametrize("kind", KINDS)
def test_every_serializer_key_is_saved_or_said_why(kind: str) -> None:
    if kind == "ThreadInfo":  # a thread's entry comes from its channel's JSON
        kind, objects = "Channel", [c for c in OBJECTS["Channel"] if c.thread]
    else:
        objects = OBJECTS[kind]
    schema = SCHEMAS[kind]
    users = {u.id: u for u in OBJECTS["User"]}
    saved = {path.split(".")[0] for path in schema.shared.values()}
    for obj in objects:
        keys = set(_json(kind, obj, users))
        assert keys <= saved | set(schema.unsaved), \
            f"{kind}: save {sorted(keys - saved - set(schema.unsaved))} or say why not"
        assert not saved & set(schema.unsaved)


@pytest.mark.parametrize("kind", KINDS)
def test_a_snapshot_gives_back_every_saved_field_and_the_same_json(kind: str) -> None:
    model = _model(OBJECTS)
    data = snapshot(model)
    state = parse(data, url)
    assert snapshot(_model({**OBJECTS, **_state_objects(state)})) == data
    users = {u.id: u for u in OBJECTS["User"]}
    gaps = KNOWN_GAPS.get(kind, set())
    for original in OBJECTS[kind]:
        restored = _restored(state, kind, original)
        for name in SCHEMAS[kind].fields:
            if isinstance(original, Channel) and original.thread is not None \
                    and name in THREAD_CHANNEL_UNSAVED:
                continue
            assert _same(getattr(original, name), getattr(restored, name)), \
                f"{kind}.{name}: {getattr(original, name)!r} came back as " \
                f"{getattr(restored, name)!r}"
        before, after = _json(kind, original, users), _json(kind, restored, users)
        assert {k: v for k, v in before.items() if k not in gaps} \
            == {k: v for k, v in after.items() if k not in gaps}


def _state_objects(state: State) -> dict[str, list[Any]]:
    """The parsed state as fixtures (to dump it again)."""
    return {"User": list(state.users.values()), "Application": [state.application],
            "Guild": list(state.guilds.values()), "Channel": list(state.channels.values()),
            "Message": [m for msgs in state.messages.values() for m in msgs.values()],
            "Webhook": list(state.webhooks.values())}


def test_a_channel_entry_holds_only_its_type_s_keys() -> None:
    """A DM has no guild keys, a thread no position or overwrites, only a voice channel
    a status and a start time (the saved format)."""
    data = snapshot(_model(OBJECTS))
    by_id = {int(c["id"]): c for c in data["channels"]}
    voice_only = {"status", "voice_start"}
    assert set(by_id[DM]) == {"id", "type", "recipients", "last_message_id"}
    assert set(by_id[THREAD]) == set(CHANNEL.keys) - {"recipients", "position",
                                                      "overwrites"} - voice_only
    assert set(by_id[TEXT]) == set(CHANNEL.keys) - {"recipients", "thread"} - voice_only
    assert set(by_id[VOICE]) == set(CHANNEL.keys) - {"recipients", "thread"}


def test_a_webhook_messages_author_is_kept_and_checked() -> None:
    data = snapshot(_model(OBJECTS))
    hooked = [m for m in data["messages"] if "webhook_author" in m]
    assert hooked and all(m["webhook_id"] is not None for m in hooked)
    hooked[0]["webhook_author"] = "Captain Hook"
    with pytest.raises(SnapshotError, match=r"messages\[\d+\]: webhook_author must be"):
        parse(data, url)

"""Restoring a parsed snapshot into a live model, telling connected bots what changed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..model import (
    Channel,
    DiscordModel,
    Guild,
    User,
)
from ..model.entities import emoji_key
from .common import FORMAT, AttachmentUrl, SnapshotError
from .dump import snapshot
from .parse import parse

# -- restore ----------------------------------------------------------------------------


def restore(model: DiscordModel, data: dict[str, Any], *, attachment_url: AttachmentUrl,
            drop_sessions: Callable[[], None]) -> None:
    """Make ``model`` hold ``data`` and tell connected sessions (the module's rule).

    ``drop_sessions`` closes every gateway connection with 4004 and forgets its session
    (called when the application's identity or token changes)."""
    state = parse(data, attachment_url)
    before = _Index(snapshot(model))
    old_users = dict(model.users)
    old_channels = dict(model.channels)
    old = model.application
    identity = (state.application.id != old.id or state.application.bot.id != old.bot.id
                or state.application.token != old.token)
    if identity:
        drop_sessions()
    model.application = state.application
    # In place: the gateway and REST layers hold the model, not copies of its tables.
    tables: tuple[tuple[dict[Any, Any], dict[Any, Any]], ...] = (
        (model.users, state.users), (model.guilds, state.guilds),
        (model.channels, state.channels), (model.messages, state.messages),
        (model.dms, state.dms), (model.app_commands, state.commands),
        (model.webhooks, state.webhooks), (model.app_emojis, state.app_emojis),
        (model.command_permissions, state.command_permissions))
    for table, restored in tables:
        table.clear()
        table.update(restored)
    model.storage.clear()
    model.voice_connections.clear()  # a new world: voice tokens start over
    _reserve_ids(model, data)
    if not identity:
        _Teller(model, before, _Index(snapshot(model)), old_users, old_channels).tell()
    model.wake_for_polls()


def _reserve_ids(model: DiscordModel, data: dict[str, Any]) -> None:
    """New ids must sort after the restored ones (a snapshot may come from a clock that
    ran ahead)."""
    highest = 0
    for entry in data.get("messages", []):
        highest = max(highest, int(entry["id"]))
        for attachment in entry.get("attachments") or []:
            highest = max(highest, int(attachment["id"]))
    for entry in data.get("webhooks", []):
        highest = max(highest, int(entry["id"]))
    for entry in data.get("commands", []):
        highest = max(highest, int(entry["id"]), int(entry.get("version") or 0))
    for key in ("users", "guilds", "channels", "emojis", "stickers",
                "scheduled_events"):
        for entry in data.get(key, []):
            highest = max(highest, int(entry["id"]))
    model.ids.follow(highest)


class _Index:
    """A snapshot, indexed for comparing two of them."""

    def __init__(self, snap: dict[str, Any]) -> None:
        self.bot = snap["application"]["bot"]
        self.users = {u["id"]: u for u in snap["users"]}
        self.guilds = {g["id"]: g for g in snap["guilds"]}
        self.roles: dict[str, dict[str, dict[str, Any]]] = {}
        self.members: dict[str, dict[str, dict[str, Any]]] = {}
        self.bans: dict[str, dict[str, dict[str, Any]]] = {}
        self.voice: dict[str, dict[str, str]] = {}
        self.channels: dict[str, dict[str, Any]] = {}
        self.guild_channels: dict[str, list[str]] = {}
        for g in self.guilds:
            for name in ("roles", "members", "bans", "voice", "guild_channels"):
                getattr(self, name)[g] = [] if name == "guild_channels" else {}
        for r in snap["roles"]:
            self.roles[r["guild"]][r["id"]] = r
        for m in snap["members"]:
            self.members[m["guild"]][m["user"]] = m
        for b in snap["bans"]:
            self.bans[b["guild"]][b["user"]] = b
        for v in snap["voice_states"]:
            self.voice[v["guild"]][v["user"]] = v["channel"]
        for c in snap["channels"]:
            # A new message moves last_message_id; Discord sends no CHANNEL_UPDATE for it.
            self.channels[c["id"]] = {k: v for k, v in c.items() if k != "last_message_id"}
            if c.get("guild") is not None:
                self.guild_channels[c["guild"]].append(c["id"])
        self.messages: dict[str, dict[str, dict[str, Any]]] = {c: {} for c in self.channels}
        self.reactions: dict[str, dict[str, dict[tuple[str, str], dict[str, Any]]]] = {}
        #: channel -> message -> (answer id, user id) of each vote on its poll.
        self.votes: dict[str, dict[str, set[tuple[int, str]]]] = {}
        for m in snap["messages"]:
            body = {k: v for k, v in m.items() if k != "reactions"}
            poll = m.get("poll")
            if poll is not None:  # votes are told as votes, not as an edit
                body["poll"] = {k: v for k, v in poll.items() if k != "votes"}
            self.messages[m["channel"]][m["id"]] = body
            self.reactions.setdefault(m["channel"], {})[m["id"]] = {
                (emoji_key(r["emoji"]), u): r["emoji"] for r in m["reactions"]
                for u in r["users"]}
            self.votes.setdefault(m["channel"], {})[m["id"]] = {
                (v["answer"], u) for v in (poll or {}).get("votes", []) for u in v["users"]}
        #: Guilds the bot is in, in order.
        self.visible = [g for g in self.guilds if self.bot in self.members[g]]


class _Teller:
    """Dispatches the differences between two indexed snapshots (the module's rule)."""

    def __init__(self, model: DiscordModel, before: _Index, after: _Index,
                 old_users: dict[int, User], old_channels: dict[int, Channel]) -> None:
        self.model = model
        self.before = before
        self.after = after
        self.old_users = old_users
        self.old_channels = old_channels

    def send(self, event: str, data: dict[str, Any], guild: str | None,
             user_ids: frozenset[int] | None = None) -> None:
        self.model.effects.dispatch(event, data, guild_id=int(guild) if guild else None,
                                    user_ids=user_ids)

    def tell(self) -> None:
        before, after = self.before, self.after
        if before.users.get(after.bot) != after.users[after.bot]:
            self.send("USER_UPDATE", self.model.bot.to_json(), None)
        for gid in before.visible:
            if gid not in after.visible:
                gone: dict[str, Any] = {"id": gid}
                if gid not in after.guilds:
                    gone["unavailable"] = False
                self.send("GUILD_DELETE", gone, gid)
        for gid in after.visible:
            if gid in before.visible:
                self.guild(gid)
        for cid, channel in after.channels.items():
            if channel.get("guild") is None and cid in before.channels:
                recipients = frozenset(int(u) for u in channel["recipients"])
                self.messages(cid, None, recipients)
        for gid in after.visible:
            if gid not in before.visible:
                self.model.effects.guild_joined(int(gid))

    def guild(self, gid: str) -> None:
        before, after, model = self.before, self.after, self.model
        guild = model.guilds[int(gid)]
        if before.guilds[gid] != after.guilds[gid]:
            self.send("GUILD_UPDATE", guild.to_json(), gid)
        old_roles, new_roles = before.roles[gid], after.roles[gid]
        for rid, role in new_roles.items():
            if old_roles.get(rid) != role:
                self.send("GUILD_ROLE_UPDATE" if rid in old_roles else "GUILD_ROLE_CREATE",
                          {"guild_id": gid, "role": guild.roles[int(rid)].to_json()}, gid)
        old_channels = before.guild_channels[gid]
        for cid in after.guild_channels[gid]:
            if before.channels.get(cid) != after.channels[cid]:
                thread = "thread" in after.channels[cid]
                kind = "THREAD" if thread else "CHANNEL"
                self.send(f"{kind}_UPDATE" if cid in old_channels else f"{kind}_CREATE",
                          model.channel_json(model.channels[int(cid)]), gid)
        old_members, new_members = before.members[gid], after.members[gid]
        for uid, member in new_members.items():
            changed = old_members.get(uid) != member or (
                before.users.get(uid) != after.users[uid])
            if changed:
                self.send("GUILD_MEMBER_UPDATE" if uid in old_members else "GUILD_MEMBER_ADD",
                          {**model.member_json(guild, int(uid)), "guild_id": gid}, gid)
        self.voice(gid, guild)
        old_bans, new_bans = before.bans[gid], after.bans[gid]
        for uid in new_bans:
            if uid not in old_bans:
                self.send("GUILD_BAN_ADD", {"guild_id": gid,
                                            "user": model.users[int(uid)].to_json()}, gid)
        for cid in after.guild_channels[gid]:
            if cid in old_channels:
                self.messages(cid, gid, None)
        for uid in old_bans:
            if uid not in new_bans:
                user = model.users.get(int(uid)) or self.old_users[int(uid)]
                self.send("GUILD_BAN_REMOVE", {"guild_id": gid, "user": user.to_json()}, gid)
        for cid in old_channels:
            if cid not in after.guild_channels[gid]:
                gone = self.old_channels[int(cid)]
                if gone.thread is not None:
                    self.send("THREAD_DELETE", {
                        "id": cid, "guild_id": gid, "parent_id": str(gone.parent_id),
                        "type": int(gone.type)}, gid)
                else:
                    self.send("CHANNEL_DELETE", gone.to_json(self.old_users), gid)
        for uid in old_members:
            if uid not in new_members:
                self.send("GUILD_MEMBER_REMOVE", {
                    "guild_id": gid, "user": self.old_users[int(uid)].to_json()}, gid)
        for rid in old_roles:
            if rid not in new_roles:
                self.send("GUILD_ROLE_DELETE", {"guild_id": gid, "role_id": rid}, gid)

    def voice(self, gid: str, guild: Guild) -> None:
        old, new = self.before.voice[gid], self.after.voice[gid]
        for uid in dict.fromkeys([*old, *new]):
            if old.get(uid) == new.get(uid):
                continue
            if uid in new:
                state = self.model.voice_state_json(guild, int(uid))
            else:
                state = {"guild_id": gid, "channel_id": None, "user_id": uid,
                         "session_id": f"voice-{uid}", "deaf": False, "mute": False,
                         "self_deaf": False, "self_mute": False, "self_stream": False,
                         "self_video": False, "suppress": False,
                         "request_to_speak_timestamp": None}
                if int(uid) in guild.members:
                    state["member"] = self.model.member_json(guild, int(uid))
            self.send("VOICE_STATE_UPDATE", state, gid)

    def messages(self, cid: str, gid: str | None, dm: frozenset[int] | None) -> None:
        model = self.model
        old = self.before.messages.get(cid, {})
        new = self.after.messages.get(cid, {})
        stored = model.messages[int(cid)]
        base: dict[str, Any] = {"channel_id": cid}
        if gid is not None:
            base["guild_id"] = gid
        for mid, body in new.items():
            if old.get(mid) != body:
                self.send("MESSAGE_UPDATE" if mid in old else "MESSAGE_CREATE",
                          model.message_json(stored[int(mid)]), gid, dm)
            if mid not in old:
                continue
            message = stored[int(mid)]
            was = self.before.reactions[cid][mid]
            now = self.after.reactions[cid][mid]
            for (key, uid), emoji in now.items():
                if (key, uid) not in was:
                    event = {**base, "user_id": uid, "message_id": mid, "emoji": emoji,
                             "burst": False, "type": 0,
                             "message_author_id": str(message.author_id)}
                    if gid is not None and int(uid) in model.guilds[int(gid)].members:
                        event["member"] = model.member_json(model.guilds[int(gid)], int(uid))
                    self.send("MESSAGE_REACTION_ADD", event, gid, dm)
            for (key, uid), emoji in was.items():
                if (key, uid) not in now:
                    self.send("MESSAGE_REACTION_REMOVE", {
                        **base, "user_id": uid, "message_id": mid, "emoji": emoji,
                        "burst": False, "type": 0}, gid, dm)
            voted = self.before.votes[cid][mid]
            votes = self.after.votes[cid][mid]
            for name, changed in (("MESSAGE_POLL_VOTE_REMOVE", voted - votes),
                                  ("MESSAGE_POLL_VOTE_ADD", votes - voted)):
                for answer, uid in sorted(changed):
                    self.send(name, {**base, "user_id": uid, "message_id": mid,
                                     "answer_id": answer}, gid, dm)
        for mid in old:
            if mid not in new:
                self.send("MESSAGE_DELETE", {"id": mid, **base}, gid, dm)


__all__ = ["FORMAT", "SnapshotError", "restore", "snapshot"]

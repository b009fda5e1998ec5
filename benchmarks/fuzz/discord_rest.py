"""Valid Discord REST v10 traffic, for the Discord fuzzer to mutate.

Every route the twin serves (``src/wiretwin/discord/http/*.py`` and
``http/interactions.py``) with the JSON body discord.py, hikari or discord.js would send,
filled with ids from the twin's world (its guild, channels, members, roles, the welcome
message) and from what the fuzzer made at set-up (a webhook, a thread, a command, a DM).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from .mutators import q

#: (method, template) of every route; a template's ``{names}`` are filled from World.
ROUTES: tuple[tuple[str, str], ...] = (
    ("GET", "/users/@me"), ("PATCH", "/users/@me"), ("GET", "/users/@me/guilds"),
    ("DELETE", "/users/@me/guilds/{guild_id}"), ("POST", "/users/@me/channels"),
    ("GET", "/users/{user_id}"), ("GET", "/oauth2/applications/@me"),
    ("GET", "/applications/@me"), ("GET", "/gateway"), ("GET", "/gateway/bot"),
    ("GET", "/soundboard-default-sounds"),
    ("GET", "/channels/{channel_id}"), ("PATCH", "/channels/{channel_id}"),
    ("DELETE", "/channels/{channel_id}"), ("GET", "/channels/{channel_id}/messages"),
    ("POST", "/channels/{channel_id}/messages"),
    ("POST", "/channels/{channel_id}/messages/bulk-delete"),
    ("GET", "/channels/{channel_id}/messages/pins"),
    ("PUT", "/channels/{channel_id}/messages/pins/{message_id}"),
    ("DELETE", "/channels/{channel_id}/messages/pins/{message_id}"),
    ("GET", "/channels/{channel_id}/messages/{message_id}"),
    ("PATCH", "/channels/{channel_id}/messages/{message_id}"),
    ("DELETE", "/channels/{channel_id}/messages/{message_id}"),
    ("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me"),
    ("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me"),
    ("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/{user_id}"),
    ("GET", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}"),
    ("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}"),
    ("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions"),
    ("GET", "/channels/{channel_id}/pins"), ("PUT", "/channels/{channel_id}/pins/{message_id}"),
    ("DELETE", "/channels/{channel_id}/pins/{message_id}"),
    ("POST", "/channels/{channel_id}/typing"),
    ("PUT", "/channels/{channel_id}/permissions/{overwrite_id}"),
    ("DELETE", "/channels/{channel_id}/permissions/{overwrite_id}"),
    ("GET", "/guilds/{guild_id}"), ("PATCH", "/guilds/{guild_id}"),
    ("GET", "/guilds/{guild_id}/channels"), ("POST", "/guilds/{guild_id}/channels"),
    ("PATCH", "/guilds/{guild_id}/channels"), ("GET", "/guilds/{guild_id}/members"),
    ("GET", "/guilds/{guild_id}/members/search"), ("PATCH", "/guilds/{guild_id}/members/@me"),
    ("GET", "/guilds/{guild_id}/members/{user_id}"),
    ("PATCH", "/guilds/{guild_id}/members/{user_id}"),
    ("DELETE", "/guilds/{guild_id}/members/{user_id}"),
    ("PUT", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}"),
    ("DELETE", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}"),
    ("GET", "/guilds/{guild_id}/bans"), ("GET", "/guilds/{guild_id}/bans/{user_id}"),
    ("PUT", "/guilds/{guild_id}/bans/{user_id}"), ("DELETE", "/guilds/{guild_id}/bans/{user_id}"),
    ("GET", "/guilds/{guild_id}/roles"), ("POST", "/guilds/{guild_id}/roles"),
    ("PATCH", "/guilds/{guild_id}/roles"), ("GET", "/guilds/{guild_id}/roles/{role_id}"),
    ("PATCH", "/guilds/{guild_id}/roles/{role_id}"),
    ("DELETE", "/guilds/{guild_id}/roles/{role_id}"),
    ("POST", "/channels/{channel_id}/messages/{message_id}/threads"),
    ("POST", "/channels/{channel_id}/threads"),
    ("PUT", "/channels/{channel_id}/thread-members/@me"),
    ("DELETE", "/channels/{channel_id}/thread-members/@me"),
    ("PUT", "/channels/{channel_id}/thread-members/{user_id}"),
    ("DELETE", "/channels/{channel_id}/thread-members/{user_id}"),
    ("GET", "/channels/{channel_id}/thread-members/{user_id}"),
    ("GET", "/channels/{channel_id}/thread-members"), ("GET", "/guilds/{guild_id}/threads/active"),
    ("GET", "/channels/{channel_id}/threads/archived/public"),
    ("GET", "/channels/{channel_id}/threads/archived/private"),
    ("GET", "/channels/{channel_id}/users/@me/threads/archived/private"),
    ("POST", "/channels/{channel_id}/webhooks"), ("GET", "/channels/{channel_id}/webhooks"),
    ("GET", "/guilds/{guild_id}/webhooks"), ("GET", "/webhooks/{webhook_id}"),
    ("PATCH", "/webhooks/{webhook_id}"), ("DELETE", "/webhooks/{webhook_id}"),
    ("GET", "/webhooks/{webhook_id}/{token}"), ("PATCH", "/webhooks/{webhook_id}/{token}"),
    ("DELETE", "/webhooks/{webhook_id}/{token}"), ("POST", "/webhooks/{webhook_id}/{token}"),
    ("GET", "/webhooks/{webhook_id}/{token}/messages/{message_id}"),
    ("PATCH", "/webhooks/{webhook_id}/{token}/messages/{message_id}"),
    ("DELETE", "/webhooks/{webhook_id}/{token}/messages/{message_id}"),
    ("GET", "/webhooks/{webhook_id}/{token}/messages/@original"),
    ("PATCH", "/webhooks/{webhook_id}/{token}/messages/@original"),
    ("DELETE", "/webhooks/{webhook_id}/{token}/messages/@original"),
    ("POST", "/interactions/{interaction_id}/{token}/callback"),
    ("GET", "/applications/{application_id}/commands"),
    ("POST", "/applications/{application_id}/commands"),
    ("PUT", "/applications/{application_id}/commands"),
    ("GET", "/applications/{application_id}/commands/{command_id}"),
    ("PATCH", "/applications/{application_id}/commands/{command_id}"),
    ("DELETE", "/applications/{application_id}/commands/{command_id}"),
    ("GET", "/applications/{application_id}/guilds/{guild_id}/commands"),
    ("POST", "/applications/{application_id}/guilds/{guild_id}/commands"),
    ("PUT", "/applications/{application_id}/guilds/{guild_id}/commands"),
    ("GET", "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}"),
    ("PATCH", "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}"),
    ("DELETE", "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}"),
    ("GET", "/applications/{application_id}/guilds/{guild_id}/commands/permissions"),
    ("PUT", "/applications/{application_id}/guilds/{guild_id}/commands/permissions"),
    ("GET", "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}"
            "/permissions"),
    ("PUT", "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}"
            "/permissions"),
)

#: Query parameters each route family reads.
QUERIES: dict[str, tuple[str, ...]] = {
    "/channels/{channel_id}/messages": ("limit=50", "limit=2&before={message_id}",
                                        "after={message_id}", "around={message_id}&limit=5"),
    "/guilds/{guild_id}/members": ("limit=1000&after=0", "limit=2"),
    "/guilds/{guild_id}/members/search": ("query=a&limit=10", "query=&limit=1000"),
    "/users/@me/guilds": ("limit=200&after=0", "before={guild_id}", "limit=1"),
    "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}": ("after=0&limit=25",),
    "/guilds/{guild_id}": ("with_counts=true",),
    "/channels/{channel_id}/threads/archived/public": ("limit=2", "before=2020-01-01T00:00:00"),
    "/channels/{channel_id}/threads/archived/private": ("limit=2",),
    "/channels/{channel_id}/users/@me/threads/archived/private": ("limit=2", "before=1"),
    "/channels/{channel_id}/thread-members/{user_id}": ("with_member=true",),
    "/channels/{channel_id}/thread-members": ("with_member=true&limit=10",),
    "/webhooks/{webhook_id}/{token}": ("wait=true", "wait=true&thread_id={thread}",
                                       "wait=1"),
    "/webhooks/{webhook_id}/{token}/messages/{message_id}": ("thread_id={thread}",),
    "/interactions/{interaction_id}/{token}/callback": ("with_response=true",),
    "/applications/{application_id}/commands": ("with_localizations=true",),
}


@dataclass
class World:
    """Ids the requests are filled with: the twin's world, and placeholders (``@@THREAD@@``)
    for what the fuzzer made at set-up, filled in when a request is sent (so a reproducer
    replays against a twin whose set-up made other ids)."""

    guild: str = "0"
    channels: dict[str, str] = field(default_factory=dict)  # general, modlog, voice, ...
    users: dict[str, str] = field(default_factory=dict)  # bot, owner, alice, bob, carol
    roles: list[str] = field(default_factory=list)
    message: str = "0"
    application: str = "0"
    webhook: str = "0"
    webhook_token: str = "x"
    command: str = "0"
    thread: str = "0"
    dm: str = "0"
    extra_messages: list[str] = field(default_factory=list)

    @property
    def made(self) -> dict[str, str]:
        """Placeholder -> the id the set-up made."""
        out = {"@@WEBHOOK@@": self.webhook, "@@HOOKTOKEN@@": self.webhook_token,
               "@@COMMAND@@": self.command, "@@THREAD@@": self.thread, "@@DM@@": self.dm}
        for index, message in enumerate(self.extra_messages):
            out[f"@@MSG{index + 1}@@"] = message
        return out

    def render(self, data: bytes) -> bytes:
        if b"@@" not in data:
            return data
        for key, value in self.made.items():
            data = data.replace(key.encode(), value.encode())
        return data

    def render_text(self, text: str) -> str:
        if "@@" not in text:
            return text
        for key, value in self.made.items():
            text = text.replace(key, value)
        return text

    def fill(self, template: str, rng: random.Random) -> str:
        channel = rng.choice([*self.channels.values(), "@@THREAD@@", "@@DM@@"])
        if "/thread-members" in template or "/threads/archived" in template:
            channel = rng.choice(("@@THREAD@@", channel))
        messages = [self.message, "@@MSG1@@", "@@MSG2@@"]
        values = {
            "guild_id": self.guild, "channel_id": channel, "message_id": rng.choice(messages),
            "user_id": rng.choice(list(self.users.values()) or ["0"]),
            "role_id": rng.choice(self.roles or ["0"]),
            "overwrite_id": rng.choice(self.roles + list(self.users.values()) or ["0"]),
            "emoji": rng.choice((q("👋"), q("👍"), "name:123456789012345678", q("🇺🇸"))),
            "webhook_id": "@@WEBHOOK@@", "token": "@@HOOKTOKEN@@",
            "application_id": self.application, "command_id": "@@COMMAND@@",
            "interaction_id": "1191168914227331099", "thread": "@@THREAD@@",
        }
        out = template
        for key, value in values.items():
            out = out.replace("{" + key + "}", value)
        return out


def body_for(method: str, template: str, world: World, rng: random.Random) -> Any:
    """The JSON body a client sends on this route (None: no body)."""
    users = list(world.users.values()) or ["0"]
    role = rng.choice(world.roles or ["0"])
    parent = world.channels.get("category", "0")
    overwrite = {"id": role, "type": 0, "allow": "1024", "deny": "2048"}
    message = {"content": rng.choice(("hello", "<@" + users[0] + "> hi", "x" * 2000)),
               "tts": False, "nonce": str(rng.randrange(10**18)),
               "embeds": [{"title": "t", "description": "d", "color": 123,
                           "fields": [{"name": "a", "value": "b", "inline": True}],
                           "footer": {"text": "f"}}],
               "allowed_mentions": {"parse": ["users"], "replied_user": False},
               "message_reference": {"message_id": world.message, "fail_if_not_exists": False},
               "components": [{"type": 1, "components": [
                   {"type": 2, "style": 1, "label": "b", "custom_id": "x"}]}],
               "flags": 0}
    command = {"name": "ping", "description": "Ping", "type": 1, "options": [
        {"type": 3, "name": "q", "description": "d", "required": True,
         "choices": [{"name": "a", "value": "a"}]}], "default_member_permissions": "0",
               "dm_permission": True, "nsfw": False}
    bodies: dict[tuple[str, str], Any] = {
        ("PATCH", "/users/@me"): {"username": "wiretwin-bot", "avatar": None},
        ("POST", "/users/@me/channels"): {"recipient_id": rng.choice(users)},
        ("PATCH", "/channels/{channel_id}"): {
            "name": "general", "topic": "t", "nsfw": False, "rate_limit_per_user": 0,
            "position": 0, "parent_id": parent, "permission_overwrites": [overwrite],
            "archived": False, "locked": False, "auto_archive_duration": 60},
        ("POST", "/channels/{channel_id}/messages"): message,
        ("POST", "/channels/{channel_id}/messages/bulk-delete"): {
            "messages": [world.message, "@@MSG1@@", "@@MSG2@@"]},
        ("PATCH", "/channels/{channel_id}/messages/{message_id}"): {
            "content": "edited", "embeds": [], "flags": 4, "attachments": []},
        ("PUT", "/channels/{channel_id}/permissions/{overwrite_id}"): {
            "type": 0, "allow": "1024", "deny": "2048"},
        ("PATCH", "/guilds/{guild_id}"): {"name": "wiretwin guild", "description": "d",
                                          "afk_timeout": 300},
        ("POST", "/guilds/{guild_id}/channels"): {
            "name": "new", "type": rng.choice((0, 2, 4, 5, 13, 15)), "topic": "x",
            "parent_id": parent, "permission_overwrites": [overwrite], "position": 1,
            "nsfw": False, "bitrate": 64000, "user_limit": 0},
        ("PATCH", "/guilds/{guild_id}/channels"): [
            {"id": world.channels.get("general", "0"), "position": 1, "parent_id": parent}],
        ("PATCH", "/guilds/{guild_id}/members/@me"): {"nick": "fuzz"},
        ("PATCH", "/guilds/{guild_id}/members/{user_id}"): dict(rng.sample(sorted({
            "nick": "x", "roles": [role], "mute": False, "deaf": False, "channel_id": None,
            "communication_disabled_until": None}.items()), 2)),
        ("PUT", "/guilds/{guild_id}/bans/{user_id}"): {"delete_message_seconds": 0,
                                                        "reason": "x"},
        ("POST", "/guilds/{guild_id}/roles"): {"name": "r", "permissions": "1024",
                                               "color": 1, "hoist": False,
                                               "mentionable": False,
                                               "colors": {"primary_color": 2}},
        ("PATCH", "/guilds/{guild_id}/roles"): [{"id": role, "position": 1}],
        ("PATCH", "/guilds/{guild_id}/roles/{role_id}"): {"name": "r2", "permissions": "1024",
                                                          "color": 0, "hoist": True},
        ("POST", "/channels/{channel_id}/messages/{message_id}/threads"): {
            "name": "t", "auto_archive_duration": 60, "rate_limit_per_user": 0},
        ("POST", "/channels/{channel_id}/threads"): {
            "name": "t", "type": rng.choice((10, 11, 12)), "auto_archive_duration": 1440,
            "invitable": True, "applied_tags": [], "message": {"content": "x"}},
        ("POST", "/channels/{channel_id}/webhooks"): {"name": "hook", "avatar": None},
        ("PATCH", "/webhooks/{webhook_id}"): {"name": "x",
                                              "channel_id": world.channels.get("general")},
        ("PATCH", "/webhooks/{webhook_id}/{token}"): {"name": "y"},
        ("POST", "/webhooks/{webhook_id}/{token}"): {
            "content": "hi", "username": "u", "avatar_url": "http://x/y.png", "embeds": [],
            "allowed_mentions": {"parse": []}},
        ("PATCH", "/webhooks/{webhook_id}/{token}/messages/{message_id}"): {
            "content": "edited", "embeds": [], "attachments": []},
        ("PATCH", "/webhooks/{webhook_id}/{token}/messages/@original"): {"content": "e"},
        ("POST", "/interactions/{interaction_id}/{token}/callback"): {
            "type": rng.choice((1, 4, 5, 6, 7, 8, 9)),
            "data": {"content": "x", "flags": 64, "choices": [{"name": "a", "value": "a"}],
                     "custom_id": "m", "title": "t", "components": []}},
        ("POST", "/applications/{application_id}/commands"): command,
        ("PUT", "/applications/{application_id}/commands"): [command],
        ("PATCH", "/applications/{application_id}/commands/{command_id}"): {
            "description": "x"},
        ("POST", "/applications/{application_id}/guilds/{guild_id}/commands"): command,
        ("PUT", "/applications/{application_id}/guilds/{guild_id}/commands"): [command],
        ("PATCH", "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}"): {
            "name": "pong"},
        ("PUT", "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}"
                "/permissions"): {"permissions": [{"id": role, "type": 1,
                                                   "permission": True}]},
    }
    return bodies.get((method, template))


def multipart(payload: str, rng: random.Random) -> tuple[bytes, str]:
    """A message with a file, as discord.py sends it: (body, Content-Type)."""
    boundary = "wiretwinfuzz" + str(rng.randrange(1000))
    name = rng.choice(("files[0]", "file", "files[abc]", "files[]", "payload_json"))
    filename = rng.choice(("a.txt", "", "é.png", "../../x", "a" * 300))
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="payload_json"\r\n'
        f"Content-Type: application/json\r\n\r\n{payload}\r\n",
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
        f'filename="{filename}"\r\nContent-Type: text/plain\r\n\r\nhello\r\n',
        f"--{boundary}--\r\n",
    ]
    return "".join(parts).encode("utf-8", "surrogatepass"), \
        f"multipart/form-data; boundary={boundary}"


__all__ = ["QUERIES", "ROUTES", "World", "body_for", "multipart"]

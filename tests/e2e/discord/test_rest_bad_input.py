"""Bad requests get Discord's own answers, never a 500: a table of one bad field each.

Every row is a request with one thing wrong (a path id that is no snowflake, a query
parameter that is no number, a body field of the wrong type, length or range, at any
depth) and the exact answer Discord gives: 400, code 50035 "Invalid Form Body", and an
``errors`` tree with that one problem at the field's path. Bodies that are not JSON are
50109; bodies and files past Discord's limits are 413 40005. The answers are
``application/json`` (the raw client checks it), so discord.py and friends can read
them; the last test has discord.py do so.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import pytest

from wiretwin.discord.permissions import Permission as P
from wiretwin.discord.twin import DiscordTwin
from wiretwin.drivers.discord_py import use_discord_py
from wiretwin.runtime.clock import VirtualClock

from .rest_api import Api


class World(Api):
    """The raw client's guild, with the bot an administrator, a role below it, a message
    and a webhook to aim at."""

    def __init__(self, twin: DiscordTwin, http: aiohttp.ClientSession,
                 clock: VirtualClock) -> None:
        super().__init__(twin, http, clock)
        m = self.model
        self.low = m.create_role(self.guild, "low", 0)
        self.grant(P.ADMINISTRATOR)
        self.message = self.say("hello")
        self.hook = m.create_webhook(self.general, m.bot.id, "hook")

    def fill(self, path: str) -> str:
        return path.format(g=self.g, c=self.c, m=self.message, role=self.low.id,
                           bob=self.bob.id, app=self.model.application.id,
                           hook=self.hook.id, token=self.hook.token)


@pytest.fixture
async def world(clock: VirtualClock) -> AsyncIterator[World]:
    async with DiscordTwin(clock=clock) as twin, aiohttp.ClientSession() as http:
        yield World(twin, http, clock)


def problem(path: str, code: str, message: str) -> dict[str, Any]:
    """Discord's ``errors`` tree holding one problem at a dotted ``path`` ("" = the
    body itself)."""
    node: dict[str, Any] = {"_errors": [{"code": code, "message": message}]}
    for part in reversed(path.split(".") if path else []):
        node = {part: node}
    return node


def coerce(path: str, value: str, kind: str = "int") -> dict[str, Any]:
    return problem(path, "NUMBER_TYPE_COERCE", f'Value "{value}" is not {kind}.')


def at_least(path: str, low: int) -> dict[str, Any]:
    return problem(path, "NUMBER_TYPE_MIN", f"int value should be greater than or equal "
                                            f"to {low}.")


def at_most(path: str, high: int) -> dict[str, Any]:
    return problem(path, "NUMBER_TYPE_MAX", f"int value should be less than or equal to "
                                            f"{high}.")


REQUIRED = ("BASE_TYPE_REQUIRED", "This field is required")
NOT_BOOL = ("BASE_TYPE_BOOLEAN", "Must be either true or false.")
NOT_LIST = ("LIST_TYPE_CONVERT", "Only iterables may be used in a ListType")
NOT_DICT = ("DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
MSG = "{c}/messages"
HOOK = "/webhooks/{hook}/{token}"

#: (method, path, body, query, the ``errors`` Discord answers with).
BAD: dict[str, tuple[str, str, Any, dict[str, str] | None, dict[str, Any]]] = {
    # -- path arguments -------------------------------------------------------------
    "superscript-two": ("GET", "/users/%C2%B2", None, None, coerce("user_id", "²",
                                                                   "snowflake")),
    "letters": ("GET", "/users/abc", None, None, coerce("user_id", "abc", "snowflake")),
    "past-64-bits": ("GET", "/users/18446744073709551616", None, None,
                     coerce("user_id", "18446744073709551616", "snowflake")),
    "negative-id": ("GET", "/channels/-1", None, None, coerce("channel_id", "-1",
                                                              "snowflake")),
    "message-id": ("GET", MSG + "/1x", None, None, coerce("message_id", "1x", "snowflake")),
    "role-id": ("DELETE", "{g}/members/{bob}/roles/%EF%BC%91", None, None,
                coerce("role_id", "\uff11", "snowflake")),  # a full-width 1
    # -- query parameters -----------------------------------------------------------
    "limit-abc": ("GET", MSG, None, {"limit": "abc"}, coerce("limit", "abc")),
    "limit-0": ("GET", MSG, None, {"limit": "0"}, at_least("limit", 1)),
    "limit-101": ("GET", MSG, None, {"limit": "101"}, at_most("limit", 100)),
    "before-junk": ("GET", MSG, None, {"before": "yesterday"},
                    coerce("before", "yesterday", "snowflake")),
    "guilds-limit": ("GET", "/users/@me/guilds", None, {"limit": "201"},
                     at_most("limit", 200)),
    "members-limit": ("GET", "{g}/members", None, {"limit": "1001"},
                      at_most("limit", 1000)),
    "members-after": ("GET", "{g}/members", None, {"after": "²"},
                      coerce("after", "²", "snowflake")),
    "search-query": ("GET", "{g}/members/search", None, None, problem("query", *REQUIRED)),
    "with-counts": ("GET", "{g}", None, {"with_counts": "maybe"},
                    problem("with_counts", *NOT_BOOL)),
    "reactions-limit": ("GET", MSG + "/{m}/reactions/x", None, {"limit": "x"},
                        coerce("limit", "x")),
    "archived-before": ("GET", "{c}/threads/archived/public", None, {"before": "soon"},
                        problem("before", "DATE_TIME_TYPE_PARSE",
                                "Could not parse soon. Should be ISO8601.")),
    "wait": ("POST", HOOK, {"content": "x"}, {"wait": "maybe"}, problem("wait", *NOT_BOOL)),
    "thread-id": ("POST", HOOK, {"content": "x"}, {"thread_id": "abc"},
                  coerce("thread_id", "abc", "snowflake")),
    # -- message bodies -------------------------------------------------------------
    "content-object": ("POST", MSG, {"content": {"a": 1}}, None, problem(
        "content", "BASE_TYPE_STRING", "Could not interpret \"{'a': 1}\" as string.")),
    "content-long": ("POST", MSG, {"content": "x" * 2001}, None, problem(
        "content", "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")),
    "embeds-object": ("POST", MSG, {"embeds": {"title": "x"}}, None,
                      problem("embeds", *NOT_LIST)),
    "embed-null": ("POST", MSG, {"embeds": [None]}, None, problem(
        "embeds.0", "LIST_ITEM_VALUE_REQUIRED", "List item values of ModelType are required")),
    "embed-text": ("POST", MSG, {"embeds": ["x"]}, None, problem("embeds.0", *NOT_DICT)),
    "embed-color": ("POST", MSG, {"embeds": [{"color": "abc"}]}, None,
                    coerce("embeds.0.color", "abc")),
    "embed-color-big": ("POST", MSG, {"embeds": [{"color": 16777216}]}, None,
                        at_most("embeds.0.color", 16777215)),
    "embed-color-negative": ("POST", MSG, {"embeds": [{"color": -1}]}, None,
                             at_least("embeds.0.color", 0)),
    "embed-title": ("POST", MSG, {"embeds": [{"title": "x" * 257}]}, None, problem(
        "embeds.0.title", "BASE_TYPE_MAX_LENGTH", "Must be 256 or fewer in length.")),
    "embed-timestamp": ("POST", MSG, {"embeds": [{"title": "t", "timestamp": "noon"}]},
                        None, problem("embeds.0.timestamp", "DATE_TIME_TYPE_PARSE",
                                      "Could not parse noon. Should be ISO8601.")),
    "embed-field-value": ("POST", MSG, {"embeds": [{"fields": [{"name": "a"}]}]}, None,
                          problem("embeds.0.fields.0.value", *REQUIRED)),
    "embed-footer": ("POST", MSG, {"embeds": [{"footer": {"icon_url": "u"}}]}, None,
                     problem("embeds.0.footer.text", *REQUIRED)),
    "embed-fields-many": ("POST", MSG, {"embeds": [{"fields": [{"name": "n", "value": "v"}]
                                                    * 26}]}, None, problem(
        "embeds.0.fields", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")),
    "embeds-6000": ("POST", MSG, {"embeds": [{"description": "x" * 4000},
                                             {"description": "x" * 2001}]}, None, problem(
        "embeds", "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")),
    "reply-id": ("POST", MSG, {"content": "x", "message_reference": {"message_id": "abc"}},
                 None, coerce("message_reference.message_id", "abc", "snowflake")),
    "reply-text": ("POST", MSG, {"content": "x", "message_reference": "abc"}, None,
                   problem("message_reference", *NOT_DICT)),
    "reply-no-id": ("POST", MSG, {"content": "x", "message_reference": {}}, None,
                    problem("message_reference.message_id", *REQUIRED)),
    "mention-parse": ("POST", MSG, {"content": "x", "allowed_mentions": {"parse": ["all"]}},
                      None, problem("allowed_mentions.parse.0", "BASE_TYPE_CHOICES",
                                    "Value must be one of {'everyone', 'roles', 'users'}.")),
    "mention-users": ("POST", MSG, {"content": "x", "allowed_mentions": {"users": "all"}},
                      None, problem("allowed_mentions.users", "SET_TYPE_CONVERT",
                                    "Only iterables may be used in a SetType")),
    "mention-user-id": ("POST", MSG, {"content": "x", "allowed_mentions": {"users": ["x"]}},
                        None, coerce("allowed_mentions.users.0", "x", "snowflake")),
    "nonce-long": ("POST", MSG, {"content": "x", "nonce": "n" * 26}, None, problem(
        "nonce", "NONCE_TYPE_TOO_LONG", "Must be 25 or fewer characters long.")),
    "nonce-float": ("POST", MSG, {"content": "x", "nonce": 1.5}, None, problem(
        "nonce", "NONCE_TYPE_INVALID_TYPE", "This field must be a string or integer.")),
    "tts": ("POST", MSG, {"content": "x", "tts": "maybe"}, None, problem("tts", *NOT_BOOL)),
    "flags": ("POST", MSG, {"content": "x", "flags": -1}, None, at_least("flags", 0)),
    "components-text": ("POST", MSG, {"content": "x", "components": "abc"}, None,
                        problem("components", *NOT_LIST)),
    "row-components": ("POST", MSG, {"content": "x", "components": [
        {"type": 1, "components": 5}]}, None, problem("components.0.components", *NOT_LIST)),
    "custom-id-object": ("POST", MSG, {"content": "x", "components": [{"type": 1, "components": [
        {"type": 2, "style": 1, "custom_id": {"a": 1}}]}]}, None, problem(
        "components.0.components.0.custom_id", "BASE_TYPE_BAD_LENGTH",
        "Must be between 1 and 100 in length.")),
    "attachment-id": ("PATCH", MSG + "/{m}", {"attachments": [{"id": "first"}]}, None,
                      coerce("attachments.0.id", "first", "snowflake")),
    "body-list": ("POST", MSG, ["a list"], None, problem("", *NOT_DICT)),
    "webhook-username": ("POST", HOOK, {"content": "x", "username": ""}, None, problem(
        "username", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 80 in length.")),
    # -- bulk delete and positions ------------------------------------------------------
    "bulk-id": ("POST", MSG + "/bulk-delete", {"messages": ["1", "abc"]}, None,
                coerce("messages.1", "abc", "snowflake")),
    "bulk-text": ("POST", MSG + "/bulk-delete", {"messages": "abc"}, None,
                  problem("messages", *NOT_LIST)),
    "bulk-missing": ("POST", MSG + "/bulk-delete", {}, None, problem("messages", *REQUIRED)),
    "bulk-one": ("POST", MSG + "/bulk-delete", {"messages": ["1"]}, None, problem(
        "messages", "BASE_TYPE_BAD_LENGTH", "Must be between 2 and 100 in length.")),
    "role-positions-id": ("PATCH", "{g}/roles", [{"id": "abc", "position": 1}], None,
                          coerce("0.id", "abc", "snowflake")),
    "role-positions-position": ("PATCH", "{g}/roles", [{"id": "{role}", "position": "x"}],
                                None, coerce("0.position", "x")),
    "role-positions-object": ("PATCH", "{g}/roles", {"id": "1"}, None,
                              problem("", *NOT_LIST)),
    "role-positions-null": ("PATCH", "{g}/roles", [None], None, problem(
        "0", "LIST_ITEM_VALUE_REQUIRED", "List item values of ModelType are required")),
    "channel-positions": ("PATCH", "{g}/channels", [{"id": "1", "position": -1}], None,
                          at_least("0.position", 0)),
    "channel-positions-parent": ("PATCH", "{g}/channels", [{"id": "1", "parent_id": "p"}],
                                 None, coerce("0.parent_id", "p", "snowflake")),
    # -- roles, overwrites, channels, members -------------------------------------------
    "role-permissions": ("POST", "{g}/roles", {"permissions": "abc"}, None,
                         coerce("permissions", "abc")),
    "role-permissions-negative": ("PATCH", "{g}/roles/{role}", {"permissions": "-8"}, None,
                                  at_least("permissions", 0)),
    "role-color": ("POST", "{g}/roles", {"color": -1}, None, at_least("color", 0)),
    "role-colors": ("PATCH", "{g}/roles/{role}", {"colors": {"primary_color": "red"}}, None,
                    coerce("colors.primary_color", "red")),
    "role-hoist": ("POST", "{g}/roles", {"hoist": "yes"}, None, problem("hoist", *NOT_BOOL)),
    "role-name": ("POST", "{g}/roles", {"name": "r" * 101}, None, problem(
        "name", "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")),
    "overwrite-type": ("PUT", "{c}/permissions/{role}", {"type": 5}, None, problem(
        "type", "BASE_TYPE_CHOICES", "Value must be one of {0, 1}.")),
    "overwrite-allow": ("PUT", "{c}/permissions/{role}", {"type": 0, "allow": "all"}, None,
                        coerce("allow", "all")),
    "overwrite-missing-type": ("PUT", "{c}/permissions/{role}", {"allow": "0"}, None,
                               problem("type", *REQUIRED)),
    "channel-overwrite-id": ("PATCH", "{c}", {"permission_overwrites": [
        {"id": "abc", "type": 0}]}, None, coerce("permission_overwrites.0.id", "abc",
                                                  "snowflake")),
    "channel-overwrites-text": ("PATCH", "{c}", {"permission_overwrites": "none"}, None,
                                problem("permission_overwrites", *NOT_LIST)),
    "channel-position": ("PATCH", "{c}", {"position": "top"}, None,
                         coerce("position", "top")),
    "channel-slowmode": ("PATCH", "{c}", {"rate_limit_per_user": 21601}, None,
                         at_most("rate_limit_per_user", 21600)),
    "channel-name": ("PATCH", "{c}", {"name": ""}, None, problem(
        "name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")),
    "new-channel-type": ("POST", "{g}/channels", {"name": "x", "type": 99}, None, problem(
        "type", "BASE_TYPE_CHOICES", "Value must be one of {0, 2, 4, 5, 13, 15, 16}.")),
    "new-channel-name": ("POST", "{g}/channels", {"type": 0}, None,
                         problem("name", *REQUIRED)),
    "new-channel-bitrate": ("POST", "{g}/channels", {"name": "v", "type": 2, "bitrate": 10},
                            None, at_least("bitrate", 8000)),
    "new-channel-parent": ("POST", "{g}/channels", {"name": "v", "parent_id": [1]}, None,
                           coerce("parent_id", "[1]", "snowflake")),
    "member-roles": ("PATCH", "{g}/members/{bob}", {"roles": ["abc"]}, None,
                     coerce("roles.0", "abc", "snowflake")),
    "member-timeout": ("PATCH", "{g}/members/{bob}", {"communication_disabled_until": "soon"},
                       None, problem("communication_disabled_until", "DATE_TIME_TYPE_PARSE",
                                     "Could not parse soon. Should be ISO8601.")),
    "member-mute": ("PATCH", "{g}/members/{bob}", {"mute": "no"}, None,
                    problem("mute", *NOT_BOOL)),
    "member-nick": ("PATCH", "{g}/members/{bob}", {"nick": "n" * 33}, None, problem(
        "nick", "BASE_TYPE_MAX_LENGTH", "Must be 32 or fewer in length.")),
    "member-voice": ("PATCH", "{g}/members/{bob}", {"channel_id": True}, None,
                     coerce("channel_id", "True", "snowflake")),
    "ban-seconds": ("PUT", "{g}/bans/{bob}", {"delete_message_seconds": 604801}, None,
                    at_most("delete_message_seconds", 604800)),
    "guild-name": ("PATCH", "{g}", {"name": "x"}, None, problem(
        "name", "BASE_TYPE_BAD_LENGTH", "Must be between 2 and 100 in length.")),
    "guild-system-channel": ("PATCH", "{g}", {"system_channel_id": "general"}, None,
                             coerce("system_channel_id", "general", "snowflake")),
    "dm-recipient": ("POST", "/users/@me/channels", {"recipient_id": "abc"}, None,
                     coerce("recipient_id", "abc", "snowflake")),
    "me-username": ("PATCH", "/users/@me", {"username": 7}, None, problem(
        "username", "BASE_TYPE_BAD_LENGTH", "Must be between 2 and 32 in length.")),
    # -- threads and webhooks -----------------------------------------------------------
    "thread-archive": ("POST", "{c}/threads", {"name": "t", "auto_archive_duration": 5},
                       None, problem("auto_archive_duration", "BASE_TYPE_CHOICES",
                                     "Value must be one of {60, 1440, 4320, 10080}.")),
    "thread-name": ("POST", MSG + "/{m}/threads", {"name": ""}, None, problem(
        "name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")),
    "thread-type": ("POST", "{c}/threads", {"name": "t", "type": "public"}, None,
                    coerce("type", "public")),
    "thread-tags": ("POST", "{c}/threads", {"name": "t", "applied_tags": ["t"]}, None,
                    coerce("applied_tags.0", "t", "snowflake")),
    "webhook-channel": ("PATCH", "/webhooks/{hook}", {"channel_id": "abc"}, None,
                        coerce("channel_id", "abc", "snowflake")),
    # -- application commands ---------------------------------------------------------
    "command-type": ("POST", "/applications/{app}/commands",
                     {"name": "x", "description": "d", "type": "CHAT_INPUT"}, None,
                     coerce("type", "CHAT_INPUT")),
    "command-permissions": ("POST", "/applications/{app}/commands",
                            {"name": "x", "description": "d",
                             "default_member_permissions": "²"}, None,
                            coerce("default_member_permissions", "²")),
    "commands-object": ("PUT", "/applications/{app}/commands", {"name": "x"}, None,
                        problem("", *NOT_LIST)),
}


@pytest.mark.parametrize(("method", "path", "body", "params", "errors"), BAD.values(),
                         ids=list(BAD))
async def test_a_bad_field_is_50035_at_its_path(
        world: World, method: str, path: str, body: Any, params: dict[str, str] | None,
        errors: dict[str, Any]) -> None:
    if isinstance(body, list):
        body = [{k: world.fill(v) if isinstance(v, str) else v for k, v in e.items()}
                if isinstance(e, dict) else e for e in body]
    auth = None if path.startswith(HOOK) else "bot"
    status, answer, _ = await world.call(method, world.fill(path), body=body, auth=auth,
                                         params=params)
    assert (status, answer) == (400, {"message": "Invalid Form Body", "code": 50035,
                                      "errors": errors})
    assert not [e for e in world.twin.journal.entries("note") if e.event == "internal-error"]


INVALID_JSON = {"message": "The request body contains invalid JSON.", "code": 50109}


@pytest.mark.parametrize("raw", [b"{nope", b'{"content": NaN}', b'{"content": 1e400}',
                                 b'{"content": "\\ud800"}', b"\xff\xfe", b"[" * 100 + b"]" * 100],
                         ids=["syntax", "nan", "infinite", "surrogate", "not-utf8", "deep"])
async def test_a_body_that_is_not_strict_json_is_50109(world: World, raw: bytes) -> None:
    status, answer, _ = await world.call("POST", f"{world.c}/messages", data=raw,
                                         headers={"Content-Type": "application/json"})
    assert (status, answer) == (400, INVALID_JSON)


async def test_bad_payload_json_in_a_multipart_body_is_50109_or_50035(world: World) -> None:
    for payload, expected in (('{"content": ', INVALID_JSON),
                              ('"text"', {"message": "Invalid Form Body", "code": 50035,
                                          "errors": problem("", *NOT_DICT)})):
        form = aiohttp.FormData()
        form.add_field("payload_json", payload, content_type="application/json")
        form.add_field("files[0]", b"data", filename="a.txt")
        status, answer, _ = await world.call("POST", f"{world.c}/messages", data=form)
        assert (status, answer) == (400, expected)
    assert [m.content for m in world.model.messages[world.general.id].values()] == ["hello"]


async def test_a_multipart_body_without_a_boundary_reads_as_an_empty_form(
        world: World) -> None:
    status, answer, _ = await world.call(
        "POST", f"{world.c}/messages", data=b"--x\r\n\r\nhi\r\n--x--\r\n",
        headers={"Content-Type": "multipart/form-data"})
    assert (status, answer) == (400, {"message": "Cannot send an empty message",
                                      "code": 50006})


TOO_LARGE = {"message": "Request entity too large", "code": 40005}


async def test_a_file_past_the_per_file_limit_is_413_40005(clock: VirtualClock) -> None:
    async with DiscordTwin(clock=clock, attachment_size_limit=1000) as twin, \
            aiohttp.ClientSession() as http:
        api = Api(twin, http, clock)
        for size, expected in ((1000, 200), (1001, 413)):
            form = aiohttp.FormData()
            form.add_field("payload_json", json.dumps({"content": "file"}))
            form.add_field("files[0]", b"\0" * size, filename="f.bin")
            status, answer, _ = await api.call("POST", f"{api.c}/messages", data=form)
            assert status == expected, answer
        assert answer == TOO_LARGE
        assert len(api.model.messages[api.general.id]) == 1


async def test_a_body_past_the_request_limit_is_413_40005(clock: VirtualClock) -> None:
    async with DiscordTwin(clock=clock, max_request_size=4096) as twin, \
            aiohttp.ClientSession() as http:
        api = Api(twin, http, clock)
        status, answer, _ = await api.call("POST", f"{api.c}/messages",
                                           body={"content": "x" * 5000})
        assert (status, answer) == (413, TOO_LARGE)
        status, _, _ = await api.call("POST", f"{api.c}/messages", body={"content": "fits"})
        assert status == 200


async def test_discord_py_raises_an_http_exception_naming_the_field(world: World) -> None:
    """discord.py turns the 50035 tree into ``HTTPException`` with ``code`` 50035 and a
    ``text`` that names the bad field at its path."""
    client = discord.Client(intents=discord.Intents(guilds=True))
    with use_discord_py(world.twin, client):
        await client.login(world.token)
        try:
            channel = await client.fetch_channel(world.general.id)
            assert isinstance(channel, discord.TextChannel)
            with pytest.raises(discord.HTTPException) as refused:
                await channel.send(embed=discord.Embed(title="t", colour=0x1000000))
        finally:
            await client.close()
    assert (refused.value.status, refused.value.code) == (400, 50035)
    assert refused.value.text == ("Invalid Form Body\nIn embeds.0.color: int value should "
                                  "be less than or equal to 16777215.")


async def test_an_audit_log_reason_is_url_decoded_utf8(world: World) -> None:
    """discord.py quotes ``X-Audit-Log-Reason``; Discord decodes it (and bytes that are
    no UTF-8 are no reason to fail)."""
    for header, reason in (("bad actor %C3%A9%E2%82%AC", "bad actor \u00e9\u20ac"),
                           ("%FF", "\ufffd")):
        status, _, _ = await world.call("PUT", f"{world.g}/bans/{world.bob.id}",
                                        headers={"X-Audit-Log-Reason": header})
        assert status == 204
        status, ban, _ = await world.call("GET", f"{world.g}/bans/{world.bob.id}")
        assert (status, ban["reason"]) == (200, reason)

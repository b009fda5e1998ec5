"""The Discord twin's REST API with raw aiohttp: exact headers, bodies and error codes.

What discord.py, hikari and discord.js rely on without saying so: the content type is
exactly ``application/json``, ids are strings, errors are ``{"code", "message"[,
"errors"]}``, every answer carries its bucket's rate-limit headers (but interaction
callbacks, which Discord does not bucket) and a 429 carries ``Via`` and ``retry_after``.
Rate-limit windows are on a VirtualClock.
"""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest

from wiretwin.discord.model import StorageLimits
from wiretwin.discord.permissions import Permission as P
from wiretwin.discord.twin import DiscordTwin
from wiretwin.runtime.clock import VirtualClock

from .rest_api import Api

RATE_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset",
                "X-RateLimit-Reset-After", "X-RateLimit-Bucket")
THUMBS = "\N{THUMBS UP SIGN}"


@pytest.fixture
async def api(clock: VirtualClock) -> AsyncIterator[Api]:
    async with DiscordTwin(clock=clock) as twin, aiohttp.ClientSession() as http:
        yield Api(twin, http, clock)


# -- the frame: content type, ids, auth, versions -----------------------------------------


async def test_content_type_is_exactly_application_json(api: Api) -> None:
    for path in ("/users/@me", api.g, api.c, "/gateway/bot", "/nope"):
        _, _, response = await api.call("GET", path)
        assert response.headers["Content-Type"] == "application/json", path


async def test_snowflakes_are_strings(api: Api) -> None:
    status, me, _ = await api.call("GET", "/users/@me")
    assert status == 200 and me["id"] == str(api.model.bot.id) and me["bot"] is True
    _, guild, _ = await api.call("GET", api.g)
    assert guild["id"] == str(api.guild.id) and guild["owner_id"] == str(api.alice.id)
    assert all(isinstance(r["id"], str) and isinstance(r["permissions"], str)
               for r in guild["roles"])
    _, channel, _ = await api.call("GET", api.c)
    assert (channel["id"], channel["guild_id"]) == (str(api.general.id), str(api.guild.id))
    _, app, _ = await api.call("GET", "/oauth2/applications/@me")
    assert app["id"] == str(api.model.application.id)
    assert app["owner"]["id"] == str(api.model.application.owner.id)


@pytest.mark.parametrize("auth", [None, "Bot wrong", "Bearer {token}", "{token}",
                                  "bot {token}"])
async def test_401_without_the_bot_token(api: Api, auth: str | None) -> None:
    status, body, _ = await api.call("GET", "/users/@me",
                                     auth=auth.format(token=api.token) if auth else None)
    assert (status, body) == (401, {"message": "401: Unauthorized", "code": 0})


async def test_get_gateway_takes_no_token_and_gateway_bot_does(api: Api) -> None:
    # Discord's docs: GET /gateway "does not require authentication".
    status, body, _ = await api.call("GET", "/gateway", auth=None)
    assert (status, body) == (200, {"url": api.twin.ws_url("/")})
    status, _, _ = await api.call("GET", "/gateway/bot", auth=None)
    assert status == 401


@pytest.mark.parametrize("version", ["/api/v10", "/api/v9", "/api"])
async def test_every_version_prefix_is_served(api: Api, version: str) -> None:
    status, me, _ = await api.call("GET", "/users/@me", version=version)
    assert (status, me["id"]) == (200, str(api.model.bot.id))


async def test_an_unmodelled_route_is_a_discord_404_naming_it_and_a_journal_note(
        api: Api) -> None:
    path = f"{api.c}/invites"
    status, body, _ = await api.call("GET", path)
    route = f"GET /api/v10{path}"
    assert (status, body) == (404, {
        "message": f"404: Not Found (wiretwin does not model {route} yet)", "code": 0})
    notes = api.twin.journal.entries("note")
    assert [(n.event, n.detail) for n in notes] == [("unmodelled-route", {"route": route})]
    status, body, _ = await api.call("POST", "/guilds/1/templates", version="/api/v9",
                                     body={})
    assert status == 404 and "POST /api/v9/guilds/1/templates" in body["message"]
    assert len(api.twin.journal.entries("note")) == 2


# -- errors -----------------------------------------------------------------------------


async def test_unknown_ids_answer_discords_codes(api: Api) -> None:
    msg = api.say("hi")
    missing = 123456789012345678
    cases = {
        f"/channels/{missing}": (10003, "Unknown Channel"),
        f"/guilds/{missing}": (10004, "Unknown Guild"),
        f"{api.g}/members/{missing}": (10007, "Unknown Member"),
        f"{api.c}/messages/{missing}": (10008, "Unknown Message"),
        f"{api.g}/roles/{missing}": (10011, "Unknown Role"),
        f"/users/{missing}": (10013, "Unknown User"),
    }
    for path, (code, message) in cases.items():
        status, body, _ = await api.call("GET", path)
        assert (status, body) == (404, {"message": message, "code": code}), path
    status, _, _ = await api.call("GET", f"{api.c}/messages/{msg}")
    assert status == 200


async def test_a_path_id_that_is_no_snowflake_is_50035(api: Api) -> None:
    status, body, _ = await api.call("GET", "/channels/general")
    assert (status, body["code"], body["message"]) == (400, 50035, "Invalid Form Body")
    assert body["errors"]["channel_id"]["_errors"][0]["code"] == "NUMBER_TYPE_COERCE"


async def test_bad_json_is_50109_and_a_non_object_is_50035(api: Api) -> None:
    headers = {"Content-Type": "application/json"}
    status, body, _ = await api.call("POST", f"{api.c}/messages", data=b"{nope",
                                     headers=headers)
    assert (status, body) == (400, {"message": "The request body contains invalid JSON.",
                                    "code": 50109})
    status, body, _ = await api.call("POST", f"{api.c}/messages", body=["a list"])
    assert (status, body["code"]) == (400, 50035) and "_errors" in body["errors"]
    api.grant(P.MANAGE_ROLES)
    status, body, _ = await api.call("PATCH", f"{api.g}/roles", data=b"[{",
                                     headers=headers)
    assert (status, body["code"]) == (400, 50109)


async def test_invalid_form_body_names_the_field(api: Api) -> None:
    status, body, _ = await api.call("POST", f"{api.c}/messages", body={"content": "x" * 2001})
    assert status == 400
    assert body == {"message": "Invalid Form Body", "code": 50035, "errors": {"content": {
        "_errors": [{"code": "BASE_TYPE_MAX_LENGTH",
                     "message": "Must be 2000 or fewer in length."}]}}}
    assert api.model.messages[api.general.id] == {}


async def test_an_empty_message_is_50006(api: Api) -> None:
    for body in ({}, {"content": ""}, {"content": "", "embeds": []}):
        status, answer, _ = await api.call("POST", f"{api.c}/messages", body=body)
        assert (status, answer) == (400, {"message": "Cannot send an empty message",
                                          "code": 50006})


async def test_an_oversize_file_is_413_40005(api: Api) -> None:
    form = aiohttp.FormData()
    form.add_field("payload_json", json.dumps({"content": "big"}),
                   content_type="application/json")
    form.add_field("files[0]", b"\0" * (25 * 1024 * 1024 + 1), filename="big.bin",
                   content_type="application/octet-stream")
    status, body, _ = await api.call("POST", f"{api.c}/messages", data=form)
    assert (status, body) == (413, {"message": "Request entity too large", "code": 40005})
    assert api.model.messages[api.general.id] == {}


async def test_missing_access_and_missing_permissions(api: Api) -> None:
    api.model.set_overwrite(api.general, api.guild.id, 0, 0, int(P.SEND_MESSAGES))
    status, body, _ = await api.call("POST", f"{api.c}/messages", body={"content": "x"})
    assert (status, body) == (403, {"message": "Missing Permissions", "code": 50013})
    api.model.set_overwrite(api.general, api.guild.id, 0, 0, int(P.VIEW_CHANNEL))
    status, body, _ = await api.call("GET", f"{api.c}/messages")
    assert (status, body) == (403, {"message": "Missing Access", "code": 50001})


# -- rate limits ----------------------------------------------------------------------------


async def test_every_answer_carries_rate_limit_headers(api: Api) -> None:
    msg = api.say("hi")
    answers = [
        await api.call("GET", "/users/@me"),                            # 200
        await api.call("PUT", f"{api.c}/messages/{msg}/reactions/{quote(THUMBS)}/@me"),
        await api.call("GET", f"{api.c}/messages/1"),                   # 404
        await api.call("DELETE", f"{api.g}/members/{api.bob.id}"),      # 403
        await api.call("POST", f"{api.c}/messages", body={}),           # 400
    ]
    assert [status for status, _, _ in answers] == [200, 204, 404, 403, 400]
    for _, _, response in answers:
        assert all(h in response.headers for h in RATE_HEADERS), response.headers
    _, _, first = await api.call("GET", f"{api.c}/messages")
    _, _, second = await api.call("GET", f"{api.c}/messages")
    assert first.headers["X-RateLimit-Limit"] == "50"
    assert int(second.headers["X-RateLimit-Remaining"]) == int(
        first.headers["X-RateLimit-Remaining"]) - 1
    assert first.headers["X-RateLimit-Bucket"] == second.headers["X-RateLimit-Bucket"]
    assert float(first.headers["X-RateLimit-Reset"]) == pytest.approx(api.clock.time() + 1.0)
    assert float(first.headers["X-RateLimit-Reset-After"]) == pytest.approx(1.0)


async def test_a_429_with_via_retry_after_and_scope(api: Api) -> None:
    api.twin.rest.limits.overrides["/channels/{channel_id}/messages"] = (1, 60)
    status, _, ok = await api.call("GET", f"{api.c}/messages")
    assert (status, ok.headers["X-RateLimit-Limit"], ok.headers["X-RateLimit-Remaining"]) == (
        200, "1", "0")
    status, body, limited = await api.call("GET", f"{api.c}/messages")
    assert status == 429
    assert body == {"message": "You are being rate limited.", "retry_after": 60.0,
                    "global": False}
    assert limited.headers["Via"]
    assert limited.headers["Retry-After"] == "60"
    assert limited.headers["X-RateLimit-Scope"] == "user"
    assert "X-RateLimit-Global" not in limited.headers
    assert all(h in limited.headers for h in RATE_HEADERS)
    # Buckets are per route (the method too) and major parameter: sending in the same
    # channel has its own bucket (with the same override), as do other channels.
    status, _, sent = await api.call("POST", f"{api.c}/messages", body={"content": "x"})
    assert (status, sent.headers["X-RateLimit-Limit"]) == (200, "1")
    assert sent.headers["X-RateLimit-Bucket"] != ok.headers["X-RateLimit-Bucket"]
    assert (await api.call("POST", f"{api.c}/messages", body={"content": "y"}))[0] == 429
    assert [m.content for m in api.model.messages[api.general.id].values()] == ["x"]
    other = api.model.create_channel(api.guild, "other")
    assert (await api.call("GET", f"/channels/{other.id}/messages"))[0] == 200
    assert (await api.call("GET", "/users/@me"))[0] == 200
    # Time on the twin's clock resets the bucket.
    await api.clock.advance(30)
    status, body, _ = await api.call("GET", f"{api.c}/messages")
    assert (status, body["retry_after"]) == (429, 30.0)
    await api.clock.advance(30)
    assert (await api.call("GET", f"{api.c}/messages"))[0] == 200


async def test_interaction_callbacks_carry_no_bucket_but_can_be_limited(api: Api) -> None:
    path = "/interactions/123456789012345678/nope/callback"
    for _ in range(60):  # past the default limit
        status, body, answer = await api.call("POST", path, body={"type": 1})
        assert (status, body["code"]) == (404, 10062)  # Unknown interaction
        assert not [h for h in answer.headers if h.lower().startswith("x-ratelimit")]
    # A test may still provoke a 429 there: retry_after and Via, no bucket headers.
    api.twin.rest.limits.overrides["/interactions/{interaction_id}/{token}/callback"] = (
        1, 5)
    assert (await api.call("POST", path, body={"type": 1}))[0] == 404
    status, body, limited = await api.call("POST", path, body={"type": 1})
    assert (status, body["retry_after"], limited.headers["Retry-After"]) == (429, 5.0, "5")
    assert limited.headers["Via"]
    assert "X-RateLimit-Bucket" not in limited.headers


# -- messages -----------------------------------------------------------------------------


async def test_messages_list_before_after_around_and_limit(api: Api) -> None:
    ids = [api.say(f"m{n}") for n in range(10)]
    path = f"{api.c}/messages"

    async def listed(query: str) -> list[str]:
        status, body, _ = await api.call("GET", f"{path}?{query}")
        assert status == 200, body
        return [m["content"] for m in body]

    assert await listed("") == [f"m{n}" for n in range(9, -1, -1)]  # newest first
    assert await listed("limit=3") == ["m9", "m8", "m7"]
    assert await listed(f"before={ids[5]}&limit=2") == ["m4", "m3"]
    assert await listed(f"after={ids[5]}&limit=2") == ["m7", "m6"]
    assert await listed(f"after={ids[8]}") == ["m9"]
    assert await listed(f"around={ids[5]}&limit=4") == ["m6", "m5", "m4", "m3"]
    for bad in ("limit=0", "limit=101"):
        status, body, _ = await api.call("GET", f"{path}?{bad}")
        assert (status, body["code"]) == (400, 50035), bad


async def test_multipart_message_with_files_and_payload_json(api: Api) -> None:
    form = aiohttp.FormData()
    form.add_field("payload_json", json.dumps({
        "content": "two files",
        "attachments": [{"id": 0, "filename": "notes.txt", "description": "some notes"},
                        {"id": 1, "filename": "pixel.png"}]}),
        content_type="application/json")
    blob = bytes(range(256)) * 4 + b"\r\n--\r\n"
    form.add_field("files[0]", b"hello\r\nworld", filename="upload.txt",
                   content_type="text/plain")
    form.add_field("files[1]", blob, filename="pixel.png", content_type="image/png")
    status, body, _ = await api.call("POST", f"{api.c}/messages", data=form)
    assert status == 200, body
    assert body["content"] == "two files"
    attachments = body["attachments"]
    assert [(a["filename"], a["size"], a["content_type"], a["description"])
            for a in attachments] == [("notes.txt", 12, "text/plain", "some notes"),
                                      ("pixel.png", len(blob), "image/png", None)]
    assert all(isinstance(a["id"], str) for a in attachments)
    # The attachments are served back at their URLs, byte for byte.
    for attachment, expected in zip(attachments, [b"hello\r\nworld", blob], strict=True):
        async with api.http.get(attachment["url"]) as served:
            assert served.status == 200
            assert await served.read() == expected
            assert served.content_type == attachment["content_type"]


async def test_multipart_with_bad_payload_json_is_50109(api: Api) -> None:
    form = aiohttp.FormData()
    form.add_field("payload_json", "{nope", content_type="application/json")
    form.add_field("files[0]", b"x", filename="x.txt", content_type="text/plain")
    status, body, _ = await api.call("POST", f"{api.c}/messages", data=form)
    assert (status, body["code"]) == (400, 50109)


async def test_attaching_files_needs_attach_files(api: Api) -> None:
    api.model.set_overwrite(api.general, api.guild.id, 0, 0, int(P.ATTACH_FILES))
    form = aiohttp.FormData()
    form.add_field("payload_json", json.dumps({"content": "x"}))
    form.add_field("files[0]", b"x", filename="x.txt", content_type="text/plain")
    status, body, _ = await api.call("POST", f"{api.c}/messages", data=form)
    assert (status, body["code"]) == (403, 50013)


async def test_without_message_content_rest_empties_others_messages(
        clock: VirtualClock) -> None:
    async with DiscordTwin(clock=clock, privileged_intents=False) as twin, \
            aiohttp.ClientSession() as http:
        api = Api(twin, http, clock)
        m = api.model
        embed = [{"title": "t"}]
        secret = m.create_message(api.general, api.alice.id, "secret", embeds=embed).id
        m.create_message(api.general, api.alice.id, f"hi <@{m.bot.id}>")
        m.create_message(api.general, m.bot.id, "mine", embeds=embed)
        status, listed, _ = await api.call("GET", f"{api.c}/messages")
        assert status == 200
        assert [(x["content"], x["embeds"]) for x in listed] == [
            ("mine", embed), (f"hi <@{m.bot.id}>", []), ("", [])]
        _, one, _ = await api.call("GET", f"{api.c}/messages/{secret}")
        assert (one["content"], one["embeds"], one["author"]["id"]) == (
            "", [], str(api.alice.id))
        _, dm, _ = await api.call("POST", "/users/@me/channels",
                                  body={"recipient_id": str(api.alice.id)})
        m.create_message(m.channels[int(dm["id"])], api.alice.id, "private")
        _, listed, _ = await api.call("GET", f"/channels/{dm['id']}/messages")
        assert [x["content"] for x in listed] == ["private"]


# -- reactions, pins, typing -------------------------------------------------------------


async def test_reactions_with_url_encoded_emoji(api: Api) -> None:
    msg = api.say("react to me")
    base = f"{api.c}/messages/{msg}/reactions"
    thumbs = quote(THUMBS)
    assert (await api.call("PUT", f"{base}/{thumbs}/@me"))[0] == 204
    assert (await api.call("PUT", f"{base}/{quote('party:112233445566778899')}/@me"))[0] == 204
    _, body, _ = await api.call("GET", f"{api.c}/messages/{msg}")
    assert [(r["emoji"]["name"], r["emoji"]["id"], r["count"], r["me"])
            for r in body["reactions"]] == [(THUMBS, None, 1, True),
                                            ("party", "112233445566778899", 1, True)]
    api.model.add_reaction(api.model.messages[api.general.id][msg], api.alice.id,
                           {"id": None, "name": THUMBS})
    status, users, _ = await api.call("GET", f"{base}/{thumbs}")
    assert status == 200
    assert sorted(u["id"] for u in users) == sorted([str(api.model.bot.id), str(api.alice.id)])
    _, users, _ = await api.call("GET", f"{base}/{thumbs}?limit=1")
    assert len(users) == 1
    assert (await api.call("DELETE", f"{base}/{thumbs}/@me"))[0] == 204
    # Someone else's reaction needs MANAGE_MESSAGES; so does clearing.
    status, body, _ = await api.call("DELETE", f"{base}/{thumbs}/{api.alice.id}")
    assert (status, body["code"]) == (403, 50013)
    assert (await api.call("DELETE", base))[0] == 403
    api.grant(P.MANAGE_MESSAGES)
    assert (await api.call("DELETE", f"{base}/{thumbs}/{api.alice.id}"))[0] == 204
    _, body, _ = await api.call("GET", f"{api.c}/messages/{msg}")
    assert [r["emoji"]["name"] for r in body["reactions"]] == ["party"]
    assert (await api.call("DELETE", base))[0] == 204
    _, body, _ = await api.call("GET", f"{api.c}/messages/{msg}")
    assert "reactions" not in body or body["reactions"] == []


async def test_pins_on_the_old_and_the_new_routes(api: Api) -> None:
    first, second = api.say("first"), api.say("second")
    api.grant(P.MANAGE_MESSAGES)  # pinned before 2026-02-23; PIN_MESSAGES since
    status, body, _ = await api.call("PUT", f"{api.c}/pins/{first}")
    assert (status, body["code"]) == (403, 50013)
    api.grant(P.PIN_MESSAGES)
    assert (await api.call("PUT", f"{api.c}/pins/{first}"))[0] == 204
    await api.clock.advance(5)  # pins sort by when they were pinned
    assert (await api.call("PUT", f"{api.c}/messages/pins/{second}"))[0] == 204
    status, old, _ = await api.call("GET", f"{api.c}/pins")
    assert status == 200
    assert [m["content"] for m in old] == ["second", "first"]
    assert all(m["pinned"] is True for m in old)
    status, new, _ = await api.call("GET", f"{api.c}/messages/pins")
    assert status == 200 and new["has_more"] is False
    assert [i["message"]["content"] for i in new["items"]] == ["second", "first"]
    newest, oldest = (i["pinned_at"] for i in new["items"])
    assert newest > oldest
    status, page, _ = await api.call("GET", f"{api.c}/messages/pins?limit=1")
    assert [i["message"]["content"] for i in page["items"]] == ["second"]
    assert page["has_more"] is True
    status, rest, _ = await api.call("GET", f"{api.c}/messages/pins?before={quote(newest)}")
    assert [i["message"]["content"] for i in rest["items"]] == ["first"]
    assert rest["has_more"] is False
    status, bad, _ = await api.call("GET", f"{api.c}/messages/pins?limit=51")
    assert (status, bad["code"]) == (400, 50035)
    assert (await api.call("DELETE", f"{api.c}/messages/pins/{second}"))[0] == 204
    assert (await api.call("DELETE", f"{api.c}/pins/{first}"))[0] == 204
    assert (await api.call("GET", f"{api.c}/pins"))[1] == []


async def test_typing(api: Api) -> None:
    status, body, response = await api.call("POST", f"{api.c}/typing")
    assert (status, body) == (204, None)
    assert "X-RateLimit-Bucket" in response.headers
    api.model.set_overwrite(api.general, api.guild.id, 0, 0, int(P.SEND_MESSAGES))
    assert (await api.call("POST", f"{api.c}/typing"))[0] == 403


# -- channels: overwrites -----------------------------------------------------------------


async def test_permission_overwrites(api: Api) -> None:
    path = f"{api.c}/permissions/{api.bob.id}"
    overwrite = {"type": 1, "allow": str(int(P.ATTACH_FILES)),
                 "deny": str(int(P.SEND_MESSAGES))}
    assert (await api.call("PUT", path, body=overwrite))[0] == 403
    api.grant(P.MANAGE_ROLES)
    assert (await api.call("PUT", path, body=overwrite))[0] == 204
    _, channel, _ = await api.call("GET", api.c)
    assert channel["permission_overwrites"] == [{"id": str(api.bob.id), "type": 1,
                                                 "allow": str(int(P.ATTACH_FILES)),
                                                 "deny": str(int(P.SEND_MESSAGES))}]
    assert not api.model.permissions(api.general, api.bob.id) & P.SEND_MESSAGES
    status, body, _ = await api.call("PUT", f"{api.c}/permissions/987654321987654321",
                                     body={"type": 0, "allow": "0", "deny": "0"})
    assert (status, body["code"]) == (404, 10011)
    assert (await api.call("DELETE", path))[0] == 204
    _, channel, _ = await api.call("GET", api.c)
    assert channel["permission_overwrites"] == []


# -- guilds: members, bans, roles -----------------------------------------------------------


async def test_members_list_search_and_modify(api: Api) -> None:
    m = api.model
    everyone = sorted(api.guild.members)
    status, page, _ = await api.call("GET", f"{api.g}/members?limit=2")
    assert status == 200
    assert [x["user"]["id"] for x in page] == [str(u) for u in everyone[:2]]
    _, rest, _ = await api.call("GET", f"{api.g}/members?limit=1000&after={everyone[1]}")
    assert [x["user"]["id"] for x in rest] == [str(u) for u in everyone[2:]]
    _, found, _ = await api.call("GET", f"{api.g}/members/search?query=BO&limit=10")
    assert [x["user"]["id"] for x in found] == [str(api.bob.id)]
    _, member, _ = await api.call("GET", f"{api.g}/members/{api.bob.id}")
    assert member["user"]["username"] == "bob" and member["roles"] == []
    status, body, _ = await api.call("PATCH", f"{api.g}/members/{api.bob.id}",
                                     body={"nick": "bobby"})
    assert (status, body["code"]) == (403, 50013)
    api.grant(P.MANAGE_NICKNAMES)
    status, body, _ = await api.call("PATCH", f"{api.g}/members/{api.bob.id}",
                                     body={"nick": "bobby"})
    assert (status, body["nick"]) == (200, "bobby")
    assert api.guild.members[api.bob.id].nick == "bobby"
    status, body, _ = await api.call("PATCH", f"{api.g}/members/@me", body={"nick": "me"})
    assert (status, body["nick"]) == (200, "me")
    assert api.guild.members[m.bot.id].nick == "me"


async def test_bans(api: Api) -> None:
    bans = f"{api.g}/bans"
    assert (await api.call("PUT", f"{bans}/{api.bob.id}", body={}))[0] == 403
    api.grant(P.BAN_MEMBERS)
    status, _, _ = await api.call("PUT", f"{bans}/{api.bob.id}", body={},
                                  headers={"X-Audit-Log-Reason": "spam"})
    assert status == 204
    assert api.bob.id not in api.guild.members
    status, listed, _ = await api.call("GET", bans)
    assert (status, listed) == (200, [{"reason": "spam", "user": api.bob.to_json()}])
    status, one, _ = await api.call("GET", f"{bans}/{api.bob.id}")
    assert (status, one["user"]["id"]) == (200, str(api.bob.id))
    assert (await api.call("DELETE", f"{bans}/{api.bob.id}"))[0] == 204
    status, body, _ = await api.call("GET", f"{bans}/{api.bob.id}")
    assert (status, body) == (404, {"message": "Unknown Ban", "code": 10026})


async def test_roles_create_modify_positions_delete(api: Api) -> None:
    roles = f"{api.g}/roles"
    assert (await api.call("POST", roles, body={"name": "x"}))[0] == 403
    api.grant(P.MANAGE_ROLES | P.KICK_MEMBERS)
    status, made, _ = await api.call("POST", roles, body={
        "name": "mods", "permissions": str(int(P.KICK_MEMBERS)), "color": 0xFF0000,
        "hoist": True, "mentionable": True})
    assert status == 200
    assert (made["name"], made["permissions"], made["color"], made["hoist"]) == (
        "mods", str(int(P.KICK_MEMBERS)), 0xFF0000, True)
    assert isinstance(made["id"], str)
    second_status, other, _ = await api.call("POST", roles, body={"name": "other"})
    assert second_status == 200
    status, changed, _ = await api.call("PATCH", f"{roles}/{made['id']}",
                                        body={"name": "moderators"})
    assert (status, changed["name"]) == (200, "moderators")
    status, ordered, _ = await api.call("PATCH", roles, data=json.dumps([
        {"id": made["id"], "position": 1}, {"id": other["id"], "position": 2}]),
        headers={"Content-Type": "application/json"})
    assert status == 200
    positions = {r["id"]: r["position"] for r in ordered}
    assert (positions[made["id"]], positions[other["id"]]) == (1, 2)
    assert [r["position"] for r in ordered] == sorted(r["position"] for r in ordered)
    assert (await api.call("DELETE", f"{roles}/{made['id']}"))[0] == 204
    _, listed, _ = await api.call("GET", roles)
    assert made["id"] not in [r["id"] for r in listed]
    status, body, _ = await api.call("DELETE", f"{roles}/{made['id']}")
    assert (status, body["code"]) == (404, 10011)


# -- users: DMs and guilds -----------------------------------------------------------------


async def test_dm_channels(api: Api) -> None:
    status, dm, _ = await api.call("POST", "/users/@me/channels",
                                   body={"recipient_id": str(api.alice.id)})
    assert status == 200
    assert dm["type"] == 1 and isinstance(dm["id"], str)
    # The recipients are the other users, never the bot itself (discord.py's DMChannel
    # takes recipients[0] as the user it talks to).
    assert [u["id"] for u in dm["recipients"]] == [str(api.alice.id)]
    _, again, _ = await api.call("POST", "/users/@me/channels",
                                 body={"recipient_id": str(api.alice.id)})
    assert again["id"] == dm["id"]
    status, sent, _ = await api.call("POST", f"/channels/{dm['id']}/messages",
                                     body={"content": "hello alice"})
    assert (status, sent["channel_id"], "guild_id" in sent) == (200, dm["id"], False)
    status, body, _ = await api.call("POST", "/users/@me/channels", body={})
    assert (status, body["code"]) == (400, 50035)
    assert body["errors"]["recipient_id"]["_errors"][0]["code"] == "BASE_TYPE_REQUIRED"
    other_bot = api.model.add_user("other-bot", bot=True)
    status, body, _ = await api.call("POST", "/users/@me/channels",
                                     body={"recipient_id": str(other_bot.id)})
    assert (status, body["code"]) == (400, 50007)


async def test_my_guilds(api: Api) -> None:
    m = api.model
    second = m.create_guild("Second", api.alice.id)
    m.add_member(second, m.bot.id)
    m.create_guild("Not mine", api.alice.id)
    status, guilds, _ = await api.call("GET", "/users/@me/guilds")
    assert status == 200
    assert [(g["id"], g["name"], g["owner"]) for g in guilds] == [
        (str(api.guild.id), "Test Server", False), (str(second.id), "Second", False)]
    assert guilds[0]["permissions"] == str(int(m.guild_permissions(api.guild, m.bot.id)))
    _, page, _ = await api.call("GET", "/users/@me/guilds?limit=1")
    assert [g["id"] for g in page] == [str(api.guild.id)]
    _, page, _ = await api.call("GET", f"/users/@me/guilds?after={api.guild.id}")
    assert [g["id"] for g in page] == [str(second.id)]


def _button(custom_id: str | None = "b", **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"type": 2, "style": 1, "label": "press", **extra}
    if custom_id is not None:
        out["custom_id"] = custom_id
    return out


def _row(*children: dict[str, Any]) -> dict[str, Any]:
    return {"type": 1, "components": list(children)}


@pytest.mark.parametrize(("components", "path", "code"), [
    ([_row(_button(str(i))) for i in range(6)], ("components",), "BASE_TYPE_MAX_LENGTH"),
    ([_row(*[_button(str(i)) for i in range(6)])], ("components", "0", "components"),
     "BASE_TYPE_BAD_LENGTH"),
    ([_row(_button("same"), _button("same"))],
     ("components", "0", "components", "1", "custom_id"), "COMPONENT_CUSTOM_ID_DUPLICATED"),
    ([_row(_button(None))], ("components", "0", "components", "0", "custom_id"),
     "BASE_TYPE_REQUIRED"),
    ([_row(_button("x", style=5, url="https://example.com"))],
     ("components", "0", "components", "0", "custom_id"),
     "BUTTON_COMPONENT_CUSTOM_ID_INVALID"),
    ([_row(_button("x", label="l" * 81))],
     ("components", "0", "components", "0", "label"), "BASE_TYPE_BAD_LENGTH"),
    ([_row({"type": 3, "custom_id": "s", "options": [{"label": "a", "value": "v"},
                                                     {"label": "b", "value": "v"}]})],
     ("components", "0", "components", "0", "options", "1", "value"),
     "SELECT_COMPONENT_OPTION_VALUE_DUPLICATED"),
    ([_row({"type": 3, "custom_id": "s", "options": []})],
     ("components", "0", "components", "0", "options"), "BASE_TYPE_BAD_LENGTH"),
    ([_row({"type": 5, "custom_id": "u"}, _button("b"))],
     ("components", "0", "components"), "COMPONENT_LAYOUT_WIDTH_EXCEEDED"),
    ([_button("loose")], ("components", "0", "type"), "UNION_TYPE_CHOICES"),
])
async def test_components_are_checked_as_discord_checks_them(
        api: Api, components: list[dict[str, Any]], path: tuple[str, ...], code: str) -> None:
    status, body, _ = await api.call("POST", f"{api.c}/messages",
                                     body={"content": "x", "components": components})
    assert status == 400 and body["code"] == 50035, body
    node = body["errors"]
    for part in path:
        node = node[part]
    assert node["_errors"][0]["code"] == code
    assert api.model.messages[api.general.id] == {}  # nothing kept


async def test_valid_components_are_kept_and_numbered(api: Api) -> None:
    components = [_row(_button("a"), _button(None, style=5, url="https://example.com")),
                  _row({"type": 3, "custom_id": "pick", "min_values": 1, "max_values": 2,
                        "options": [{"label": "A", "value": "a"},
                                    {"label": "B", "value": "b"}], "id": 2})]
    status, body, _ = await api.call("POST", f"{api.c}/messages",
                                     body={"content": "x", "components": components})
    # Discord numbers components without an id in order, from 1, around the ids given.
    numbered = copy.deepcopy(components)
    numbered[0]["id"], numbered[1]["id"] = 1, 5
    numbered[0]["components"][0]["id"], numbered[0]["components"][1]["id"] = 3, 4
    assert status == 200 and body["components"] == numbered


async def test_the_application_is_the_bots_id_and_default_sounds_are_listed(api: Api) -> None:
    # As on Discord (py-cord syncs commands under bot.user.id).
    assert api.model.application.id == api.model.bot.id
    _, app, _ = await api.call("GET", "/oauth2/applications/@me")
    assert app["id"] == str(api.model.bot.id)
    status, sounds, _ = await api.call("GET", "/soundboard-default-sounds")
    assert status == 200 and [s["name"] for s in sounds][:2] == ["quack", "airhorn"]
    assert all(set(s) == {"name", "sound_id", "volume", "emoji_id", "emoji_name",
                          "available"} for s in sounds)


async def test_the_backend_queue_keeps_the_newest_messages_in_order(api: Api) -> None:
    """A queue nobody reads stays bounded; what is left is taken oldest first."""
    backend = api.twin.backend
    backend._sent.limit = 3  # a small bound instead of SENT_LIMIT, to see it at work
    for n in range(5):
        status, _, _ = await api.call("POST", api.c + "/messages", body={"content": f"m{n}"})
        assert status == 200
    assert [m.content for m in backend.get_message_queue()] == ["m2", "m3", "m4"]
    assert backend.get_message().content == "m2"
    await api.call("POST", api.c + "/messages", body={"content": "m5"})  # m2 goes
    assert [m.content for m in await backend.wait_for_messages(2)] == ["m3", "m4"]
    await api.call("POST", api.c + "/messages", body={"content": "m6"})  # m3 goes
    assert [m.content for m in backend.get_message_queue()] == ["m5", "m6"]


async def test_a_file_whose_bytes_the_twin_let_go_is_the_cdn_404(api: Api) -> None:
    data = aiohttp.FormData()
    data.add_field("payload_json", '{"content": "f"}', content_type="application/json")
    data.add_field("files[0]", b"old bytes", filename="a.txt", content_type="text/plain")
    status, message, _ = await api.call("POST", api.c + "/messages", data=data)
    assert status == 200
    url = message["attachments"][0]["url"]
    async with api.http.get(url) as served:
        assert await served.read() == b"old bytes"
    api.model.storage.limits = StorageLimits(attachment_bytes=1)
    api.model.storage.uploaded([])  # applies the new bound: the only file stays
    async with api.http.get(url) as served:
        assert served.status == 200
    data = aiohttp.FormData()
    data.add_field("payload_json", '{"content": "g"}', content_type="application/json")
    data.add_field("files[0]", b"new bytes", filename="b.txt", content_type="text/plain")
    await api.call("POST", api.c + "/messages", data=data)
    async with api.http.get(url) as served:
        assert (served.status, await served.json()) == (404, {"message": "404: Not Found",
                                                             "code": 0})
    async with api.http.get(api.twin.http_url("/attachments/abc/²/x.txt")) as served:
        assert served.status == 404

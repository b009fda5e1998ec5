"""The Discord twin's typed readers, without a server: what each accepts, what it turns a
value into, and the exact 50035 problem (code, message, path) for what it refuses."""

from __future__ import annotations

from typing import Any

import pytest

from wiretwin.discord.errors import DiscordError, Problems, form_error
from wiretwin.discord.model import ChannelType, DiscordModel
from wiretwin.discord.model.entities import Application, User
from wiretwin.discord.wire.bodies import read_message
from wiretwin.discord.wire.changes import (
    read_channel,
    read_guild,
    read_member,
    read_role,
    read_thread,
)
from wiretwin.discord.wire.fields import Form, as_bool, as_int, as_snowflake, as_text
from wiretwin.discord.wire.params import parse_multipart
from wiretwin.runtime.clock import VirtualClock


def refusal(call: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """The ``errors`` tree of the 50035 ``call`` raises."""
    with pytest.raises(DiscordError) as raised:
        call(*args, **kwargs)
    assert (raised.value.status, raised.value.code) == (400, 50035)
    assert raised.value.errors is not None
    return raised.value.errors


def one(errors: dict[str, Any]) -> tuple[str, str, str]:
    """The single problem in ``errors``: (dotted path, code, message)."""
    path: list[str] = []
    node = errors
    while "_errors" not in node:
        assert len(node) == 1, errors
        key = next(iter(node))
        path.append(key)
        node = node[key]
    assert len(node) == 1 and len(node["_errors"]) == 1, errors
    return ".".join(path), node["_errors"][0]["code"], node["_errors"][0]["message"]


# -- coercions ------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [
    ("123", 123), (123, 123), ("0", 0), (0, 0), (2**64 - 1, 2**64 - 1),
    (str(2**64 - 1), 2**64 - 1), ("\u00b2", None), ("\uff11", None), ("\u0661", None),
    (" 1", None), ("+1", None), ("-1", None), (-1, None), (2**64, None),
    (str(2**64), None), ("1" * 21, None), (True, None), (1.0, None), (None, None),
    ([1], None), ("", None)])
def test_a_snowflake_is_ascii_digits_or_an_integer_within_64_bits(value: Any,
                                                                  expected: int | None) -> None:
    assert as_snowflake(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("5", 5), ("-5", -5), (5, 5), ("5.0", None), (5.0, None), (True, None), ("\u00b2", None),
    ("", None), ("1e3", None)])
def test_an_int_is_a_json_integer_or_ascii_digits(value: Any, expected: int | None) -> None:
    assert as_int(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (True, True), (False, False), ("true", True), ("False", False), ("1", True), ("0", False),
    (1, True), (0, False), ("yes", None), (2, None), (None, None)])
def test_a_boolean(value: Any, expected: bool | None) -> None:
    assert as_bool(value) == expected


def test_text_takes_numbers_written_out_and_nothing_else() -> None:
    values: tuple[Any, ...] = ("a", 5, 1.5, True, None, [], {})
    assert [as_text(v) for v in values] == [
        "a", "5", "1.5", None, None, None, None]


# -- the form -------------------------------------------------------------------------------


def test_every_problem_is_listed_at_its_path_at_once() -> None:
    form = Form({"limit": "abc", "embeds": [{"color": "red"}, None, "x"], "name": ""})
    form.integer("limit", 1, 100)
    for embed in form.objects("embeds") or []:
        embed.color("color")
    form.string("name", 1, 10)
    form.snowflake("user_id", required=True)
    with pytest.raises(DiscordError) as raised:
        form.check()
    assert raised.value.errors == {
        "limit": {"_errors": [{"code": "NUMBER_TYPE_COERCE",
                               "message": 'Value "abc" is not int.'}]},
        "embeds": {
            "0": {"color": {"_errors": [{"code": "NUMBER_TYPE_COERCE",
                                         "message": 'Value "red" is not int.'}]}},
            "1": {"_errors": [{"code": "LIST_ITEM_VALUE_REQUIRED",
                               "message": "List item values of ModelType are required"}]},
            "2": {"_errors": [{"code": "DICT_TYPE_CONVERT",
                               "message": "Only dictionaries may be used in a DictType"}]}},
        "name": {"_errors": [{"code": "BASE_TYPE_BAD_LENGTH",
                              "message": "Must be between 1 and 10 in length."}]},
        "user_id": {"_errors": [{"code": "BASE_TYPE_REQUIRED",
                                 "message": "This field is required"}]},
    }


@pytest.mark.parametrize(("low", "high", "value", "expected"), [
    (0, 5, "x" * 6, ("BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.")),
    (2, 5, "x", ("BASE_TYPE_BAD_LENGTH", "Must be between 2 and 5 in length.")),
    (2, None, "x", ("BASE_TYPE_MIN_LENGTH", "Must be 2 or more in length.")),
])
def test_lengths_are_worded_by_which_bounds_there_are(
        low: int, high: int | None, value: str, expected: tuple[str, str]) -> None:
    form = Form({"text": value})
    assert form.string("text", low, high) is None
    assert one(refusal(form.check)) == ("text", *expected)


@pytest.mark.parametrize(("value", "expected"), [
    ("x", ("NUMBER_TYPE_COERCE", 'Value "x" is not int.')),
    (True, ("NUMBER_TYPE_COERCE", 'Value "True" is not int.')),
    (3, ("BASE_TYPE_CHOICES", "Value must be one of {0, 1}.")),
])
def test_an_enum_is_first_an_int(value: Any, expected: tuple[str, str]) -> None:
    form = Form({"type": value})
    assert form.choice("type", (0, 1)) is None
    assert one(refusal(form.check)) == ("type", *expected)


def test_a_string_enum_in_a_query_coerces() -> None:
    form = Form({"type": "1"})
    assert form.choice("type", (0, 1)) == 1
    form.check()


def test_null_is_absent_unless_required() -> None:
    form = Form({"a": None})
    assert (form.has("a"), form.integer("a"), form.has("b")) == (True, None, False)
    form.check()
    form.string("a", required=True)
    assert one(refusal(form.check)) == ("a", "BASE_TYPE_REQUIRED", "This field is required")


def test_a_body_that_is_no_object_is_refused_at_the_root() -> None:
    assert one(refusal(Form(["x"]).check)) == (
        "", "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
    Form(None).check()  # an empty body reads as {}


def test_sets_and_lists_word_their_refusals_apart() -> None:
    form = Form({"users": "x", "ids": 5})
    form.snowflakes("users", set_type=True)
    form.snowflakes("ids")
    errors = refusal(form.check)
    assert errors["users"]["_errors"][0] == {
        "code": "SET_TYPE_CONVERT", "message": "Only iterables may be used in a SetType"}
    assert errors["ids"]["_errors"][0] == {
        "code": "LIST_TYPE_CONVERT", "message": "Only iterables may be used in a ListType"}


def test_cleaned_is_the_body_with_every_field_read_typed() -> None:
    form = Form({"title": 5, "keep": {"x": 1}, "fields": [{"inline": "true", "n": 1}]})
    form.string("title")
    for field in form.objects("fields") or []:
        field.boolean("inline")
    assert form.cleaned() == {"title": "5", "keep": {"x": 1},
                              "fields": [{"inline": True, "n": 1}]}


def test_problems_and_form_error_build_discords_tree() -> None:
    problems = Problems()
    assert not problems
    problems.check()
    problems.add(("a", 0, "b"), "C", "m")
    assert problems.tree == {"a": {"0": {"b": {"_errors": [{"code": "C", "message": "m"}]}}}}
    assert form_error("x.y", "C", "m").errors == {"x": {"y": {"_errors": [
        {"code": "C", "message": "m"}]}}}
    assert form_error((), "C", "m").to_json() == {
        "message": "Invalid Form Body", "code": 50035,
        "errors": {"_errors": [{"code": "C", "message": "m"}]}}


# -- message bodies -------------------------------------------------------------------------


def test_a_message_is_read_typed() -> None:
    form = Form({"content": 42, "tts": "false", "nonce": 7, "flags": "4",
                 "embeds": [{"title": 1, "color": "255", "fields": [{"name": "n",
                                                                     "value": 2}]}],
                 "allowed_mentions": {"parse": ["users"], "roles": [5], "replied_user": 0},
                 "message_reference": {"message_id": 9, "fail_if_not_exists": "false"},
                 "attachments": [{"id": "0", "description": "d"}]})
    sent = read_message(form)
    form.check()
    assert (sent.content, sent.tts, sent.nonce, sent.flags) == ("42", False, 7, 4)
    assert sent.embeds == [{"title": "1", "color": 255,
                            "fields": [{"name": "n", "value": "2"}]}]
    assert sent.allowed_mentions == {"parse": ["users"], "roles": ["5"],
                                     "replied_user": False}
    assert sent.reference == {"type": 0, "message_id": 9, "channel_id": None,
                              "guild_id": None, "fail_if_not_exists": False}
    assert sent.attachments == [{"id": 0, "description": "d"}]


def test_a_legacy_embed_counts_as_embeds() -> None:
    form = Form({"embed": {"title": "t"}})
    assert read_message(form, legacy_embed=True).embeds == [{"title": "t"}]
    form = Form({"embed": {"title": 5}})
    assert read_message(form).embeds is None


def test_an_edit_tells_absent_from_null() -> None:
    sent = read_message(Form({"content": None, "embeds": []}))
    assert sent.changes("content", "embeds", "components") == {"content": None, "embeds": []}


# -- settings -------------------------------------------------------------------------------


def test_channel_settings_have_limits_by_type() -> None:
    assert read_channel({"topic": "t" * 4096}, kind=ChannelType.GUILD_FORUM) == {
        "topic": "t" * 4096}
    assert one(refusal(read_channel, {"topic": "t" * 1025})) == (
        "topic", "BASE_TYPE_MAX_LENGTH", "Must be 1024 or fewer in length.")
    assert read_channel({"user_limit": 500}, kind=ChannelType.GUILD_STAGE_VOICE) == {
        "user_limit": 500}
    assert one(refusal(read_channel, {"user_limit": 100}, kind=ChannelType.GUILD_VOICE)) == (
        "user_limit", "NUMBER_TYPE_MAX", "int value should be less than or equal to 99.")
    assert read_channel({"parent_id": None, "topic": None, "name": None}) == {
        "parent_id": None, "topic": None}
    assert read_channel({"name": "x", "permission_overwrites": [
        {"id": "1", "type": 1, "allow": "1024"}]}) == {
        "name": "x", "permission_overwrites": [(1, 1, 1024, 0)]}


def test_a_new_channel_needs_a_name_and_a_type_it_can_be() -> None:
    assert read_channel({"name": "n"}, creating=True) == {"type": 0, "name": "n"}
    assert one(refusal(read_channel, {"name": "n", "type": 1}, creating=True)) == (
        "type", "BASE_TYPE_CHOICES", "Value must be one of {0, 2, 4, 5, 13, 15, 16}.")


def test_settings_read_twice_are_the_same() -> None:
    for reader, body in ((read_role, {"name": 5, "permissions": "8", "colors": {
                             "primary_color": "255"}, "hoist": "true"}),
                         (read_member, {"nick": "", "roles": ["1"], "mute": 1,
                                        "communication_disabled_until": "2030-01-01T00:00:00Z",
                                        "channel_id": None}),
                         (read_thread, {"name": "t", "archived": "false", "applied_tags": [1],
                                        "auto_archive_duration": "60"}),
                         (read_guild, {"name": "gg", "system_channel_id": None})):
        once = reader(body)
        assert reader(once) == once, reader
    assert read_role({"colors": {"primary_color": 255}}) == {"color": 255}
    assert read_member({"nick": ""}) == {"nick": None}


def test_the_model_refuses_bad_settings_and_changes_nothing() -> None:
    class Quiet:
        def dispatch(self, *args: Any, **kwargs: Any) -> None:
            pass

        def guild_joined(self, guild_id: int) -> None:
            pass

        def wake_at(self, when_ms: float) -> None:
            pass

    bot, owner = User(1, "bot", bot=True), User(2, "owner")
    model = DiscordModel(Quiet(), VirtualClock(start=1_750_000_000.0),
                         Application(1, "app", bot, owner, "token"))
    guild = model.create_guild("Guild", owner.id)
    channel = model.create_channel(guild, "general")
    member = guild.members[owner.id]
    assert one(refusal(model.update_member, guild, member, {"nick": "new",
                                                            "roles": ["x"]})) == (
        "roles.0", "NUMBER_TYPE_COERCE", 'Value "x" is not snowflake.')
    assert member.nick is None
    refusal(model.modify_channel, channel, {"name": "renamed",
                                            "permission_overwrites": [{"id": 1}]})
    assert channel.name == "general"
    role = model.create_role(guild, "r", 0)
    refusal(model.modify_role, guild, role, {"name": "x", "color": "red"})
    assert (role.name, role.color) == ("r", 0)


# -- multipart --------------------------------------------------------------------------------


def _multipart(*parts: bytes, boundary: bytes = b"b") -> bytes:
    return b"".join(b"--" + boundary + b"\r\n" + p + b"\r\n" for p in parts) + (
        b"--" + boundary + b"--\r\n")


def test_multipart_payload_and_files() -> None:
    raw = _multipart(b'Content-Disposition: form-data; name="payload_json"\r\n\r\n{"a": 1}',
                     b'Content-Disposition: form-data; name="files[3]"; filename="f.txt"\r\n'
                     b"Content-Type: text/plain\r\n\r\nhello",
                     b'Content-Disposition: form-data; name="other"\r\n\r\nignored')
    payload, files = parse_multipart("multipart/form-data; boundary=b", raw, 100)
    assert payload == b'{"a": 1}'
    assert [(f.field, f.index, f.filename, f.content_type, f.data) for f in files] == [
        ("files[3]", "3", "f.txt", "text/plain", b"hello")]
    with pytest.raises(DiscordError) as raised:
        parse_multipart("multipart/form-data; boundary=b", raw, 4)
    assert raised.value.to_json() == {"message": "Request entity too large", "code": 40005}


@pytest.mark.parametrize(("content_type", "raw"), [
    ("multipart/form-data", _multipart(b"X: y\r\n\r\nz")),
    ("multipart/form-data; boundary=", b"--\r\n\r\n"),
    ("multipart/form-data; boundary=nope", _multipart(b"\r\nbody")),
    ("multipart/form-data; boundary=b", b"\xff\xfe" * 50),
    ("multipart/form-data; boundary=b", _multipart(
        b"Content-Disposition: form-data; name*=bogus''%ZZ; filename*=x''%E2\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n!!!")),
    ("multipart/form-data; boundary=\u20ac", b"--\xe2\x82\xac\r\n\r\n"),
    ("multipart/form-data; boundary=b", _multipart(
        b'Content-Disposition: form-data; name="files[0]"; filename="x"\r\n'
        b"Content-Transfer-Encoding: x-uuencode\r\n\r\nbegin 644 x\n#86)C\n`\nend")),
])
def test_a_broken_multipart_body_never_raises(content_type: str, raw: bytes) -> None:
    parse_multipart(content_type, raw, 1 << 20)

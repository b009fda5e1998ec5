"""The Discord catalogue (wiretwin.discord.errors): each JSON error written once, and the
wire shape every entry answers with."""

from __future__ import annotations

from wiretwin.discord import errors
from wiretwin.discord.errors import CloseCode, DiscordError, ErrorEntry, Opcode


def _entries() -> dict[str, ErrorEntry]:
    return {name: value for name, value in vars(errors).items()
            if isinstance(value, ErrorEntry)}


def test_each_error_is_in_the_catalogue_once() -> None:
    seen = [(e.status, e.code, e.message) for e in _entries().values()]
    assert len(seen) == len(set(seen))
    assert set(_entries()) <= set(errors.__all__)


def test_an_entry_answers_with_its_status_code_and_message() -> None:
    raised = errors.UNKNOWN_MESSAGE()
    assert isinstance(raised, DiscordError)
    assert (raised.status, raised.to_json()) == (404, {"message": "Unknown Message",
                                                       "code": 10008})
    tree = {"name": {"_errors": [{"code": "X", "message": "y"}]}}
    assert errors.INVALID_FORM_BODY(tree).to_json() == {
        "message": "Invalid Form Body", "code": 50035, "errors": tree}
    assert errors.whole_body_error("X", "y").errors == {"_errors": [{"code": "X",
                                                                     "message": "y"}]}
    assert errors.max_commands(100).message == (
        "Maximum number of application commands reached (100)")


def test_close_reasons_carry_plain_codes() -> None:
    code, reason = errors.AUTHENTICATION_FAILED
    assert (type(code), code, reason) == (int, 4004, "Authentication failed.")
    assert int(CloseCode.DISALLOWED_INTENTS) == 4014
    assert (Opcode.DISPATCH, Opcode.HELLO, Opcode.REQUEST_CHANNEL_INFO) == (0, 10, 43)

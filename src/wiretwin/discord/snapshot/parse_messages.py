"""Reading a snapshot's messages with their attachments (bytes in base64), reactions and
polls (with who voted)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from ..model import Attachment, ChannelType, Message, Poll, Reaction
from ..model.entities import emoji_key
from .common import AttachmentUrl
from .reader import Entry, State
from .schema import ATTACHMENT, MESSAGE, POLL, REACTION


def read_messages(state: State, entries: list[Any], attachment_url: AttachmentUrl) -> None:
    seen: set[int] = set()
    for index, raw in enumerate(entries):
        e = Entry(raw, f"messages[{index}]", ("id", "channel", "author"),
                  MESSAGE.optional("id", "channel", "author"))
        message_id = e.id("id")
        if message_id in seen:
            raise e.fail("id", f"{str(message_id)!r} is used twice")
        seen.add(message_id)
        channel = state.channels.get(e.id("channel"))
        if channel is None:
            raise e.fail("channel", f"{str(e.id('channel'))!r}: no channel with that id")
        if channel.type == ChannelType.GUILD_CATEGORY:
            raise e.fail("channel", "is a category, which holds no messages")
        author = e.id("author")
        if author not in state.users:
            raise e.fail("author", f"{str(author)!r} is not in users")
        for user_id in e.ids("mentions"):
            if user_id not in state.users:
                raise e.fail("mentions", f"{str(user_id)!r} is not in users")
        reference = e.data.get("reference")
        if reference is not None and not isinstance(reference, dict):
            raise e.fail("reference", "must be an object (a message reference)")
        interaction = e.data.get("interaction")
        if interaction is not None and not isinstance(interaction, dict):
            raise e.fail("interaction", "must be an object (interaction metadata)")
        webhook_author = e.data.get("webhook_author")
        if webhook_author is not None and not (isinstance(webhook_author, dict)
                                               and e.data.get("webhook_id") is not None):
            raise e.fail("webhook_author", "must be an object (the author a webhook's "
                                           "message shows), with webhook_id")
        nonce = e.data.get("nonce")
        if nonce is not None and (isinstance(nonce, bool)
                                  or not isinstance(nonce, str | int)):
            raise e.fail("nonce", "must be a string or an integer")
        message = Message(
            message_id, channel.id, author, e.text("content", ""), channel.guild_id,
            e.number("type"), e.flag("tts"), e.objects("embeds"), [], e.ids("mentions"),
            e.ids("mention_roles"), e.flag("mention_everyone"), {}, e.flag("pinned"),
            e.time("edited_timestamp"), dict(reference) if reference else None, nonce,
            e.objects("components"), e.number("flags"), e.opt_id("webhook_id"),
            dict(interaction) if interaction else None,
            dict(webhook_author) if webhook_author is not None else None)
        message.snapshots = _snapshots(e)
        if message.pinned:
            pinned_at = e.time("pinned_at")
            message.pinned_ms = (pinned_at if pinned_at is not None
                                 else float(message.created_ms))
        for a_index, a_raw in enumerate(e.array("attachments")):
            a = Entry(a_raw, f"{e.where}.attachments[{a_index}]", ("id", "filename"),
                      ATTACHMENT.optional("id", "filename"))
            try:
                data = base64.b64decode(a.text("data", ""), validate=True)
            except (binascii.Error, ValueError):
                raise a.fail("data", "is not base64") from None
            filename = a.text("filename")
            duration = a.data.get("duration_secs")
            if duration is not None and (isinstance(duration, bool)
                                         or not isinstance(duration, int | float)):
                raise a.fail("duration_secs", f"must be a number of seconds, not "
                                              f"{duration!r}")
            message.attachments.append(Attachment(
                a.id("id"), filename, a.number("size", len(data)), a.opt_text("content_type"),
                attachment_url(channel.id, a.id("id"), filename), data,
                a.opt_text("description"), duration_secs=duration,
                waveform=a.opt_text("waveform")))
        for r_index, r_raw in enumerate(e.array("reactions")):
            r = Entry(r_raw, f"{e.where}.reactions[{r_index}]", ("emoji",),
                      REACTION.optional("emoji"))
            emoji = emoji_of(r)
            users = r.ids("users")
            for user_id in users:
                if user_id not in state.users:
                    raise r.fail("users", f"{str(user_id)!r} is not in users")
            if not users:
                raise r.fail("users", "must name who reacted (a reaction has users)")
            key = emoji_key(emoji)
            if key in message.reactions:
                raise r.fail("emoji", f"{key!r} appears twice on the message")
            message.reactions[key] = Reaction(emoji, list(dict.fromkeys(users)))
        if e.data.get("poll") is not None:
            message.poll = read_poll(state, Entry(
                e.data["poll"], f"{e.where}.poll", ("question", "answers", "expiry"),
                POLL.optional("question", "answers", "expiry")))
        state.messages[channel.id][message_id] = message


def read_poll(state: State, p: Entry) -> Poll:
    """A message's poll: its answers as its JSON has them, and who voted for which."""
    answers = p.objects("answers")
    if not answers:
        raise p.fail("answers", "must list the poll's answers")
    ids = []
    for index, answer in enumerate(answers):
        a = Entry(answer, f"{p.where}.answers[{index}]", ("answer_id", "poll_media"), ())
        media = a.data["poll_media"]
        if not isinstance(media, dict) or not isinstance(media.get("text"), str):
            raise a.fail("poll_media", "must be an object with the answer's text")
        ids.append(a.number("answer_id"))
    if len(set(ids)) != len(ids):
        raise p.fail("answers", "number two answers alike")
    expiry = p.time("expiry")
    assert expiry is not None  # required
    poll = Poll(p.text("question"), answers, expiry, p.flag("allow_multiselect"),
                p.number("layout_type", 1), finalized=p.flag("finalized"))
    for index, raw in enumerate(p.array("votes")):
        v = Entry(raw, f"{p.where}.votes[{index}]", ("answer", "users"), ())
        answer_id = v.number("answer")
        if answer_id not in ids:
            raise v.fail("answer", f"{answer_id!r} is not one of the poll's answers")
        if answer_id in poll.votes:
            raise v.fail("answer", f"{answer_id!r} appears twice")
        users = v.ids("users")
        for user_id in users:
            if user_id not in state.users:
                raise v.fail("users", f"{str(user_id)!r} is not in users")
        if users:
            poll.votes[answer_id] = list(dict.fromkeys(users))
    return poll


def emoji_of(r: Entry) -> dict[str, Any]:
    raw = r.data["emoji"]
    if isinstance(raw, str):  # a world may write "👍" for {name = "👍"}
        raw = {"name": raw}
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
        raise r.fail("emoji", "must be a unicode emoji or {id, name, animated}")
    if raw.get("id") is None:
        return {"id": None, "name": raw["name"]}
    emoji_id = Entry({"id": raw["id"]}, f"{r.where}.emoji", ("id",), ()).id("id")
    return {"id": str(emoji_id), "name": raw["name"], "animated": bool(raw.get("animated"))}


def _snapshots(e: Entry) -> list[dict[str, Any]]:
    """A forward's ``message_snapshots``, as its JSON shows them: ``[{"message": {...}}]``."""
    out = []
    for snapshot in e.objects("message_snapshots"):
        inner = snapshot.get("message")
        if not isinstance(inner, dict):
            raise e.fail("message_snapshots", "must be a list of {\"message\": object}")
        out.append(dict(inner))
    return out

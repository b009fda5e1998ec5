"""What every channel-scoped REST route needs: the route's channel and message, checked
against the bot's permissions, a message as REST shows it, and a request's files.

Below the channel, thread, webhook and interaction routes, which all take one
:class:`ChannelAccess` in their constructor instead of reaching into each other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from aiohttp import web

from ..errors import UNKNOWN_GUILD, missing_access
from ..model import Attachment, Channel, DiscordModel, Guild, Message
from ..model.messages import MESSAGE_CONTENT_FLAGS
from ..permissions import Permission as P
from ..wire.bodies import read_attachments
from ..wire.fields import Form
from ..wire.params import Upload, read_payload, snowflake_arg

if TYPE_CHECKING:
    from .app import RestApp, Routes


def bots_guild(model: DiscordModel, request: web.Request) -> Guild:
    """The route's guild, which the bot must be in (10004 unknown, 50001 not a member)."""
    guild = model.guilds.get(snowflake_arg(request, "guild_id"))
    if guild is None:
        raise UNKNOWN_GUILD()
    if model.bot.id not in guild.members:
        raise missing_access()
    return guild


class GuildResourceRoutes:
    """Routes of one kind of guild resource (emojis, stickers, scheduled events): its
    class's ``ROUTES`` mounted, the bot's id, and the route's guild the bot is in."""

    ROUTES: ClassVar[Routes] = ()

    def __init__(self, app: RestApp, model: DiscordModel) -> None:
        self.model = model
        app.mount(self, self.ROUTES)

    @property
    def me(self) -> int:
        return self.model.bot.id

    def _guild(self, request: web.Request) -> Guild:
        return bots_guild(self.model, request)


class ChannelAccess:
    """Channel and message lookups and uploads, for the bot the token belongs to."""

    def __init__(self, model: DiscordModel, base_url: Any) -> None:
        self.model = model
        #: ``base_url(path)``: the twin's URL for a path (where uploads are served).
        self.base_url = base_url

    @property
    def me(self) -> int:
        return self.model.bot.id

    def channel(self, request: web.Request, *needed: P) -> Channel:
        """The route's channel, once the bot is shown to hold ``needed`` in it."""
        channel = self.model.channel(snowflake_arg(request, "channel_id"))
        self.model.require(channel, self.me, *needed)
        return channel

    def message(self, request: web.Request, channel: Channel) -> Message:
        """The route's message, in ``channel``."""
        return self.model.message(channel, snowflake_arg(request, "message_id"))

    def content_visible(self, message: Message, channel: Channel) -> bool:
        """REST hides content the app may not read without the MESSAGE_CONTENT intent."""
        return self.model.bot_reads_content(channel, message)

    def message_json(self, message: Message, channel: Channel) -> dict[str, Any]:
        """A message as REST shows it to the bot (content hidden without the intent)."""
        return self.model.message_json(message,
                                       content_visible=self.content_visible(message, channel))

    async def payload(self, request: web.Request, channel_id: int | None = None, *,
                       data_key: str | None = None
                       ) -> tuple[dict[str, Any], list[Attachment]]:
        """The JSON body, or a multipart body's ``payload_json`` and files (served under
        ``channel_id``, by default the route's), described by the body's ``attachments``
        (under ``data_key``'s object for an interaction callback)."""
        body, uploads = await read_payload(request, self.model.attachment_limit)
        if not uploads:
            return body, []
        form = Form(body)
        described = form.object(data_key) if data_key is not None else form
        meta = read_attachments(described) if described is not None else None
        form.check()
        if channel_id is None:
            channel_id = snowflake_arg(request, "channel_id")
        return body, self._attachments(channel_id, uploads, meta or [])

    def _attachments(self, channel_id: int, uploads: list[Upload],
                     meta: list[dict[str, Any]]) -> list[Attachment]:
        out = []
        described = {str(m["id"]): m for m in meta}
        for index, upload in enumerate(uploads):
            key = upload.index if upload.field.startswith("files[") else str(index)
            info = described.get(key, {})
            name = info.get("filename") or upload.filename
            attachment_id = self.model.ids.next()
            url = self.base_url(f"/attachments/{channel_id}/{attachment_id}/{name}")
            out.append(Attachment(attachment_id, name, len(upload.data), upload.content_type,
                                  url, upload.data, info.get("description"),
                                  duration_secs=info.get("duration_secs"),
                                  waveform=info.get("waveform")))
        return out


__all__ = ["MESSAGE_CONTENT_FLAGS", "ChannelAccess"]

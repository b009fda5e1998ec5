"""Users invoking the bot's application commands: slash commands, context menus and
autocomplete, sent as INTERACTION_CREATE exactly as Discord builds it.

Each call returns the :class:`~wiretwin.discord.interactions.Interaction` once the bot
has finished handling it (the driver's settle: every task the dispatch started is done),
with its callback, followups and edits in order.
"""

from __future__ import annotations

from typing import Any

from ..coerce import BackendError, file_of, id_of, maybe_id
from ..interactions import Interaction, Reply
from ..interactions.build import (
    PayloadBuilder,
    custom_ids,
    find_component,
    new_token,
    walk_components,
)
from ..model import Attachment, Channel, Guild, Message
from .driver import Driver

_SIMPLE = (str, int, float, bool)


class InteractionActions(Driver):
    async def slash(self, name: str, options: dict[str, Any] | None = None, /, *,
                    user: Any = None, channel: Any = None, timeout: float = 5.0,
                    **more: Any) -> Interaction:
        """``user`` runs the slash command ``name`` (``"config set"`` for a subcommand) in
        ``channel`` with ``options`` (a dict, or keyword arguments; use the dict for
        options named ``user``, ``channel`` or ``timeout``: ``name`` and ``options``
        are positional-only, so options may take those names). Values: str, int, float,
        bool; users, members, roles and channels (objects or ids); files for attachment
        options (a path, bytes, ``(filename, bytes)`` or ``discord.File``).

        Returns once the bot has finished with it. Raises :class:`BackendError` for what
        the Discord client would not let the user do (an unknown command or option, a
        missing required option, a value outside its choices or range, a command the
        user lacks the permissions for)."""
        given = {**(options or {}), **more}
        path = name.split()
        if not path:
            raise BackendError("slash() needs a command name")
        return await self._invoke(1, path, given, user, channel, None, None, timeout)

    async def context_menu(self, name: str, target: Any, *, user: Any = None,
                           channel: Any = None, timeout: float = 5.0) -> Interaction:
        """``user`` picks the context-menu command ``name`` on ``target``: a message (a
        message command) or a user/member (a user command)."""
        message_id = None
        try:
            message = self._message(target)
        except BackendError:
            message = None
        if message is not None:
            message_id = message.id
            if channel is None:
                channel = message.channel_id
        kind = 3 if message_id is not None else 2
        target_id = message_id if message_id is not None else id_of(target, "target")
        return await self._invoke(kind, [name], {}, user, channel, target_id, None, timeout)

    async def autocomplete(self, name: str, focused: str, value: str = "",
                           options: dict[str, Any] | None = None, /, *, user: Any = None,
                           channel: Any = None, timeout: float = 5.0,
                           **more: Any) -> Interaction:
        """``user`` is typing ``value`` into option ``focused`` of ``name``; the bot's
        choices are ``interaction.choices``."""
        given = {**(options or {}), **more, focused: value}
        return await self._invoke(1, name.split(), given, user, channel, None, focused,
                                  timeout)

    async def click(self, message: Any, custom_id: str, *, user: Any = None,
                    timeout: float = 5.0) -> Interaction:
        """``user`` clicks the button ``custom_id`` on ``message`` (a message, its id, or
        the :class:`Interaction` whose response holds the button)."""
        return await self._component(message, custom_id, None, user, timeout)

    async def select(self, message: Any, custom_id: str, values: Any, *, user: Any = None,
                     timeout: float = 5.0) -> Interaction:
        """``user`` picks ``values`` in the select menu ``custom_id``: option values for a
        string select; users, roles, channels (objects or ids) for the others."""
        picks = list(values) if isinstance(values, list | tuple) else [values]
        return await self._component(message, custom_id, picks, user, timeout)

    async def submit_modal(self, opened: Interaction, values: dict[str, Any] | None = None,
                           /, *, user: Any = None, timeout: float = 5.0,
                           **more: Any) -> Interaction:
        """Fill in and submit the modal the bot opened in answer to ``opened``: text
        inputs by custom_id (``values`` or keyword arguments)."""
        modal = opened.modal
        if modal is None:
            raise BackendError(f"the bot opened no modal for interaction {opened.id}:\n"
                               f"{opened.describe()}")
        answers = {**(values or {}), **more}

        def send() -> Interaction:
            model = self.model
            where = model.channel(opened.channel_id)
            user_id = id_of(user, "user") if user is not None else opened.user_id
            interaction_id, token = model.ids.next(), new_token()
            try:
                payload = PayloadBuilder(model).modal_submit(
                    interaction_id, token, user_id, where, modal,
                    self._modal_files(modal, answers, where), opened.source_message)
            except ValueError as exc:
                raise BackendError(str(exc)) from None
            record = Interaction(interaction_id, token, payload["type"],
                                 str(modal["custom_id"]), user_id, where.id, where.guild_id,
                                 self.twin.clock.time(), payload,
                                 source_message=opened.source_message, opened_by=opened)
            return self._send(record, where)

        return await self._settled(send, timeout)

    async def wait_for_replies(self, interaction: Interaction, count: int = 1,
                               timeout: float = 5.0) -> list[Reply]:
        """Wait until the bot has made ``count`` replies to ``interaction`` (callback,
        followups, edits...): for bots the driver cannot settle, such as one in another
        process (discord.js under Node)."""
        try:
            await self.twin.interactions.log.wait_for(
                lambda item: item[0] == interaction.id, count=count, timeout=timeout)
        except TimeoutError:
            raise BackendError(f"waited {timeout:g}s for {count} repl(ies) to "
                               f"{interaction.describe()}") from None
        return list(interaction.replies)

    def interactions(self) -> list[Interaction]:
        """Every interaction sent so far, oldest first (not a coroutine)."""
        return list(self.twin.interactions)

    # -- the work -----------------------------------------------------------------------

    async def _component(self, target: Any, custom_id: str, picks: list[Any] | None,
                         user: Any, timeout: float) -> Interaction:
        pick_ids = None if picks is None else [
            v if isinstance(v, str) else id_of(v, "value") for v in picks]

        def send() -> Interaction:
            model = self.model
            message = self._component_message(target)
            where = model.channel(message.channel_id)
            user_id = self._author(user, where) if user is None else id_of(user, "user")
            component = find_component(message.components, custom_id)
            if component is None:
                raise BackendError(
                    f"message {message.id} has no component {custom_id!r} (it has: "
                    f"{', '.join(custom_ids(message.components)) or 'none'})")
            self._check_component(component, pick_ids)
            interaction_id, token = model.ids.next(), new_token()
            try:
                payload = PayloadBuilder(model).component(
                    interaction_id, token, user_id, where, message, component, pick_ids)
            except ValueError as exc:
                raise BackendError(str(exc)) from None
            record = Interaction(interaction_id, token, payload["type"], custom_id, user_id,
                                 where.id, where.guild_id, self.twin.clock.time(), payload,
                                 source_message=message)
            return self._send(record, where)

        return await self._settled(send, timeout)

    def _component_message(self, target: Any) -> Message:
        if isinstance(target, Interaction):
            if target.message is None:
                raise BackendError(f"interaction {target.id} has no response message:\n"
                                   f"{target.describe()}")
            return target.message
        message_id = id_of(target, "message")
        for record in self.twin.interactions:  # ephemeral messages live in their records
            for candidate in [record.original, *record.followups.values()]:
                if candidate is not None and candidate.id == message_id:
                    return candidate
        return self._message(message_id)

    @staticmethod
    def _check_component(component: dict[str, Any], picks: list[Any] | None) -> None:
        kind, custom_id = component.get("type"), component.get("custom_id")
        if component.get("disabled"):
            raise BackendError(f"component {custom_id!r} is disabled")
        if picks is None:
            if kind != 2:
                raise BackendError(f"component {custom_id!r} is not a button (use select)")
            return
        if kind not in (3, 5, 6, 7, 8):
            raise BackendError(f"component {custom_id!r} is not a select menu")
        low, high = component.get("min_values", 1), component.get("max_values", 1)
        if not low <= len(picks) <= high:
            raise BackendError(f"select {custom_id!r} takes {low}-{high} value(s), "
                               f"not {len(picks)}")
        if kind == 3:
            allowed = [o.get("value") for o in component.get("options") or []]
            wrong = [p for p in picks if p not in allowed]
            if wrong:
                raise BackendError(f"select {custom_id!r} has no option {wrong[0]!r} "
                                   f"(its options: {allowed})")

    def _send(self, record: Interaction, where: Channel) -> Interaction:
        self.twin.interactions.add(record)
        users = None if where.guild_id is not None else frozenset(where.recipients)
        self.model.effects.dispatch("INTERACTION_CREATE", record.payload,
                                    guild_id=where.guild_id, user_ids=users)
        return record

    async def _settled(self, send: Any, timeout: float) -> Interaction:
        await self._require_bot()
        async with self.settle(timeout):
            record: Interaction = await self._run(send)
        return record

    async def _invoke(self, kind: int, path: list[str], given: dict[str, Any], user: Any,
                      channel: Any, target: int | None, focused: str | None,
                      timeout: float) -> Interaction:
        files: dict[str, tuple[str, bytes, str | None]] = {}
        for key, value in list(given.items()):
            if not isinstance(value, _SIMPLE) and maybe_id(value) is None:
                files[key] = file_of(value)

        def send() -> Interaction:
            where = self._channel(channel) if channel is not None \
                else self._default_text_channel()
            user_id = self._author(user, where)
            command = self._command_for(kind, path[0], where, user_id)
            values = {k: self._value(v, k, files, where) for k, v in given.items()}
            model = self.model
            interaction_id = model.ids.next()
            token = new_token()
            builder = PayloadBuilder(model)
            try:
                payload = builder.command(interaction_id, token, command, user_id, where,
                                          values, path=path[1:], focused=focused,
                                          target=target)
            except ValueError as exc:
                raise BackendError(str(exc)) from None
            record = Interaction(interaction_id, token, payload["type"], " ".join(path),
                                 user_id, where.id, where.guild_id, self.twin.clock.time(),
                                 payload)
            return self._send(record, where)

        return await self._settled(send, timeout)

    async def _require_bot(self) -> None:
        connected = await self._run(lambda: any(
            s.connection is not None for s in self.twin.hub.sessions.values()),
            changes=False)
        if not connected:
            raise BackendError("no bot is connected to the twin's gateway to get the "
                               "interaction")

    def _command_for(self, kind: int, name: str, channel: Channel,
                     user_id: int) -> dict[str, Any]:
        model = self.model
        scopes: list[int | None] = [channel.guild_id] if channel.guild_id else []
        scopes.append(None)
        for scope in scopes:
            for command in model.commands(scope):
                if command["type"] == kind and command["name"] == name:
                    self._may_use(command, channel, user_id)
                    return command
        registered = sorted({c["name"] for s in scopes for c in model.commands(s)
                             if c["type"] == kind})
        what = {1: "slash command", 2: "user command", 3: "message command"}[kind]
        raise BackendError(
            f"no {what} {name!r} is registered for #{channel.name} (registered: "
            f"{', '.join(registered) or 'none'}; the bot registers its commands with "
            "tree.sync() or PUT /applications/{id}/commands)", status=404)

    def _may_use(self, command: dict[str, Any], channel: Channel, user_id: int) -> None:
        if channel.guild_id is None:
            contexts = command.get("contexts")
            if command.get("guild_id") is not None or command.get("dm_permission") is False \
                    or (contexts is not None and 1 not in contexts):
                raise BackendError(f"/{command['name']} cannot be used in DMs", status=403)
            return
        contexts = command.get("contexts")
        if contexts is not None and 0 not in contexts:
            raise BackendError(f"/{command['name']} cannot be used in servers (contexts "
                               f"{contexts})", status=403)
        guild: Guild = self.model.guilds[channel.guild_id]
        where = channel.parent_id if channel.thread is not None and channel.parent_id \
            else channel.id
        refused = self.model.command_allowed(command, guild, where, user_id)
        if refused is not None:
            raise BackendError(f"/{command['name']} is not available to the user: {refused}",
                               status=403)

    async def set_command_permissions(self, command: Any, guild: Any,
                                      overrides: list[tuple[Any, bool]]) -> dict[str, Any]:
        """As a server admin would in Integrations: allow or deny ``command`` (its name,
        id, or None for every command of the app) per role, user or channel
        (``[(role_or_user_or_channel, True/False), ...]``; the guild itself is @everyone,
        ``"all channels"`` every channel)."""

        def apply() -> dict[str, Any]:
            where = self._guild(guild)
            target = self.model.application.id
            if command is not None:
                target = self._command_id(command, where.id)
            entries = []
            for who, allowed in overrides:
                if who == "all channels":
                    entries.append({"id": where.id - 1, "type": 3, "permission": allowed})
                    continue
                target_id = id_of(who, "override")
                # Users first: the twin's ids are consecutive, so "all channels" (the
                # guild's id - 1) may well be a user's id too.
                kind = (2 if target_id in self.model.users else
                        1 if target_id in where.roles or target_id == where.id else 3)
                entries.append({"id": target_id, "type": kind, "permission": allowed})
            return self.model.set_command_permissions(where, target, entries)

        return await self._run(apply)

    def _command_id(self, command: Any, guild_id: int) -> int:
        if isinstance(command, str) and not command.isdigit():
            for scope in (guild_id, None):
                for found in self.model.commands(scope):
                    if found["name"] == command:
                        return int(found["id"])
            raise BackendError(f"no command {command!r} is registered")
        return id_of(command, "command")

    def _modal_files(self, modal: dict[str, Any], answers: dict[str, Any],
                     channel: Channel) -> dict[str, Any]:
        """``answers`` with each file upload's (a file, or a list of them: paths, bytes,
        ``(filename, bytes)``, ``discord.File``) uploaded as the user's attachments."""
        uploads = {str(c.get("custom_id")) for c in walk_components(modal.get("components") or [])
                   if c.get("type") == 19}
        out = dict(answers)
        for key in uploads & set(answers):
            given = answers[key]
            files = list(given) if isinstance(given, list) else [given]
            out[key] = [self._attach(file_of(f), channel) for f in files]
        return out

    def _attach(self, file: tuple[str, bytes, str | None], channel: Channel) -> Attachment:
        """A file the user gave an interaction, served at an attachment link."""
        filename, data, content_type = file
        attachment_id = self.model.ids.next()
        url = self.twin.attachment_url(channel.id, attachment_id, filename)
        attachment = Attachment(attachment_id, filename, len(data), content_type, url, data)
        self.twin.interactions.files[attachment_id] = attachment
        return attachment

    def _value(self, value: Any, key: str, files: dict[str, tuple[str, bytes, str | None]],
               channel: Channel) -> Any:
        if key in files:
            return self._attach(files[key], channel)
        if isinstance(value, (*_SIMPLE, Attachment)):
            return value
        return id_of(value, key)


__all__ = ["InteractionActions"]

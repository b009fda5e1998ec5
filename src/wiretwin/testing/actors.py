"""Users of the twin's world, acting: :class:`Actor`.

``alice = env.user("alice")`` is a user (and member of the env's guild) who does what a
person does in the Discord client — sends messages and DMs, runs slash and context-menu
commands, types into autocomplete, clicks buttons, picks from selects, submits modals,
reacts, votes in polls, starts threads, joins, moves and leaves voice, joins and leaves
the guild — over the twin's real gateway and REST. Each action returns, as an
:class:`~wiretwin.testing.outcome.Outcome`, what the bot did in response, once the bot
has finished (its handlers and the tasks they started, not only its REST calls).

An action the Discord client would not let the user do (an unknown or unsynced command,
a disabled button, a channel they cannot see) fails with the reason, before the bot sees
anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..discord.coerce import BackendError
from ..discord.interactions import Interaction
from ..discord.model import Channel, Guild, Member, Message, Role, User
from .outcome import Outcome

#: pytest leaves these frames out of a failing test's traceback: it ends at the test's
#: own line (``await alice.send(...)``), then the bot's (``--full-trace`` shows them).
__tracebackhide__ = True

if TYPE_CHECKING:
    from .discord_env import DiscordEnv


class Actor:
    """A user in the env's world (see the module docstring)."""

    def __init__(self, env: DiscordEnv, user: User, guild: Guild | None) -> None:
        self.env = env
        self.user = user
        self.guild = guild

    # -- who ------------------------------------------------------------------------------

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def name(self) -> str:
        return self.user.username

    @property
    def mention(self) -> str:
        return f"<@{self.user.id}>"

    @property
    def member(self) -> Member | None:
        """The user's membership of the env's guild, as the twin holds it now."""
        if self.guild is None:
            return None
        return self.env.twin.model.guilds[self.guild.id].members.get(self.user.id)

    @property
    def roles(self) -> list[Role]:
        """The member's roles (not @everyone), as the twin holds them now."""
        member = self.member
        if member is None or self.guild is None:
            return []
        roles = self.env.twin.model.guilds[self.guild.id].roles
        return [roles[r] for r in member.roles if r in roles]

    @property
    def voice_channel(self) -> Channel | None:
        """The voice channel the user is in, in the env's guild."""
        if self.guild is None:
            return None
        guild = self.env.twin.model.guilds[self.guild.id]
        channel_id = guild.voice_states.get(self.user.id)
        return self.env.twin.model.channels.get(channel_id) if channel_id else None

    def __repr__(self) -> str:
        return f"<Actor {self.name} ({self.id})>"

    # -- messages -------------------------------------------------------------------------

    async def send(self, content: str = "", channel: Any = None, *,
                   embeds: Iterable[Any] = (), attachments: Iterable[Any] = (),
                   reply_to: Any = None, poll: Any = None) -> Outcome:
        """Post ``content`` in ``channel`` (default: the env's channel); ``poll``: a
        ``discord.Poll`` or a poll create request dict, to post a poll."""
        where = self.env.channel(channel)
        sent: list[Message] = []

        async def act() -> None:
            sent.append(await self.env.backend.send_message(
                where, content, self.user, embeds=embeds, attachments=attachments,
                reply_to=reply_to, poll=poll))

        outcome = await self.env.act(f"{self.name}'s message {content!r} in #{where.name}",
                                     act)
        outcome.sent = sent[0] if sent else None
        return outcome

    async def dm(self, content: str = "", *, attachments: Iterable[Any] = ()) -> Outcome:
        """Send the bot a direct message."""
        channel = await self.env.backend.open_dm(self.user)
        return await self.send(content, channel, attachments=attachments)

    async def edit(self, message: Any, content: str) -> Outcome:
        """Edit one of the user's messages."""
        return await self.env.act(f"{self.name} editing a message to {content!r}",
                                  lambda: self.env.backend.edit_message(message, content))

    async def delete(self, message: Any) -> Outcome:
        return await self.env.act(f"{self.name} deleting a message",
                                  lambda: self.env.backend.delete_message(message))

    async def react(self, message: Any, emoji: str) -> Outcome:
        return await self.env.act(f"{self.name} reacting {emoji}",
                                  lambda: self.env.backend.add_reaction(message, self.user,
                                                                        emoji))

    async def unreact(self, message: Any, emoji: str) -> Outcome:
        return await self.env.act(f"{self.name} removing reaction {emoji}",
                                  lambda: self.env.backend.remove_reaction(message,
                                                                           self.user, emoji))

    async def vote(self, message: Any, answer: Any, *more: Any) -> Outcome:
        """Vote on the poll of ``message`` (a message, or an Outcome: the bot's message):
        ``answer`` (and ``more``, on a poll that allows several) by id, text or
        ``discord.PollAnswer``. As in the client, a vote replaces the user's last one."""
        target = _target(message)
        chosen = [answer, *more]
        return await self.env.act(
            f"{self.name} voting {', '.join(map(_answer_text, chosen))} on a poll",
            lambda: self.env.backend.vote(target, self.user, chosen))

    async def unvote(self, message: Any, *answers: Any) -> Outcome:
        """Take back the user's votes on ``message``'s poll (only ``answers``, if given)."""
        target = _target(message)
        return await self.env.act(
            f"{self.name} taking back a poll vote",
            lambda: self.env.backend.unvote(target, self.user, list(answers) or None))

    async def end_poll(self, message: Any) -> Outcome:
        """End the user's own poll now (as its author may, in the client)."""
        target = _target(message)
        return await self.env.act(f"{self.name} ending a poll",
                                  lambda: self.env.backend.end_poll(target, self.user))

    async def typing(self, channel: Any = None) -> Outcome:
        where = self.env.channel(channel)
        return await self.env.act(f"{self.name} typing in #{where.name}",
                                  lambda: self.env.backend.start_typing(where, self.user))

    async def start_thread(self, name: str, channel: Any = None, *,
                           message: Any = None) -> Outcome:
        """Start a thread in ``channel`` (from ``message``, if given)."""
        where = self.env.channel(channel)
        return await self.env.act(
            f"{self.name} starting thread {name!r}",
            lambda: self.env.backend.start_thread(where, name, self.user, message=message))

    # -- application commands and components ------------------------------------------------

    async def slash(self, name: str, channel: Any = None, /, **options: Any) -> Outcome:
        """Run the slash command ``name`` (``"group sub"`` for a subcommand) with
        ``options``; fails as the client would for a command the bot never synced."""
        where = self.env.channel(channel)
        return await self._interaction(
            f"{self.name}'s /{name} in #{where.name}",
            lambda: self.env.backend.slash(name, options, user=self.user, channel=where))

    async def context_menu(self, name: str, target: Any, channel: Any = None) -> Outcome:
        """Pick the context-menu command ``name`` on a message or a user."""
        where = None if channel is None else self.env.channel(channel)
        return await self._interaction(
            f"{self.name}'s context menu {name!r}",
            lambda: self.env.backend.context_menu(name, target, user=self.user,
                                                  channel=where))

    async def autocomplete(self, name: str, option: str, value: str = "",
                           channel: Any = None, /, **options: Any) -> Outcome:
        """Type ``value`` into ``option`` of ``/name``; the bot's answer is
        :attr:`Outcome.choices`."""
        where = self.env.channel(channel)
        return await self._interaction(
            f"{self.name} typing {value!r} into /{name} {option}",
            lambda: self.env.backend.autocomplete(name, option, value, options,
                                                  user=self.user, channel=where))

    async def click(self, message: Any, custom_id: str | None = None, *,
                    label: str | None = None) -> Outcome:
        """Click a button on ``message`` (a message, an Outcome, or an interaction), by
        ``custom_id`` or by its ``label``."""
        target = _target(message)
        button = custom_id if custom_id is not None else self._by_label(target, label)
        return await self._interaction(
            f"{self.name} clicking {label or custom_id!r}",
            lambda: self.env.backend.click(target, button, user=self.user))

    async def select(self, message: Any, custom_id: str, values: Any) -> Outcome:
        """Pick ``values`` in the select menu ``custom_id``."""
        target = _target(message)
        return await self._interaction(
            f"{self.name} picking {values!r} in {custom_id!r}",
            lambda: self.env.backend.select(target, custom_id, values, user=self.user))

    async def submit_modal(self, opened: Outcome | Interaction,
                           values: dict[str, Any] | None = None, /, **more: Any) -> Outcome:
        """Fill in and submit the modal the bot opened (``opened``: the outcome that
        opened it)."""
        interaction = opened.interaction if isinstance(opened, Outcome) else opened
        if interaction is None:
            raise BackendError(f"{opened.action if isinstance(opened, Outcome) else opened} "
                               "sent no interaction: no modal to submit")
        answers = {**(values or {}), **more}
        return await self._interaction(
            f"{self.name} submitting a modal",
            lambda: self.env.backend.submit_modal(interaction, answers, user=self.user))

    # -- guild life -------------------------------------------------------------------------

    async def join_voice(self, channel: Any) -> Outcome:
        where = self.env.channel(channel)
        return await self.env.act(
            f"{self.name} joining voice #{where.name}",
            lambda: self.env.backend.change_voice_state(self.user, where,
                                                        self._guild_for(where)))

    move_voice = join_voice

    async def leave_voice(self) -> Outcome:
        return await self.env.act(
            f"{self.name} leaving voice",
            lambda: self.env.backend.change_voice_state(self.user, None, self._guild()))

    async def join_guild(self, guild: Any = None) -> Outcome:
        """Join the guild (GUILD_MEMBER_ADD)."""
        where = self._guild(guild)

        async def act() -> None:
            await self.env.backend.make_member(self.user, where)

        outcome = await self.env.act(f"{self.name} joining {where.name}", act)
        self.guild = where
        return outcome

    async def leave_guild(self, guild: Any = None) -> Outcome:
        """Leave the guild (GUILD_MEMBER_REMOVE)."""
        where = self._guild(guild)
        return await self.env.act(f"{self.name} leaving {where.name}",
                                  lambda: self.env.backend.remove_member(self.user, where))

    async def add_role(self, role: Any) -> Outcome:
        """Someone gives the member ``role`` (a Role, its id or name)."""
        return await self.env.act(
            f"{self.name} getting role {getattr(role, 'name', role)}",
            lambda: self.env.backend.add_role(self.user, role, self._guild()))

    async def remove_role(self, role: Any) -> Outcome:
        return await self.env.act(
            f"{self.name} losing role {getattr(role, 'name', role)}",
            lambda: self.env.backend.remove_role(self.user, role, self._guild()))

    # -- plumbing ---------------------------------------------------------------------------

    async def _interaction(self, action: str, send: Any) -> Outcome:
        got: list[Interaction] = []

        async def act() -> None:
            got.append(await send())

        return await self.env.act(action, act, interaction=got)

    def _guild(self, guild: Any = None) -> Guild:
        if guild is not None:
            return self.env.guild_named(guild)
        if self.guild is None:
            raise BackendError(f"{self.name} is in no guild of the env")
        return self.guild

    def _guild_for(self, channel: Channel) -> Guild:
        if channel.guild_id is None:
            raise BackendError(f"#{channel.name} is not a guild channel")
        return self.env.twin.model.guilds[channel.guild_id]

    def _by_label(self, message: Any, label: str | None) -> str:
        if label is None:
            raise BackendError("click() needs a custom_id or a label=")
        components = (message.components if isinstance(message, Message | Interaction)
                      else [])
        found: list[str] = []
        stack: list[Any] = list(components)
        while stack:
            item = stack.pop(0)
            if isinstance(item, dict):
                if item.get("type") == 2 and item.get("label") == label:
                    found.append(str(item.get("custom_id")))
                stack.extend(item.get("components", []))
                if isinstance(item.get("accessory"), dict):
                    stack.append(item["accessory"])
        if not found:
            raise BackendError(f"no button labelled {label!r} on that message")
        return found[0]


def _answer_text(answer: Any) -> str:
    """An answer as an action's description names it."""
    text = getattr(answer, "text", None)
    return repr(text if isinstance(text, str) else answer)


def _target(message: Any) -> Any:
    """A click's target: an Outcome stands for its message."""
    if isinstance(message, Outcome):
        if message.interaction is not None and message.interaction.message is not None:
            return message.interaction
        return message.message
    return message


__all__ = ["Actor"]

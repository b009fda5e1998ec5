"""Search Guild Messages with hikari's ``rest.search_messages``: content words, authors,
channels, ``has``, paging by offset and the order; channels the bot cannot read stay
out of the results; bad parameters get Discord's 50035."""

from __future__ import annotations

import hikari
import pytest

from wiretwin.discord.model import Overwrite
from wiretwin.discord.permissions import Permission
from wiretwin.discord.twin import DiscordTwin
from wiretwin.drivers.hikari import hikari_kwargs


async def test_hikari_searches_the_guilds_messages() -> None:
    async with DiscordTwin() as twin:
        model = twin.model
        alice, bob = model.add_user("alice"), model.add_user("bob")
        guild = model.create_guild("Test Server", alice.id)
        for member in (bob.id, model.bot.id):
            model.add_member(guild, member)
        general = model.create_channel(guild, "general")
        random = model.create_channel(guild, "random")
        secret = model.create_channel(guild, "secret", overwrites=[Overwrite(
            guild.id, 0, deny=int(Permission.VIEW_CHANNEL))])
        send = twin.backend.send_message
        first = await send(general, "Pizza tonight?", alice)
        await send(general, "no, sushi", bob)
        await send(random, "pizza is great", bob, attachments=[("menu.txt", b"menu")])
        await send(secret, "secret pizza plans", alice, check_permissions=False)

        kwargs = hikari_kwargs(twin)
        rest_app = hikari.RESTApp(url=kwargs["rest_url"])
        await rest_app.start()
        try:
            async with rest_app.acquire(kwargs["token"], hikari.TokenType.BOT) as rest:
                found = await rest.search_messages(guild.id, content="PIZZA")
                assert found.total_results == 2
                assert [m.content for m in found.messages] == ["pizza is great",
                                                               "Pizza tonight?"]
                by_bob = await rest.search_messages(
                    guild.id, authors=[bob.id],
                    sort_order=hikari.MessageSearchSortOrder.ASCENDING)
                assert [m.content for m in by_bob.messages] == ["no, sushi",
                                                                "pizza is great"]
                in_general = await rest.search_messages(guild.id, channels=[general.id],
                                                        limit=1, offset=1)
                assert in_general.total_results == 2
                assert [m.id for m in in_general.messages] == [first.id]
                files = await rest.search_messages(
                    guild.id, has=[hikari.MessageSearchHasType.FILE])
                assert [m.attachments[0].filename for m in files.messages] == ["menu.txt"]
                none = await rest.search_messages(guild.id, channels=[secret.id])
                assert none.total_results == 0 and list(none.messages) == []
                with pytest.raises(hikari.BadRequestError) as bad:
                    await rest.search_messages(guild.id, limit=26)
                assert bad.value.code == 50035 and "limit" in (bad.value.errors or {})
        finally:
            await rest_app.close()

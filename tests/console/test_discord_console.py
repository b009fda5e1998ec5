"""The Discord console in Chromium, with a real discord.py bot logged in to the twin:
acting as members from the page (a slash command run from the form built from its
options, a button clicked, a select menu picked, a modal filled in and submitted, a
message sent, a reaction), the bot's answers showing up as each user sees them
(ephemeral ones only for their user), and what the test does through the Python API
showing up live."""

from __future__ import annotations

import struct
import zlib

from wiretwin.discord.twin import DiscordTwin
from wiretwin.discord.world import DEFAULT_IDS, default_discord_world

from ..e2e.discord.bots import run_bot
from ..e2e.discord.showcase_bot import make_showcase_bot
from .browser import Browser, Page, assert_no_page_errors
from .conftest import TOKEN

ALICE, BOB = str(DEFAULT_IDS["alice"]), str(DEFAULT_IDS["bob"])
GENERAL = DEFAULT_IDS["general"]


def message(text: str) -> tuple[str, str]:
    return '[data-test="discord-message"]', text


async def act_as(page: Page, user_id: str, name: str) -> None:
    await page.click(f'[data-test="discord-act-as"][data-user-id="{user_id}"]')
    await page.wait('[data-test="discord-channel-header"]', text=f"as {name}")


async def run(page: Page, command: str, **options: str) -> None:
    """Pick ``command`` in the form, fill its options (selects by value), run it."""
    await page.select('[data-test="discord-command"]', command)
    for name, value in options.items():
        selector = f'[data-test="discord-option"][data-option="{name}"]'
        tag = await page.evaluate(f"() => document.querySelector('{selector}').tagName")
        if tag == "SELECT":
            await page.select(selector, value)
        else:
            await page.fill(selector, value)
    await page.click('[data-test="discord-run-command"]')


async def test_act_as_members_and_see_the_bot_answer(browser: Browser) -> None:
    async with DiscordTwin(world=default_discord_world(), admin_token=TOKEN) as twin, \
            run_bot(twin, make_showcase_bot()):
        page = await browser.open(twin.http_url(f"/_wiretwin/ui?token={TOKEN}"))
        await page.wait('[data-test="tab-discord"][data-ready="true"]')
        await page.wait('[data-test="discord-bot-status"]', text="bot connected")
        await page.wait('[data-test="discord-channel"].active', text="general")
        await page.wait(*message("Welcome to the wiretwin guild!"))
        assert await page.count('[data-test="discord-member"]') == 5
        await page.wait('[data-test="discord-member"][data-username="alice"] '
                        '[data-test="discord-member-role"]', text="Moderator")
        await act_as(page, ALICE, "Alice")

        # A slash command from the form built from its options; the bot's answer shows,
        # its mention resolved to the member's name.
        await run(page, "greet", name="Carol", times="2", friend=BOB)
        await page.wait(*message("hello Carol hello Carol and @Bob"))
        greet = [i for i in twin.interactions if i.name == "greet"][-1]
        assert greet.user_id == int(ALICE)
        assert {o["name"]: o["value"] for o in greet.payload["data"]["options"]} == {
            "name": "Carol", "times": 2, "friend": BOB}
        await page.wait('[data-test="discord-last-result-text"]',
                        text="CHANNEL_MESSAGE_WITH_SOURCE")

        # The panel: an embed, buttons and a select menu, rendered; bob clicks a button.
        await run(page, "panel")
        await page.wait('[data-test="discord-embed-title"]', text="Panel")
        await page.wait('[data-test="discord-embed-field"]', text="Buttons")
        assert await page.evaluate("""() => document.querySelector(
            '[data-test="discord-button"][data-custom-id="panel:closed"]').disabled""")
        await act_as(page, BOB, "Bob")
        await page.click('[data-test="discord-button"][data-custom-id="panel:wave"]')
        await page.wait(*message("bob waves back"))
        wave = [i for i in twin.interactions if i.name == "panel:wave"][-1]
        assert wave.user_id == int(BOB)

        # An ephemeral answer: bob sees it, marked; alice does not.
        await page.click('[data-test="discord-button"][data-custom-id="panel:secret"]')
        await page.wait('[data-test="discord-message"][data-ephemeral="true"]',
                        text="only bob sees this")
        await page.wait('[data-test="discord-ephemeral"]', text="Only you can see this")
        await act_as(page, ALICE, "Alice")
        await page.wait('[data-test="discord-message"][data-ephemeral="true"]',
                        state="detached")

        # A select menu: the bot updates the panel's message.
        await page.select('[data-test="discord-select"][data-custom-id="panel:colour"]',
                          "blue")
        await page.wait('[data-test="discord-content"]', text="colour: blue")

        # A modal the bot opens: filled in and submitted from the page.
        await run(page, "feedback")
        await page.wait('[data-test="discord-modal-title"]', text="Feedback")
        await page.fill('[data-test="discord-modal-field"][data-custom-id="subject"]',
                        "The console")
        await page.fill('[data-test="discord-modal-field"][data-custom-id="body"]', "works")
        await page.click('[data-test="discord-modal-submit"]')
        await page.wait(*message("thanks for 'The console' (5 chars)"))
        await page.wait('[data-test="discord-modal"]', state="detached")
        submitted = [i for i in twin.interactions if i.type == 5][-1]
        assert submitted.user_id == int(ALICE)

        # A components v2 message.
        await run(page, "card")
        await page.wait('[data-test="discord-container"] [data-test="discord-text-display"]',
                        text="Release notes")
        await page.wait('[data-test="discord-container"] [data-test="discord-separator"]',
                        state="attached")

        # A message from the composer: the bot reads it and answers.
        await page.fill('[data-test="discord-compose"]', "!ping")
        await page.click('[data-test="discord-send"]')
        await page.wait(*message("pong"))

        # A reaction as alice, on the bot's answer.
        pong = twin.model.messages[GENERAL][max(twin.model.messages[GENERAL])]
        assert pong.content == "pong"
        tools = f'[data-test="discord-message"][data-message-id="{pong.id}"]'
        await page.click(f'{tools} [data-test="discord-react"]')
        await page.fill(f'{tools} [data-test="discord-react-emoji"]', "🎉")
        await page.click(f'{tools} [data-test="discord-react-submit"]')
        await page.wait(f'{tools} [data-test="discord-reaction"]', text="1")
        assert [r.users for r in pong.reactions.values()] == [[int(ALICE)]]

        # What the test does through the Python API shows up live.
        await twin.backend.send_message(GENERAL, "said from the test", DEFAULT_IDS["carol"])
        await page.wait(*message("said from the test"))

        await page.screenshot("discord")
        await assert_no_page_errors(browser)


def tiny_png() -> bytes:
    """A 1x1 PNG (a real image, so the page's <img> loads without an error)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00\x58\x65\xf2")) + chunk(b"IEND", b""))


async def test_threads_voice_markdown_polls_and_context_menus(browser: Browser) -> None:
    async with DiscordTwin(world=default_discord_world(), admin_token=TOKEN) as twin, \
            run_bot(twin, make_showcase_bot()):
        backend = twin.backend
        alice, bob = DEFAULT_IDS["alice"], DEFAULT_IDS["bob"]
        await backend.start_thread(GENERAL, "Plans", alice)
        await backend.change_voice_state(bob, DEFAULT_IDS["lounge"])
        await backend.send_message(
            GENERAL, f"**bold** and `code`, <@&{DEFAULT_IDS['moderator_role']}> see "
                     f"<#{DEFAULT_IDS['mod_log']}> and [the docs](https://example.com)\n"
                     "```py\nprint(1)\n```", alice, attachments=[("dot.png", tiny_png())])
        await backend.send_message(GENERAL, "", alice, poll={
            "question": {"text": "Lunch?"}, "duration": 1,
            "answers": [{"poll_media": {"text": "Sushi"}}, {"poll_media": {"text": "Pizza"}}]})

        page = await browser.open(twin.http_url(f"/_wiretwin/ui?token={TOKEN}"))
        await page.wait('[data-test="tab-discord"][data-ready="true"]')
        # Channels with their threads, voice channels with who is in them.
        await page.wait('[data-test="discord-channel"]', text="Plans")
        await page.wait('[data-test="discord-voice-member"]', text="Bob")

        # Markdown: bold, code, a code block, mentions by name, a link; the attachment.
        rich = '[data-test="discord-message"][data-author="alice"]'
        await page.wait(f"{rich} strong", text="bold")
        await page.wait(f"{rich} code", text="code")
        await page.wait(f"{rich} pre", text="print(1)")
        await page.wait(f'{rich} [data-test="discord-mention"]', text="@Moderator")
        await page.wait(f'{rich} [data-test="discord-mention"]', text="#mod-log")
        await page.wait(f'{rich} a[href="https://example.com"]', text="the docs")
        await page.wait(f'{rich} [data-test="discord-attachment"][data-filename="dot.png"] img')
        assert await page.until("""() => {
            const img = document.querySelector('[data-test="discord-attachment"] img');
            return img && img.complete && img.naturalWidth === 1;
        }""")

        # A poll: alice votes from the page; the count moves.
        await page.wait('[data-test="discord-poll"]', text="Lunch?")
        await page.click('[data-test="discord-poll-answer"]', text="Pizza")
        await page.wait('[data-test="discord-poll-answer"].mine', text="1 vote")
        poll = next(m for m in twin.model.messages[GENERAL].values() if m.poll is not None)
        assert poll.poll is not None and poll.poll.votes == {2: [alice]}

        # A user command from the members list: the ephemeral answer is alice's alone.
        await page.select(f'[data-test="discord-user-command"][data-user-id="{bob}"]', "Who")
        await page.wait('[data-test="discord-message"][data-ephemeral="true"]',
                        text="that is bob")

        # Autocomplete: the bot's suggestions for what is typed, then the command.
        await page.select('[data-test="discord-command"]', "fruit")
        await page.fill('[data-test="discord-option"][data-option="name"]', "ap")
        await page.click('[data-test="discord-autocomplete"][data-option="name"]')
        await page.until("""() => document.querySelector('label.dc-option')
            .dataset.suggested === '2'""")
        await page.fill('[data-test="discord-option"][data-option="name"]', "apricot")
        await page.click('[data-test="discord-run-command"]')
        await page.wait(*message("you picked apricot"))
        await assert_no_page_errors(browser)


async def test_an_empty_twin_and_no_bot(browser: Browser) -> None:
    async with DiscordTwin() as twin:
        page = await browser.open(twin.http_url("/_wiretwin/ui"))
        await page.wait('[data-test="tab-discord"][data-ready="true"]')
        await page.wait('[data-test="discord-bot-status"]', text="no bot connected")
        await page.wait('[data-test="discord-channels"]', text="no guild")
        # A guild made while the page is open shows up once something happens on the
        # wire; here, the page is reloaded.
        model = twin.model
        alice = model.add_user("alice")
        guild = model.create_guild("Later", alice.id)
        model.create_channel(guild, "lobby")
        await page.goto(twin.http_url("/_wiretwin/ui"))
        await page.wait('[data-test="tab-discord"][data-ready="true"]')
        await page.wait('[data-test="discord-channel"].active', text="lobby")
        await page.wait('[data-test="discord-member"][data-username="alice"]')
        await page.fill('[data-test="discord-compose"]', "anyone here?")
        await page.click('[data-test="discord-send"]')
        await page.wait(*message("anyone here?"))
        assert [m.content for m in twin.model.messages[guild.channels[0]].values()] == [
            "anyone here?"]
        await assert_no_page_errors(browser)


async def test_direct_messages_with_the_bot(browser: Browser) -> None:
    async with DiscordTwin(world=default_discord_world(), admin_token=TOKEN) as twin, \
            run_bot(twin, make_showcase_bot()) as run:
        page = await browser.open(twin.http_url(f"/_wiretwin/ui?token={TOKEN}"))
        await page.wait('[data-test="tab-discord"][data-ready="true"]')
        await page.wait('[data-test="discord-bot-status"]', text="bot connected")
        await act_as(page, ALICE, "Alice")
        assert await page.count('[data-test="discord-dm"]') == 0

        # Alice opens a DM with the bot from the channel list and talks to it there.
        await page.click('[data-test="discord-open-dm"]')
        await page.wait('[data-test="discord-dm"].active', text="@ wiretwin-bot")
        await page.wait('[data-test="discord-channel-header"]', text="@ wiretwin-bot")
        await page.fill('[data-test="discord-compose"]', "!ping")
        await page.click('[data-test="discord-send"]')
        await page.wait(*message("pong"))
        assert await page.count('[data-test="discord-open-dm"]') == 0

        # The bot DMs bob on its own: acting as bob, his DM is listed, with the message.
        user = await run.bot.fetch_user(int(BOB))
        await user.send("a word in private")
        await act_as(page, BOB, "Bob")
        await page.click('[data-test="discord-dm"]', text="@ wiretwin-bot")
        await page.wait(*message("a word in private"))
        await assert_no_page_errors(browser)

"""The panels every twin's console has, in Chromium against a Pusher twin with a real
pusher-js page connected: the journal shows frames live, both ways, decoded, filters them
and pauses; the faults panel applies a named fault whose firing the journal marks, and
clears it; the snapshots panel saves, restores, downloads and uploads the twin's state."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pusher

from wiretwin.pusher import PusherTwin

from .browser import Browser, Page, assert_no_page_errors
from .conftest import TOKEN

ROW = '[data-test="journal-row"]'


async def rows_with(page: Page, text: str) -> int:
    return int(await page.evaluate(
        """(text) => [...document.querySelectorAll('[data-test="journal-row"]')]
            .filter((row) => row.textContent.includes(text)).length""", text))


async def test_journal_faults_and_snapshots(
        browser: Browser, pages: tuple[str, list[dict[str, object]]], tmp_path: Path) -> None:
    base, _ = pages
    async with PusherTwin(admin_token=TOKEN) as twin:
        client = await browser.open(
            f"{base}/?key={twin.app.key}&port={twin.port}&channel=news"
            f"&presence=presence-room&user=alice&token={TOKEN}")
        await client.until("() => window.subscribed.size === 2")
        page = await browser.open(twin.http_url(f"/_wiretwin/ui?token={TOKEN}"))
        await page.wait('[data-test="tab-pusher"][data-ready="true"]')

        # -- journal: history, then live frames both ways ------------------------------
        await page.tab("journal")
        await page.wait(f'{ROW}[data-kind="frame"][data-direction="in"]',
                        text="pusher:subscribe")
        await page.wait(f'{ROW}[data-kind="connection"]')
        twin.trigger("news", "live-one", {"n": 1})
        await page.wait(f'{ROW}[data-kind="frame"][data-direction="out"]', text="live-one")
        # Decoded: the event's data string is shown parsed in the detail pane.
        await page.click(ROW, text="live-one")
        detail = json.loads(await page.text('[data-test="journal-detail"]'))
        assert detail["decoded"] == {"event": "live-one", "channel": "news", "data": {"n": 1}}

        # Filters: by kind, direction and text.
        await page.select('[data-test="journal-kind"]', "http")
        assert await page.count(f'{ROW}[data-kind="frame"]') == 0
        await page.select('[data-test="journal-kind"]', "frame")
        await page.fill('[data-test="journal-text"]', "live-one")
        await page.until("""() => [...document.querySelectorAll('[data-test="journal-row"]')]
            .every((row) => row.textContent.includes('live-one'))""")
        assert await rows_with(page, "live-one") == 1
        await page.select('[data-test="journal-direction"]', "in")
        await page.until("() => !document.querySelector('[data-test=\"journal-row\"]')")
        await page.select('[data-test="journal-direction"]', "")
        await page.fill('[data-test="journal-text"]', "")
        await page.select('[data-test="journal-kind"]', "")

        # Pause holds new entries back; resume shows them.
        await page.click('[data-test="journal-pause"]')
        twin.trigger("news", "while-paused", {"n": 2})
        await page.until("""() => /paused \\([1-9]\\d* new\\)/.test(
            document.querySelector('[data-test="journal-count"]').textContent)""")
        await client.until("() => window.received.some((e) => e.event === 'while-paused')")
        assert await rows_with(page, "while-paused") == 0
        await page.click('[data-test="journal-pause"]')
        await page.wait(ROW, text="while-paused")

        # The HTTP API's exchanges, through the real server SDK.
        sdk = pusher.Pusher(**twin.settings()["pusher"])
        await asyncio.to_thread(sdk.trigger, "news", "over-http", {"n": 5})
        await page.wait(f'{ROW}[data-kind="http"]', text="POST /apps/1/events")
        await page.wait(f'{ROW}[data-kind="frame"]', text="over-http")
        await page.screenshot("journal")

        # This twin runs on the real clock: the clock panel shows it and cannot move it.
        await page.tab("clock")
        await page.wait('[data-test="clock-kind"]', text="real")
        await page.wait('[data-test="clock-real"]')
        assert await page.count('[data-test="clock-form"]:visible') == 0

        # -- faults: apply a drop scoped to one event, see it fire, clear it -------------
        await page.tab("faults")
        await page.select('[data-test="fault-type"]', "drop")
        await page.fill('[data-test="fault-field-name"]', "lose-held-back")
        await page.fill('[data-test="fault-scope-event"]', "held-back")
        await page.fill('[data-test="fault-field-times"]', "1")
        await page.click('[data-test="fault-apply"]')
        await page.wait('[data-test="faults-table"] td', text="lose-held-back")
        (fault,) = twin.faults.all()
        assert (fault.type, fault.name, fault.scope.event, fault.times) == (
            "drop", "lose-held-back", "held-back", 1)
        twin.trigger("news", "held-back", {"n": 3})
        twin.trigger("news", "after-drop", {"n": 4})
        await client.until("() => window.received.some((e) => e.event === 'after-drop')")
        assert not await client.evaluate(
            "() => window.received.some((e) => e.event === 'held-back')")
        await page.until("""() => [...document.querySelectorAll('[data-test="faults-table"] tr')]
            .some((row) => row.textContent.includes('lose-held-back')
                  && row.children[5].textContent === '1')""")
        await page.screenshot("faults")
        await page.tab("journal")
        await page.wait(f'{ROW}[data-kind="fault"]', text="lose-held-back")
        await page.tab("faults")
        await page.click('[data-test="faults-clear"]')
        await page.wait('[data-test="faults-table"] td.empty')
        assert twin.faults.all() == []

        # -- snapshots: save, change, restore; download; upload --------------------------
        await page.tab("snapshots")
        await page.fill('[data-test="snapshot-label"]', "before-bob")
        await page.click('[data-test="snapshot-save"]')
        await page.wait('[data-test="snapshots-table"] td', text="before-bob")
        twin.add_member("presence-room", "bob", {"name": "bob"})
        assert "bob" in twin.members("presence-room")
        await page.click('[data-test="snapshot-restore"]')
        await page.wait('[data-test="status"]', text="restored before-bob")
        assert "bob" not in twin.members("presence-room")

        download = await page.call("download", selector='[data-test="snapshot-download"]',
                                   timeout=20_000)
        assert download["name"] == "pusher-before-bob.json"
        saved = json.loads(download["text"])
        assert saved == twin.snapshot()
        await page.screenshot("snapshots")

        twin.add_member("presence-room", "bob", {"name": "bob"})
        path = tmp_path / "snapshot.json"
        path.write_text(download["text"])
        await page.call("setFiles", selector='[data-test="snapshot-file"]', path=str(path))
        await page.click('[data-test="snapshot-upload"]')
        await page.wait('[data-test="status"]', text="snapshot restored from file")
        assert "bob" not in twin.members("presence-room")

        # Reset: the twin as built, its journal (and the journal panel) emptied.
        await page.click('[data-test="twin-reset"]')
        await page.wait('[data-test="status"]', text="twin reset")
        await page.tab("journal")
        await page.until("""() => ![...document.querySelectorAll('[data-test="journal-row"]')]
            .some((row) => row.textContent.includes('live-one'))""")
        await assert_no_page_errors(browser)

"""The Pusher console in Chromium: what a real pusher-js page does shows up live (its
connection, its subscriptions, a presence roster, its frames), and an event triggered
from the console's form reaches that page."""

from __future__ import annotations

from wiretwin.pusher import App, PusherTwin

from .browser import Browser, assert_no_page_errors
from .conftest import TOKEN


async def test_trigger_from_the_console_reaches_pusher_js(
        browser: Browser, pages: tuple[str, list[dict[str, object]]]) -> None:
    base, hooks = pages
    app = App(id="4242", key="console-key", secret="console-secret", name="console demo",
              webhooks=[f"{base}/webhook"])
    async with PusherTwin([app], admin_token=TOKEN) as twin:
        client = await browser.open(
            f"{base}/?key={app.key}&port={twin.port}&channel=news&presence=presence-room"
            f"&user=alice&token={TOKEN}")
        await client.until("() => window.subscribed.size === 2")
        socket_id = await client.evaluate("() => window.pusher.connection.socket_id")

        console = await browser.open(twin.http_url(f"/_wiretwin/ui?token={TOKEN}"))
        # The token went into a cookie; the address bar no longer shows it.
        assert "token" not in await console.call("url")
        await console.wait('[data-test="tab-pusher"][data-ready="true"]')

        # The connection, its subscriptions, the presence roster, the app, the webhooks.
        await console.wait('[data-test="connections-table"] td', text=socket_id)
        await console.wait('[data-test="presence-roster"][data-channel="presence-room"]',
                           text="alice")
        await console.wait('[data-test="channels-table"] tr', text="news")
        await console.wait('[data-test="apps-table"] td', text="console-key")
        await console.wait('[data-test="webhooks-table"] td', text="HTTP 200")
        assert hooks, "the webhook receiver got nothing"

        # Trigger from the form, as a user would.
        await console.select('[data-test="trigger-app"]', app.id)
        await console.fill('[data-test="trigger-channel"]', "news")
        await console.fill('[data-test="trigger-name"]', "breaking")
        await console.fill('[data-test="trigger-data"]', '{"headline": "twins everywhere"}')
        await console.click('[data-test="trigger-submit"]')
        await client.until("() => window.received.length > 0")
        got = await client.evaluate("() => window.received[0]")
        assert got == {"channel": "news", "event": "breaking",
                       "data": {"headline": "twins everywhere"}}
        # The console's live event stream shows the frame the twin sent.
        await console.wait('[data-test="event-row"][data-event="breaking"]')
        assert [e.name for e in twin.recorder.events("news", "breaking")] == ["breaking"]

        # socket_id leaves that connection out: it receives nothing this time.
        await console.fill('[data-test="trigger-name"]', "echo")
        await console.fill('[data-test="trigger-socket-id"]', socket_id)
        await console.click('[data-test="trigger-submit"]')
        await console.wait('[data-test="status"]', text="triggered echo")
        assert [e.socket_id for e in twin.recorder.events("news", "echo")] == [socket_id]
        await console.screenshot("pusher")

        # Disconnect the connection from the console: pusher-js reconnects.
        before = len(await client.evaluate("() => window.states"))
        await console.click('[data-test="connection-disconnect"]')
        await client.until(
            "(n) => window.states.length > n && window.states.at(-1) === 'connected'", before)
        new_id = await client.evaluate("() => window.pusher.connection.socket_id")
        assert new_id != socket_id
        await console.wait('[data-test="connections-table"] td', text=new_id)
        # The echo, sent before the close on the same socket, never reached the page.
        assert await client.evaluate("() => window.received.length") == 1
        await assert_no_page_errors(browser)

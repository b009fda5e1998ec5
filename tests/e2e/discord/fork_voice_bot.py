"""Run by a discord.py fork's own interpreter (``python fork_voice_bot.py <module>
[silence]``; ``silence``: the fork ends its audio with five silence frames, to wait for): a
Discord twin, the fork's unmodified ``Client`` pointed at it with ``use_discord_py``,
``await channel.connect()`` through the twin's voice server (voice gateway over TLS, IP
discovery over UDP, audio sealed with the twin's key) and one second of prepared Opus
played. It prints one JSON line of what the twin heard."""

from __future__ import annotations

import asyncio
import importlib
import json
import sys
from typing import Any

from wiretwin.discord.model import ChannelType
from wiretwin.discord.twin import DiscordTwin
from wiretwin.drivers.discord_py import use_discord_py

TIMEOUT = 15.0
FRAMES = 50  # one second of 20 ms frames


def prepared_opus(lib: Any) -> Any:
    """Opus packets made without libopus: a TOC byte ("one 20 ms CELT frame, stereo") and
    a body; the twin reads lengths from the TOC byte and never decodes."""

    class PreparedOpus(lib.AudioSource):  # type: ignore[misc]
        def __init__(self) -> None:
            self.frames = iter([bytes([0xFC]) + bytes([n % 251]) * 40
                                for n in range(FRAMES)])

        def read(self) -> bytes:
            return next(self.frames, b"")

        def is_opus(self) -> bool:
            return True

    return PreparedOpus()


async def main(module: str, trails_silence: bool) -> dict[str, Any]:
    lib: Any = importlib.import_module(module)
    async with DiscordTwin() as twin:
        m = twin.model
        guild = m.create_guild("Karaoke", m.application.owner.id)
        m.add_member(guild, m.bot.id)
        stage = m.create_channel(guild, "Stage", ChannelType.GUILD_VOICE)
        client = lib.Client(intents=lib.Intents.default())
        ready = asyncio.Event()

        async def on_ready() -> None:
            ready.set()

        client.event(on_ready)
        with use_discord_py(twin, client, module=module):
            runner = asyncio.create_task(client.start(twin.application.token))
            try:
                await asyncio.wait_for(ready.wait(), TIMEOUT)
                loop = asyncio.get_running_loop()
                channel = client.get_channel(stage.id)
                vc = await channel.connect(timeout=TIMEOUT)
                (live,) = twin.voice.sessions
                done: asyncio.Future[None] = loop.create_future()

                def settle(error: Exception | None) -> None:
                    if not done.done():
                        if error is None:
                            done.set_result(None)
                        else:
                            done.set_exception(error)

                vc.play(prepared_opus(lib),
                        after=lambda e: loop.call_soon_threadsafe(settle, e))
                await asyncio.wait_for(done, TIMEOUT)
                if trails_silence:  # the five silence frames after the audio, over UDP
                    await twin.voice.wait_for_silence(stage, timeout=TIMEOUT)
                else:
                    await twin.voice.wait_for_audio(FRAMES * 0.02, stage, timeout=TIMEOUT)
                mode = getattr(vc, "mode", None)
                await vc.disconnect()
                ended = await twin.voice.wait_for_end(guild, timeout=TIMEOUT)
                # the bot's voice state gone: disnake closes the voice gateway first and
                # sends its op 4 leave after, discord.py the other way round
                await twin.journal.wait_for(
                    lambda e: e.kind == "frame" and e.direction == "out"
                    and e.event == "VOICE_STATE_UPDATE"
                    and json.loads(e.data or "{}")["d"]["channel_id"] is None,
                    timeout=TIMEOUT)
                played = twin.voice.played(stage)  # kept after the connection ended
                return {
                    "version": lib.__version__,
                    "ssrc": live.ssrc == vc.ssrc,
                    "mode": mode,
                    "frames": played.frames,
                    "silence_frames": played.silence_frames,
                    "seconds": played.seconds,
                    "undecryptable": played.undecryptable,
                    # speaking changes, a repeated one counted once (disnake says "not
                    # speaking" again on the way out, or not, as its threads go)
                    "speaking": [int(c.speaking) for n, c in enumerate(played.speaking)
                                 if n == 0 or c.speaking != played.speaking[n - 1].speaking],
                    "first": played.opus[0].hex(),
                    "close_code": ended.close_code,
                    "left": twin.voice.sessions == [] and m.bot.id not in guild.voice_states,
                }
            finally:
                await client.close()
                await asyncio.gather(runner, return_exceptions=True)


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(sys.argv[1], sys.argv[2:] == ["silence"]))))

"""``playerUpdate`` frames of players due at one instant, sent as one batch: the same
texts, in the same order, as one ``send`` per player makes."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

import pytest

from wiretwin.lavalink import wire
from wiretwin.lavalink.catalogue import default_catalogue
from wiretwin.lavalink.config import LavalinkConfig
from wiretwin.lavalink.model import LavalinkModel
from wiretwin.lavalink.playback import Player, PlayerCallbacks, UpdateTicker
from wiretwin.runtime.clock import VirtualClock
from wiretwin.runtime.jsonio import compact

EPOCH = 1_700_000_000.0
VOICE = {"token": "tok", "endpoint": "us-east.discord.media", "sessionId": "vs",
         "channelId": "123"}


@dataclass
class OneByOne:
    """Effects that take messages one at a time (what a batch falls back to)."""

    sent: list[tuple[str, str, str]] = field(default_factory=list)

    def send(self, session_id: str, message: dict[str, Any], label: str) -> None:
        self.sent.append((session_id, compact(message), str(label)))


@dataclass
class Batches(OneByOne):
    batches: list[int] = field(default_factory=list)

    def send_texts(self, session_id: str, texts: list[str], label: str) -> None:
        self.batches.append(len(texts))
        self.sent.extend((session_id, text, str(label)) for text in texts)


async def _run(effects: OneByOne) -> list[tuple[str, str, str]]:
    clock = VirtualClock(EPOCH)
    model = LavalinkModel(effects, clock, default_catalogue(0), LavalinkConfig(),
                          random.Random(5))
    sessions = [model.open_session("1234", "test/1.0") for _ in range(2)]
    for session in sessions:
        model.announce(session)
    # Interleaved starts: each instant's group holds both sessions' players, mixed.
    for guild in range(6):
        session = sessions[guild % 3 % 2]
        model.update_player(session.id, str(100 + guild), {
            "track": {"identifier": "dQw4w9WgXcQ"}, "voice": VOICE}, no_replace=False)
    model.update_player(sessions[0].id, "100", {"paused": True}, no_replace=False)
    model.update_player(sessions[1].id, "101", {"position": 9000}, no_replace=False)
    await clock.advance(12.5)
    model.update_player(sessions[1].id, "104", {"track": {"encoded": None}},
                        no_replace=False)  # stopped: no more updates
    model.destroy_player(sessions[0].id, "102")
    await clock.advance(30)
    return effects.sent


async def test_a_batch_sends_what_one_send_per_player_sends() -> None:
    batches = Batches()
    batched, single = await _run(batches), await _run(OneByOne())
    assert batched == single
    updates = [text for _, text, label in batched if label == "playerUpdate"]
    assert len(updates) > 30
    assert max(batches.batches) > 1  # consecutive players of one session went together


async def test_a_paused_session_gets_no_batch() -> None:
    effects = Batches()
    clock = VirtualClock(EPOCH)
    model = LavalinkModel(effects, clock, default_catalogue(0), LavalinkConfig(),
                          random.Random(5))
    session = model.open_session("1234", "test/1.0")
    model.announce(session)
    model.update_session(session.id, {"resuming": True, "timeout": 600})
    for guild in ("1", "2"):
        model.update_player(session.id, guild, {
            "track": {"identifier": "dQw4w9WgXcQ"}, "voice": VOICE}, no_replace=False)
    model.detach(session)
    effects.sent.clear()
    await clock.advance(11)
    assert effects.sent == [] and effects.batches == []
    model.resume(session)
    labels = [label for _, _, label in effects.sent]
    assert labels == ["ready", "playerUpdate", "playerUpdate", "stats"]


async def test_a_ticker_without_report_ticks_players_one_by_one() -> None:
    clock = VirtualClock(EPOCH)
    ticker = UpdateTicker(clock)
    ticked: list[str] = []

    def player(name: str) -> Player:
        callbacks = PlayerCallbacks(lambda p: None, lambda p: None,
                                    lambda p: ticked.append(p.guild_id))
        made = Player(name, clock, callbacks, 5.0, 60.0, ticker=ticker)
        made.tick()  # schedules the next
        return made

    first, second = player("a"), player("b")
    ticked.clear()
    await clock.advance(10)
    assert ticked == ["a", "b", "a", "b"]
    assert first.ticker is second.ticker is ticker


@pytest.mark.parametrize("guild", ["817327181659111454", "0", "-7", "guild \"é\" \\ \n",
                                   "日本", "\x7f"])
@pytest.mark.parametrize(("connected", "ping"), [(True, 35), (False, -1), (True, 0)])
async def test_player_update_text_is_compact_of_player_update(guild: str, connected: bool,
                                                              ping: int) -> None:
    clock = VirtualClock(EPOCH + 0.123)
    callbacks = PlayerCallbacks(lambda p: None, lambda p: None, lambda p: None)
    player = Player(guild, clock, callbacks, 5.0, 60.0)
    assert wire.player_update_text(player, 17) == compact(wire.player_update(player, 17))
    catalogue = default_catalogue(0)
    player.start(catalogue.load("dQw4w9WgXcQ").data, 1234)
    player.set_voice(connected, ping)
    await clock.advance(3.3)
    now_ms = int(clock.time() * 1000)
    assert wire.player_update_text(player, now_ms) == compact(
        wire.player_update(player, now_ms))
    player.ping = 2**70  # past 64 bits: the standard library's spelling, as compact()
    assert wire.player_update_text(player, now_ms) == compact(
        wire.player_update(player, now_ms))
    player.dispose()


async def _update_log(with_ticker: bool, seed: int) -> list[tuple[float, str]]:
    """When each player's updates fell due, and in what order: players starting and
    going at random, with two intervals, on separate timers or on a reporting ticker."""
    clock = VirtualClock(EPOCH)
    log: list[tuple[float, str]] = []

    def report(players: list[Player]) -> None:
        log.extend((clock.monotonic(), player.guild_id) for player in players)

    ticker = UpdateTicker(clock, report) if with_ticker else None
    callbacks = PlayerCallbacks(lambda p: None, lambda p: None,
                                lambda p: log.append((clock.monotonic(), p.guild_id)))
    rng = random.Random(seed)
    players: list[Player] = []
    for step in range(60):
        if rng.random() < 0.6 or not players:
            player = Player(str(step), clock, callbacks, rng.choice([2.5, 5.0]), 1e9,
                            ticker=ticker)
            player.reschedule_update()
            players.append(player)
        else:
            players.pop(rng.randrange(len(players))).dispose()
        await clock.advance(rng.choice([0.0, 0.5, 2.5, 5.0]))
    await clock.advance(20)
    for player in players:
        player.dispose()
    return log


@pytest.mark.parametrize("seed", range(8))
async def test_a_reporting_ticker_keeps_separate_timers_order(seed: int) -> None:
    """Groups that move on whole, groups that merge into one already due, groups of
    mixed intervals: the order is the one separate timers give."""
    separate, ticked = await _update_log(False, seed), await _update_log(True, seed)
    assert len(separate) > 50
    assert ticked == separate

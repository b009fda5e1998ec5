"""The admin API's journal queries on a journal filled by hand: which entries each filter
of ``/journal`` and ``/journal/wait`` lets through, and what a bad query or a wait that
times out says."""

from __future__ import annotations

import asyncio

import pytest

from wiretwin.runtime.clock import VirtualClock
from wiretwin.runtime.journal import Journal
from wiretwin.runtime.journal_query import (
    QueryError,
    journal_filter,
    select_entries,
    wait_for_entries,
)
from wiretwin.runtime.waiters import WaitTimeout


def _journal() -> Journal:
    journal = Journal("pusher", VirtualClock())
    journal.record_connection("c1", "open", path="/app/app-key")
    journal.record_frame("513.1", "out", '{"event":"shipped","channel":"orders"}',
                         event="shipped")
    journal.record_frame("513.1", "in", '{"event":"pusher:pong"}', event="pusher:pong")
    journal.record_http(method="POST", path="/apps/1/events", status=200,
                        request_body='{"name": "news", "data": "{\\"n\\": 1}"}',
                        response_body="{}")
    journal.record_http(method="GET", path="/apps/1/channels", status=401,
                        request_body="", response_body='{"error": "bad signature"}')
    return journal


@pytest.mark.parametrize(("query", "seqs"), [
    ({}, [1, 2, 3, 4, 5]),
    ({"kind": "frame"}, [2, 3]),
    ({"kind": "frame", "direction": "out"}, [2]),
    ({"connection": "513.1", "event": "pusher:pong"}, [3]),
    ({"method": "post"}, [4]),                        # any case, as HTTP says it
    ({"path": "/apps/1/events"}, [4]),
    ({"path_prefix": "/apps/"}, [4, 5]),
    ({"path": "/app/app-key"}, [1]),                  # a websocket's path too
    ({"status": "401"}, [5]),
    ({"contains": '"channel":"orders"'}, [2]),         # a frame's text
    ({"contains": '\\"n\\": 1'}, [4]),                 # a request's body
    ({"contains": "bad signature"}, [5]),              # a response's body
    ({"kind": "http", "contains": "shipped"}, []),
])
def test_each_filter_lets_through_what_it_names(query: dict[str, str], seqs: list[int]) -> None:
    matches = journal_filter(query)
    assert [e.seq for e in _journal() if matches(e)] == seqs


def test_the_journal_route_selects_after_since_and_keeps_the_newest_limit() -> None:
    journal = _journal()
    assert [e.seq for e in select_entries(journal, {"since": "2"})] == [3, 4, 5]
    assert [e.seq for e in select_entries(journal, {"kind": "http", "limit": "1"})] == [5]
    assert select_entries(journal, {"limit": "0"}) == []
    with pytest.raises(QueryError, match="since and limit are integers"):
        select_entries(journal, {"since": "yesterday"})


async def test_a_wait_answers_with_what_comes_after_since() -> None:
    journal = _journal()
    waiting = asyncio.ensure_future(wait_for_entries(
        journal, {"kind": "frame", "event": "shipped", "since": "2", "timeout": "5"}))
    await asyncio.sleep(0)
    assert not waiting.done()                   # entry 2 is not after since=2
    journal.record_frame("513.1", "out", '{"event":"shipped"}', event="shipped")
    (entry,) = await waiting
    assert entry.seq == 6
    both = await wait_for_entries(journal, {"event": "shipped", "count": "2"})
    assert [e.seq for e in both] == [2, 6]


async def test_a_wait_that_times_out_says_what_it_saw() -> None:
    with pytest.raises(WaitTimeout) as caught:
        await wait_for_entries(_journal(), {"kind": "frame", "count": "3", "timeout": "0"})
    assert str(caught.value) == ("waited 0s for 3 journal entries after seq 0 matching "
                                 "kind='frame'; 2 matched")


@pytest.mark.parametrize(("query", "said"), [
    ({"count": "0"}, "count must be at least 1"),
    ({"count": "two"}, "count must be a number, not 'two'"),
    ({"since": "-3"}, "since must be at least 0"),
    ({"timeout": "121"}, "timeout is at most 120 seconds"),
    ({"status": "teapot"}, "status must be a number, not 'teapot'"),
])
async def test_a_bad_wait_query_says_what_is_wrong(query: dict[str, str], said: str) -> None:
    with pytest.raises(QueryError) as caught:
        await wait_for_entries(_journal(), query)
    assert str(caught.value) == said

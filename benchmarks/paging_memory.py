"""Paging 100,000 rows in pages of 1,000 with `iterate`: peak traced memory in pages, and throughput vs raw httpx."""

from __future__ import annotations

import gc
import json
import tracemalloc
from collections.abc import Callable
from typing import Any

import call_history
import mock_pbx
from measure import Figure, ms, paired
from threecx_xapi.api.call_history_view import list_call_history_view
from threecx_xapi.paging import iterate

TOTAL = 100_000
PAGE = 1_000


def _handler() -> mock_pbx.Handler:
    return mock_pbx.paged(call_history.page_body(PAGE), b'{"value":[]}', TOTAL)


def _through_iterate(client: Any) -> int:
    return sum(1 for _ in iterate(list_call_history_view, client=client, page_size=PAGE))


def _raw_loop(raw: Any) -> int:
    """What a hand-written httpx loop does: $top/$skip until a short page."""
    seen, skip = 0, 0
    while True:
        rows = json.loads(raw.get("CallHistoryView", params={"$top": PAGE, "$skip": skip}).content)["value"]
        seen += len(rows)
        if len(rows) < PAGE:
            return seen
        skip += len(rows)


def _traced_peak(action: Callable[[], object]) -> tuple[int, object]:
    gc.collect()
    tracemalloc.start()
    try:
        result = action()
        return tracemalloc.get_traced_memory()[1], result
    finally:
        tracemalloc.stop()


def _retained(action: Callable[[], object]) -> int:
    """Bytes still traced after `action` returns while its result is held: the size of one parsed page."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = action()
        size = tracemalloc.get_traced_memory()[0] - before
        del kept
        return size
    finally:
        tracemalloc.stop()


def figures(rounds: int = 5) -> list[Figure]:
    handler = _handler()
    client, raw = mock_pbx.xapi_client(handler), mock_pbx.raw_client(handler)
    # One call first, unmeasured: one-time costs (msgspec import, parse plan, token fetch) are not a page's,
    # and must not land in whichever group happens to run first.
    list_call_history_view.sync(client=client, top=PAGE, skip=0)
    page = _retained(lambda: list_call_history_view.sync(client=client, top=PAGE, skip=0))
    peak, seen = _traced_peak(lambda: _through_iterate(client))
    if seen != TOTAL:
        raise AssertionError(f"iterate yielded {seen} rows, not {TOTAL}")
    timing = paired(lambda: _through_iterate(client), lambda: _raw_loop(raw), rounds)
    client.close()
    raw.close()
    memory = f"peak {peak / 2**20:.1f} MiB; one parsed page of {PAGE:,} rows holds {page / 2**20:.1f} MiB"
    speed = f"{ms(timing.ours)} vs {ms(timing.baseline)} for a raw httpx + json.loads loop; median of {rounds} rounds"
    return [
        Figure.at_most(f"paging {TOTAL:,} rows: peak memory in pages", peak / page, 2.0, memory),
        Figure.at_least(f"paging {TOTAL:,} rows: throughput vs raw httpx", 1 / timing.ratio, 0.8, speed),
    ]

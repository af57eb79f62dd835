"""Typed parsing of a 10,000-row CallHistoryView page against httpx + json.loads of the same body."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import call_history
import mock_pbx
from measure import Figure, ms, paired
from threecx_xapi.api.call_history_view import list_call_history_view

ROWS = 10_000


def _check_typed(page: Any) -> None:
    """The figure counts only if date-times and durations really arrive typed."""
    first = page.value[0]
    if not isinstance(first.segment_start_time, dt.datetime) or first.segment_start_time.tzinfo is None:
        raise AssertionError(f"SegmentStartTime parsed as {first.segment_start_time!r}, not an aware datetime")
    if not isinstance(first.call_time, dt.timedelta):
        raise AssertionError(f"CallTime (format: duration) parsed as {first.call_time!r}, not a timedelta")


def figures(rounds: int = 41) -> list[Figure]:
    body = call_history.page_body(ROWS)
    handler = mock_pbx.serving(lambda request: body)
    client, raw = mock_pbx.xapi_client(handler), mock_pbx.raw_client(handler)
    _check_typed(list_call_history_view.sync(client=client))
    timing = paired(
        lambda: list_call_history_view.sync(client=client),
        lambda: json.loads(raw.get("CallHistoryView").content),
        rounds,
    )
    client.close()
    raw.close()
    detail = (
        f"{ms(timing.ours)} vs {ms(timing.baseline)} for httpx + json.loads; {len(body) // 1024} KiB body; "
        f"median of {rounds} rounds"
    )
    return [Figure.at_most(f"{ROWS:,}-row CallHistoryView page, typed", timing.ratio, 0.55, detail)]

"""Seeded data reads like a PBX's: calls in time order, the call log's words and GUIDs, codes and percents in range."""

from __future__ import annotations

import collections
import datetime
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from threecx_xapi import XapiClient
from threecx_xapi.api.call_history_view import list_call_history_view
from threecx_xapi.api.report_agents_in_queue_statistics import get_agents_in_queue_statistics_data
from threecx_xapi.api.report_call_log_data import get_call_log_data
from threecx_xapi.testing import Emulator
from threecx_xapi.types import Unset
from xapi_fakes import CALL_LOG_ALL_CALLS

START = datetime.datetime(2026, 9, 1, tzinfo=datetime.UTC)
END = datetime.datetime(2026, 9, 30, tzinfo=datetime.UTC)


@pytest.fixture
def client() -> Iterator[XapiClient]:
    with Emulator(collection_size=30) as pbx, pbx.client() as client:
        yield client


def _call_log(client: XapiClient) -> list[dict[str, Any]]:
    page = get_call_log_data.sync(period_from=START, period_to=END, **CALL_LOG_ALL_CALLS, client=client)
    return [row.to_dict() for row in page.value]


def test_a_segment_ends_after_it_starts(client: XapiClient) -> None:
    rows = list_call_history_view.sync(client=client).value
    timed = [row for row in rows if not isinstance(row.segment_end_time, Unset | None)]
    assert timed and all(row.segment_start_time <= row.segment_end_time for row in timed)


def test_the_call_log_speaks_the_pbxs_words(client: XapiClient) -> None:
    # Seen in 500 rows of a live call log: these and no other values.
    rows = _call_log(client)
    directions = {row["Direction"] for row in rows if "Direction" in row}
    assert directions <= {"Inbound", "Outbound", "Internal", "Inbound Queue"}
    assert {row["CallType"] for row in rows if "CallType" in row} <= {
        "Extension",
        "Queue",
        "System",
        "Digital Receptionist",
        "External",
    }
    callers = [row["SourceCallerId"] for row in rows if "SourceCallerId" in row]
    assert callers and all(re.fullmatch(r"\+\d{8,15}", caller) for caller in callers)


def test_the_legs_of_one_call_share_its_guid(client: XapiClient) -> None:
    rows = _call_log(client)
    calls = collections.Counter(row["CallHistoryId"] for row in rows)
    assert all(uuid.UUID(call) for call in calls)
    assert max(calls.values()) > 1 and len(calls) > 1  # a call has several legs; a report has several calls
    if "CdrId" in rows[0]:  # a leg's own id, since 20.0.5
        assert len({row["CdrId"] for row in rows}) == len(rows)
    if "MainCallHistoryId" in rows[0]:
        assert all(row["MainCallHistoryId"] == row["CallHistoryId"] for row in rows)


def test_codes_and_percentages_stay_in_their_ranges(client: XapiClient) -> None:
    rows = _call_log(client)
    types = [value for row in rows for key, value in row.items() if key.endswith("Type") and type(value) is int]
    assert types and all(0 <= value <= 12 for value in types)
    page = get_agents_in_queue_statistics_data.sync(
        client=client, queue_dn_str="", start_dt=START, end_dt=END, wait_interval="0:00:30"
    )
    percents = [row.answered_percent for row in page.value if isinstance(row.answered_percent, int)]
    assert percents and all(0 <= value <= 100 for value in percents)


def test_a_report_names_each_queue_as_queues_lists_it() -> None:
    with Emulator(collection_size=6) as pbx, pbx.client() as client:
        names = {queue["Number"]: queue["Name"] for queue in pbx.entities("Queues")}
        page = get_agents_in_queue_statistics_data.sync(
            client=client, queue_dn_str="", start_dt=START, end_dt=END, wait_interval="0:00:30"
        )
    shown = {(row.queue, row.queue_display_name) for row in page.value}
    assert len(shown) > 1  # '' is every queue
    assert all(names[number] == name for number, name in shown)


def test_the_first_group_is_the_default_one_and_queues_have_admin_names() -> None:
    pbx = Emulator(collection_size=3)
    assert pbx.entities("Groups")[0]["Number"] == "GRP0000"
    assert pbx.entities("Groups")[0]["Name"] == "DEFAULT"
    assert [queue["Name"] for queue in pbx.entities("Queues")] == ["Sales", "Support", "Billing"]


def test_every_user_has_the_five_forwarding_profiles_and_the_first_is_current() -> None:
    with Emulator(collection_size=3) as pbx, pbx.client() as client:
        http = client.get_httpx_client()
        profiles = http.get("/Users(2)/ForwardingProfiles", params={"$select": "Id,Name"}).json()["value"]
        user = http.get("/Users(2)", params={"$select": "CurrentProfileName"}).json()
        others = http.get("/Users(3)/ForwardingProfiles", params={"$select": "Id"}).json()["value"]
    assert [profile["Name"] for profile in profiles] == ["Available", "Away", "Out of office", "Custom 1", "Custom 2"]
    assert user["CurrentProfileName"] == "Available"
    assert not {profile["Id"] for profile in profiles} & {profile["Id"] for profile in others}

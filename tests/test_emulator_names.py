"""Names and paths as a PBX reads them: names in any case, `/` inside a quoted argument, empty report periods."""

from __future__ import annotations

import datetime

import pytest
from threecx_xapi.api.report_call_log_data import get_call_log_data
from threecx_xapi.testing import Emulator
from threecx_xapi.testing._names import resolve_name
from threecx_xapi.testing._routes import request_segments
from xapi_fakes import CALL_LOG_ALL_CALLS


@pytest.mark.parametrize(
    ("written", "expected"),
    [("FirstName", "FirstName"), ("firstname", "FirstName"), ("FIRSTNAME", "FirstName"), ("First", None)],
)
def test_a_name_resolves_in_any_case(written: str, expected: str | None) -> None:
    assert resolve_name({"FirstName", "LastName"}, written) == expected


def test_an_exact_name_wins_and_two_names_differing_in_case_only_are_ambiguous() -> None:
    assert resolve_name(["Name", "NAME"], "Name") == "Name"
    assert resolve_name(["Name", "NAME"], "name") is None


@pytest.mark.parametrize(
    ("path", "argument"),
    [
        ("/R/Pbx.F(clientTimeZone='Asia/Taipei')", "'Asia/Taipei'"),
        ("/R/Pbx.F(clientTimeZone=%27America/Argentina/Salta%27)", "'America/Argentina/Salta'"),
        ("/R/Pbx.F(name='O''Brien/Sons')", "'O''Brien/Sons'"),
    ],
)
def test_a_slash_inside_a_quoted_argument_stays_in_the_argument(path: str, argument: str) -> None:
    report, function = request_segments(path)
    assert (report.name, function.name) == ("R", "Pbx.F")
    assert function.arguments == ((function.arguments[0][0], argument),)


def test_a_report_takes_a_time_zone_written_with_its_slash_unencoded() -> None:
    # The web client sends clientTimeZone='Europe/London' as it is, and a PBX answers it.
    path = (
        "/ReportAgentLoginHistory/Pbx.GetAgentLoginHistoryData(clientTimeZone='Asia/Taipei',"
        "startDt=2026-09-01T00:00:00Z,endDt=2026-09-02T00:00:00Z,queueDnStr='',agentDnStr='')"
    )
    with Emulator(collection_size=3) as pbx, pbx.client() as client:
        answer = client.get_httpx_client().get(path)
    assert answer.status_code == 200, answer.text
    assert len(answer.json()["value"]) == 3


def test_segments_still_split_on_every_slash_outside_parentheses() -> None:
    assert [segment.name for segment in request_segments("/Users(1)/Groups/$count")] == ["Users", "Groups", "$count"]


@pytest.mark.parametrize("hours", [0, -6])
def test_a_report_over_an_empty_or_reversed_period_has_no_rows(hours: int) -> None:
    start = datetime.datetime(2026, 9, 12, 8, tzinfo=datetime.UTC)
    with Emulator().client() as client:
        page = get_call_log_data.sync(
            period_from=start, period_to=start + datetime.timedelta(hours=hours), **CALL_LOG_ALL_CALLS, client=client
        )
    assert page.value == []

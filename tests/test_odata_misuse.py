"""What cannot be sent is refused with a clear error naming what is wrong, before anything is sent.

Date-times a PBX cannot read (UTC outside years 1..9999: .NET's DateTimeOffset range) and filter expressions
Python would silently get wrong (`a and b` keeps only `b`, a str is not a list of values).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from threecx_xapi import XapiClient, odata
from threecx_xapi.api.report_call_log_data import get_call_log_data
from threecx_xapi.api.users import list_user
from threecx_xapi.odata import F, literal
from xapi_fakes import FakePbx

MINUS_FIVE = dt.timezone(dt.timedelta(hours=-5))
PLUS_FIVE = dt.timezone(dt.timedelta(hours=5))
START = dt.datetime(2026, 9, 12, tzinfo=dt.UTC)


@pytest.fixture
def pbx() -> FakePbx:
    return FakePbx()


@pytest.fixture
def client(pbx: FakePbx) -> Iterator[XapiClient]:
    with pbx.client() as xapi:
        yield xapi


def _call_log(client: XapiClient, period_from: dt.datetime, period_to: dt.datetime) -> Any:
    return get_call_log_data.sync_detailed(
        client=client,
        period_from=period_from,
        period_to=period_to,
        source_type=0,
        source_filter="",
        destination_type=0,
        destination_filter="",
        calls_type=0,
        call_time_filter_type=0,
        call_time_filter_from="0:00:0",
        call_time_filter_to="0:00:0",
        hide_pcalls=True,
    )


# --- date-times out of a PBX's range -------------------------------------------------------------------------

UNSENDABLE = [
    dt.datetime.max.replace(tzinfo=MINUS_FIVE),  # 10000-01-01T04:59Z in UTC
    dt.datetime.min.replace(tzinfo=PLUS_FIVE),  # year 0 in UTC
    dt.datetime.min.replace(tzinfo=ZoneInfo("Asia/Kolkata")),  # local mean time, +05:53:28: year 0 in UTC
    dt.datetime(9999, 12, 31, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-1))),
]
SENDABLE = [
    (dt.datetime.max.replace(tzinfo=dt.UTC), "9999-12-31T23:59:59.999999Z"),
    (dt.datetime.min.replace(tzinfo=dt.UTC), "0001-01-01T00:00:00Z"),
    (dt.datetime.max.replace(tzinfo=PLUS_FIVE), "9999-12-31T23:59:59.999999+05:00"),
    (dt.datetime.min.replace(tzinfo=MINUS_FIVE), "0001-01-01T00:00:00-05:00"),
]


@pytest.mark.parametrize("value", UNSENDABLE, ids=[value.isoformat() for value in UNSENDABLE])
def test_a_date_time_outside_years_1_to_9999_in_utc_is_a_value_error_naming_the_parameter(
    client: XapiClient, pbx: FakePbx, value: dt.datetime
) -> None:
    with pytest.raises(ValueError, match=r"parameter 'periodTo' \(Edm.DateTimeOffset\).*outside years 1..9999"):
        _call_log(client, START, value)
    assert pbx.requests == [] and pbx.token_requests == [], "nothing was sent, not even the token request"
    with pytest.raises(ValueError, match="'StartTime'.*outside years 1..9999"):
        F("StartTime") >= value  # noqa: B015
    with pytest.raises(ValueError, match="outside years 1..9999"):
        literal(value)
    with pytest.raises(ValueError, match=r"'\$since'.*outside years 1..9999"):
        odata.query_option(value, name="$since", edm_type="Edm.DateTimeOffset")


async def test_an_unsendable_date_time_is_refused_by_async_calls(client: XapiClient, pbx: FakePbx) -> None:
    with pytest.raises(ValueError, match="'periodFrom'"):
        await get_call_log_data.asyncio_detailed(
            client=client,
            period_from=dt.datetime.min.replace(tzinfo=PLUS_FIVE),
            period_to=START,
            source_type=0,
            source_filter="",
            destination_type=0,
            destination_filter="",
            calls_type=0,
            call_time_filter_type=0,
            call_time_filter_from="0:00:0",
            call_time_filter_to="0:00:0",
            hide_pcalls=True,
        )
    assert pbx.requests == [] and pbx.token_requests == []


@pytest.mark.parametrize(("value", "sent"), SENDABLE, ids=[sent for _, sent in SENDABLE])
def test_the_extreme_date_times_a_pbx_can_read_are_sent(
    client: XapiClient, pbx: FakePbx, value: dt.datetime, sent: str
) -> None:
    _call_log(client, value, START)
    assert f"periodFrom={sent.replace('+', '%2B')}," in pbx.requests[-1].url.raw_path.decode()
    assert literal(value) == sent


# --- filter builder misuse ------------------------------------------------------------------------------------


def test_python_and_or_not_on_expressions_is_a_type_error_pointing_at_the_operators() -> None:
    with pytest.raises(TypeError, match=r"no truth value.*& \(and\), \| \(or\) and ~ \(not\)"):
        (F("a") == 1) and (F("b") == 2)  # noqa: B015
    with pytest.raises(TypeError, match="no truth value"):
        (F("a") == 1) or (F("b") == 2)  # noqa: B015
    with pytest.raises(TypeError, match="no truth value"):
        not (F("a") == 1)  # noqa: B015
    with pytest.raises(TypeError, match="no truth value"):
        1 < F("Number") < 5  # noqa: B015
    with pytest.raises(TypeError, match="no truth value"):
        bool(F("Number"))
    assert ((F("a") == 1) & (F("b") == 2)) == "a eq 1 and b eq 2"


def test_an_expression_sent_as_a_filter_still_reaches_the_pbx_as_its_text(client: XapiClient, pbx: FakePbx) -> None:
    list_user.sync_detailed(client=client, filter_=(F("a") == 1) | (F("b") == 2))
    assert pbx.requests[-1].url.params["$filter"] == "a eq 1 or b eq 2"


@pytest.mark.parametrize("values", ["200", b"200", bytearray(b"200"), {"200": 1}, 200, None])
def test_in_takes_a_list_of_values_never_one_str(values: Any) -> None:
    with pytest.raises(TypeError, match=r"F\('Number'\).in_\(\) takes a list of values"):
        F("Number").in_(values)


def test_in_takes_any_iterable_of_values_and_needs_one() -> None:
    assert F("Number").in_(["200", "201"]) == "Number in ('200','201')"
    assert F("Number").in_(number for number in ("200",)) == "Number in ('200')"
    assert F("Id").in_((1, 2)) == "Id in (1,2)"
    with pytest.raises(ValueError, match="at least one value"):
        F("Number").in_([])


@pytest.mark.parametrize("path", [5, None, b"Number", ["Number"]])
def test_a_property_name_that_is_not_a_str_is_a_type_error(path: Any) -> None:
    with pytest.raises(TypeError, match="F\\(\\) takes a property path as a str"):
        F(path)


def test_an_expression_is_not_a_value_to_compare_quote_or_search_for() -> None:
    expression = F("b") == 1
    for build in (
        lambda: F("a") == expression,
        lambda: F("a") != expression,
        lambda: F("a").in_([expression]),
        lambda: literal(expression),
    ):
        with pytest.raises(TypeError, match="not the \\$filter expression 'b eq 1'"):
            build()
    with pytest.raises(TypeError, match="contains\\(\\) takes a str"):
        F("a").contains(expression)


def test_two_properties_compare_as_odata_does() -> None:
    assert (F("Price") < F("Cost")) == "Price lt Cost"
    assert (F("Group/Name") == F("Name")) == "Group/Name eq Name"

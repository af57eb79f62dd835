"""The emulator's `$filter` reads what a PBX (ASP.NET Core OData 8, ODL 7.x) reads, and refuses what it refuses.

Over the wire on Users (present in every XAPI version), or `compile_filter` with a types mapping where a row
needs a type Users does not hold.
"""

from __future__ import annotations

import datetime
from typing import Any

import httpx
import pytest
from odata_answers import refused_query
from threecx_xapi.codecs import format_duration
from threecx_xapi.testing import Emulator
from threecx_xapi.testing._filter import FilterError, compile_filter


@pytest.fixture(scope="module")
def pbx() -> Emulator:
    return Emulator(collection_size=5)


def get(pbx: Emulator, expression: str) -> httpx.Response:
    with pbx.client() as client:
        return client.get_httpx_client().get("Users", params={"$filter": expression, "$select": "Id,Number"})


def ids(pbx: Emulator, expression: str) -> list[int]:
    response = get(pbx, expression)
    assert response.status_code == 200, response.text
    return [row["Id"] for row in response.json()["value"]]


def refusal(pbx: Emulator, expression: str) -> str:
    return refused_query(get(pbx, expression))


TYPES = {
    "Id": "Edm.Int32",
    "Name": "Edm.String",
    "Talking": "Edm.Duration",
    "Start": "Edm.DateTimeOffset",
    "Day": "Edm.Date",
    "Status": "?",  # an enum, as the emulator types one
    "Tags": "Collection",
}
NOW = datetime.datetime.now(datetime.UTC)
ROW: dict[str, Any] = {
    "Id": 7,
    "Name": "Sales",
    "Talking": "PT1M12.577027S",
    "Start": (NOW - datetime.timedelta(days=3)).isoformat().replace("+00:00", "Z"),
    "Day": "2026-09-15",
    "Status": "LoggedIn",
    "Tags": ["AI", "VIP"],
}


def matches(expression: str, row: dict[str, Any] | None = None, typed: bool = True) -> bool:
    return compile_filter(expression, TYPES if typed else None, "Pbx.Queue")(ROW if row is None else row)


def refused(expression: str, typed: bool = True) -> str:
    with pytest.raises(FilterError) as caught:
        matches(expression, typed=typed)
    return str(caught.value)


# -- 1. function names in any case ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expression",
    [
        "startsWith(FirstName,'Al')",
        "STARTSWITH(FirstName,'Al')",
        "CONTAINS(FirstName,'le') and EndsWith(FirstName,'x')",
        "ToLower(FirstName) eq 'alex' and ToUpper(FirstName) eq 'ALEX'",
        "Length(FirstName) eq 4 and IndexOf(FirstName,'l') eq 1",
    ],
)
def test_function_names_are_read_in_any_case(pbx: Emulator, expression: str) -> None:
    assert ids(pbx, expression) == [1]


def test_not_startswith_in_mixed_case_keeps_everyone_else(pbx: Emulator) -> None:
    everyone = ids(pbx, "Id gt 0")
    assert ids(pbx, "not startsWith(FirstName, '___FAVORITES___')") == everyone
    assert ids(pbx, "not startsWith(FirstName, 'Al')") == everyone[1:]


def test_a_function_name_inside_a_string_literal_is_data(pbx: Emulator) -> None:
    assert ids(pbx, "FirstName eq 'startsWith(x)'") == []


# -- 2. property names in any case ------------------------------------------------------------------------


def test_property_names_are_read_in_any_case(pbx: Emulator) -> None:
    assert ids(pbx, "firstname eq 'Alex'") == ids(pbx, "FIRSTNAME eq 'Alex'") == [1]
    assert ids(pbx, "id eq 1") == ids(pbx, "ID eq 1") == [1]
    assert matches("name eq 'Sales'", typed=False)


def test_an_unknown_property_is_still_refused_in_odl_words(pbx: Emulator) -> None:
    assert refusal(pbx, "Nope eq 'Alex'") == "Could not find a property named 'Nope' on type 'Pbx.User'."


def test_names_that_begin_with_a_keyword_are_names() -> None:
    # odata-query lexed `AllowLanOnly` as `all` + `owLanOnly`, `Nullable` as `null` + `able`
    types = {"AllowLanOnly": "Edm.Boolean", "Nullable": "Edm.String", "Anything": "Edm.Int32", "TrueName": "?"}
    row = {"AllowLanOnly": True, "Nullable": "x", "Anything": 1, "TrueName": "t"}
    expression = "AllowLanOnly eq true and Nullable eq 'x' and Anything eq 1 and TrueName ne null"
    assert compile_filter(expression, types, "Pbx.User")(row)


# -- 3. arithmetic ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expression",
    [
        "Id add 1 eq 8",
        "Id sub 10 eq -3",
        "Id mul 2 eq 14",
        "Id div 2 eq 3",  # integers divide as C# does: toward zero
        "Id mod 4 eq 3",
        "-7 div 2 eq -3 and -7 mod 2 eq -1",
        "Id div 2.0 eq 3.5",
        "(Id add 1) mul 2 eq 16",
    ],
)
def test_arithmetic_on_numbers(expression: str) -> None:
    assert matches(expression) and matches(expression, typed=False)


def test_a_date_time_minus_a_duration_is_the_common_script_pattern(pbx: Emulator) -> None:
    assert matches("Start gt now() sub duration'P30D'")
    assert not matches("Start gt now() sub duration'P1D'")
    assert matches("Start add duration'P3DT1H' gt now()")
    assert matches("now() sub Start gt duration'P2D'") and not matches("now() sub Start gt duration'P4D'")
    assert matches("Day add duration'P1D' eq 2026-09-16") and matches("Day sub 2026-09-01 eq duration'P14D'")
    with pbx.client() as client:
        rows = client.get_httpx_client().get("CallHistoryView").json()["value"]
        old = "SegmentStartTime lt now() sub duration'P30D' or SegmentStartTime ge now() sub duration'P30D'"
        answer = client.get_httpx_client().get("CallHistoryView", params={"$filter": old})
    assert answer.status_code == 200, answer.text
    assert len(answer.json()["value"]) == len(rows)


def test_durations_compare_as_durations_not_as_text() -> None:
    # As text 'PT1M12.5S' sorts after 'PT10M' and before 'PT2S'.
    assert matches("Talking lt duration'PT10M'") and matches("Talking gt duration'PT2S'")
    assert matches("Talking eq duration'PT1M12.577027S'")
    assert matches("Talking add duration'PT48S' gt duration'PT2M'")
    assert matches("Talking lt duration'PT10M'", typed=False) and matches("Talking gt duration'PT2S'", typed=False)
    assert matches("totalseconds(Talking) gt 72 and totalseconds(Talking) lt 73")
    row = {**ROW, "Talking": format_duration(datetime.timedelta(days=1, seconds=1))}
    assert matches("Talking gt duration'P1D'", row)


def test_division_by_an_integer_zero_is_a_400(pbx: Emulator) -> None:
    assert refusal(pbx, "Id div 0 eq 1") == "Attempted to divide by zero."
    assert refusal(pbx, "Id mod 0 eq 1") == "Attempted to divide by zero."


def test_arithmetic_on_what_does_not_add_up_is_refused_as_odl_refuses_it(pbx: Emulator) -> None:
    assert refusal(pbx, "FirstName add 1 eq 2") == (
        "A binary operator with incompatible types was detected. "
        "Found operand types 'Edm.String' and 'Edm.Int32' for operator kind 'Add'."
    )
    assert "for operator kind 'Multiply'" in refused("Start mul 2 eq 1")
    assert "cannot be evaluated" in refused("Name add 'x' eq 'Salesx'", typed=False)


# -- 4. qualified enum literals ---------------------------------------------------------------------------


def test_qualified_enum_literals_go_wherever_a_literal_goes() -> None:
    assert matches("Status eq Pbx.QueueStatusType'LoggedIn'")
    assert not matches("Status eq Pbx.QueueStatusType'LoggedOut'")
    assert matches("Status in (Pbx.QueueStatusType'LoggedOut', Pbx.QueueStatusType'LoggedIn')")
    assert matches("Tags/any(t:t eq Pbx.UserTag'AI')") and not matches("Tags/all(t:t eq Pbx.UserTag'AI')")
    assert matches("Status ne Pbx.QueueStatusType'LoggedOut'", typed=False)


def test_has_still_asks_for_a_flag() -> None:
    row = {**ROW, "Status": "LoggedIn, Paused"}
    assert matches("Status has Pbx.QueueStatusType'Paused'", row)
    assert not matches("Status has Pbx.QueueStatusType'Paus'", row)
    assert matches("Id eq 1 or Status has Pbx.QueueStatusType'LoggedIn' and Id eq 7", row)


# -- 5. in, with one item and with brackets ---------------------------------------------------------------


def test_in_with_one_item_and_with_brackets(pbx: Emulator) -> None:
    assert ids(pbx, "Id in (1)") == ids(pbx, "Id in ( 1 )") == [1]
    assert ids(pbx, "Number in ['100','101']") == ids(pbx, "Number in ('100','101')") == [1, 2]
    assert ids(pbx, "Number in ['100']") == [1]
    assert ids(pbx, "FirstName eq '[x]'") == []


# -- 6. never a 500 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("FirstName/any(t:t eq 'a')", "Any/All may only be used following a collection."),
        (
            "length(Id) eq 1",
            "No function signature for the function with name 'length' matches the specified arguments. "
            "The function signatures considered are: length(Edm.String Nullable=true).",
        ),
        (
            "year(FirstName) eq 2026",
            "No function signature for the function with name 'year' matches the specified arguments. "
            "The function signatures considered are: year(Edm.DateTimeOffset); "
            "year(Edm.DateTimeOffset Nullable=true); year(Edm.Date); year(Edm.Date Nullable=true).",
        ),
        ("substring(FirstName,'a') eq 'x'", "with name 'substring' matches"),
        ("length(FirstName, 'x') eq 1", "with name 'length' matches"),
        ("FirstName", "The $filter expression must evaluate to a single boolean value."),
        ("Id add 1", "The $filter expression must evaluate to a single boolean value."),
        (
            "FirstName and Id eq 1",
            "Found operand types 'Edm.String' and 'Edm.Boolean' for operator kind 'And'.",
        ),
        (
            "CreatedAt gt 2026-09-01T00:00:00",
            "The DateTimeOffset text '2026-09-01T00:00:00' should be in format "
            "'yyyy-mm-ddThh:mm:ss('.'s+)?(zzzzzz)?' and each field value is within valid range.",
        ),
        ("nosuch(FirstName) eq 1", "An unknown function with name 'nosuch' was found."),
    ],
)
def test_what_a_pbx_refuses_is_a_400_in_its_words(pbx: Emulator, expression: str, message: str) -> None:
    assert message in refusal(pbx, expression)


@pytest.mark.parametrize(
    "expression",
    [
        "Name/any(t:t eq 'a')",
        "length(Id) eq 1",
        "year(Name) eq 1",
        "substring(Name,'a') eq 'x'",
        "round(Name) eq 1",
        "Name",
        "Id add Name eq 1",
        "hour(Talking) eq 1",
    ],
)
def test_evaluating_without_types_raises_a_filter_error_never_another(expression: str) -> None:
    with pytest.raises(FilterError):
        matches(expression, typed=False)


# -- 7. parse errors read like ODL's ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("Id eq 1 )", "Syntax error at position 9 in 'Id eq 1 )'."),
        ("Id eq", "Expression expected at position 5 in 'Id eq'."),  # ODL's ParsePrimaryStart
        ("FirstName eq 'Al", "There is an unterminated string literal at position 16 in 'FirstName eq 'Al'."),
        ("Id eq 1 $", "Syntax error: character '$' is not valid at position 8 in 'Id eq 1 $'."),
    ],
)
def test_parse_errors_read_like_odl(pbx: Emulator, expression: str, message: str) -> None:
    answer = refusal(pbx, expression)
    assert answer == message
    assert "Token(" not in answer


def test_white_space_around_the_expression_is_skipped(pbx: Emulator) -> None:
    assert ids(pbx, "  Id eq 1 ") == [1]


@pytest.mark.parametrize(
    ("expression", "refused"),
    [
        ("QueueStatus eq 'Bogus'", "Bogus"),
        ("QueueStatus eq 'loggedin'", "loggedin"),  # members are matched exactly, as ODL binds them
        ("QueueStatus in ('LoggedIn','Nope')", "Nope"),
        ("'Elsewhere' eq QueueStatus", "Elsewhere"),
    ],
)
def test_a_string_that_names_no_member_of_an_enum_property_is_refused(
    pbx: Emulator, expression: str, refused: str
) -> None:
    assert refusal(pbx, expression) == f"The string '{refused}' is not a valid enumeration type constant."


def test_members_of_an_enum_property_are_taken_in_every_form(pbx: Emulator) -> None:
    logged_in = [user["Id"] for user in pbx.entities("Users") if user.get("QueueStatus") == "LoggedIn"]
    assert 0 < len(logged_in) < len(pbx.entities("Users"))
    assert ids(pbx, "QueueStatus eq 'LoggedIn'") == logged_in
    assert ids(pbx, "QueueStatus eq Pbx.QueueStatusType'LoggedIn'") == logged_in
    assert ids(pbx, "'LoggedIn' eq QueueStatus") == logged_in
    assert len(ids(pbx, "QueueStatus in ('LoggedIn','LoggedOut')")) == len(pbx.entities("Users"))

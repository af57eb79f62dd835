"""`$select`, `$orderby` and `$expand` as a PBX reads them: names in any case, blank options refused, paths into
complex properties, `*`, and ODL's own words for what it refuses (ASP.NET Core OData 8 on ODL 7)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from odata_answers import refused_query
from threecx_xapi.testing import Emulator

# Every name below is declared in the oldest XAPI document (20.0.4) as in the newest.
USER_NAVIGATION = {"ForwardingExceptions", "ForwardingProfiles", "Greetings", "Groups", "Phones"}
BLANK_SELECT_EXPAND = (
    "'select' and 'expand' cannot be empty or whitespace. Omit the parameter from the query if it is not used."
)


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with Emulator(collection_size=5) as pbx, pbx.client() as client:
        yield client.get_httpx_client()


def _rows(http: httpx.Client, **params: str) -> list[dict[str, Any]]:
    response = http.get("/Users", params={f"${name}": value for name, value in params.items()})
    assert response.status_code == 200, response.text
    return list(response.json()["value"])


def _error(response: httpx.Response, status: int = 400) -> str:
    return refused_query(response, status)


# -- names in any case -----------------------------------------------------------------------------------------


def test_selected_names_in_any_case_answer_as_declared(http: httpx.Client) -> None:
    rows = _rows(http, select="id,firstname")
    assert rows and all(set(row) == {"@odata.etag", "Id", "FirstName"} for row in rows)
    assert rows == _rows(http, select="Id,FirstName")


@pytest.mark.parametrize("orderby", ["firstname desc", "FirstName DESC", "FIRSTNAME Desc"])
def test_orderby_takes_names_and_directions_in_any_case(http: httpx.Client, orderby: str) -> None:
    names = [row["FirstName"] for row in _rows(http, select="FirstName", orderby=orderby)]
    assert names == sorted(names, reverse=True) and len(set(names)) > 1
    ascending = [row["FirstName"] for row in _rows(http, select="FirstName", orderby="firstname ASC")]
    assert ascending == sorted(names)


def test_expanded_names_and_their_nested_options_in_any_case_answer_as_declared(http: httpx.Client) -> None:
    rows = _rows(http, select="id", expand="groups($select=groupid,name;$orderby=name desc)")
    assert rows and all(set(row) == {"@odata.etag", "Id", "Groups"} for row in rows)
    items = [item for row in rows for item in row["Groups"]]
    assert items and all(set(item) == {"GroupId", "Name"} for item in items)


def test_one_entity_takes_expanded_names_in_any_case(http: httpx.Client) -> None:
    user = http.get("/Users(1)", params={"$expand": "groups", "$select": "firstname"}).json()
    assert "Groups" in user and "groups" not in user and "FirstName" in user


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("$select", "id,firstnam", "Could not find a property named 'firstnam' on type 'Pbx.User'."),
        ("$orderby", "nope desc", "Could not find a property named 'nope' on type 'Pbx.User'."),
        ("$expand", "nope", "Could not find a property named 'nope' on type 'Pbx.User'."),
        ("$expand", "groups($select=nope)", "Could not find a property named 'nope' on type 'Pbx.UserGroup'."),
        ("$orderby", "FirstName up", "Syntax error at position 12 in 'FirstName up'."),
        ("$orderby", "Id,FirstName desc asc", "Syntax error at position 21 in 'Id,FirstName desc asc'."),
    ],
)
def test_unknown_names_and_directions_are_refused_in_odls_words(
    http: httpx.Client, option: str, value: str, message: str
) -> None:
    assert _error(http.get("/Users", params={option: value})) == message


# -- blank options ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("option", ["$select", "$expand", "select", "$EXPAND"])
@pytest.mark.parametrize("value", ["", " "])
def test_a_blank_select_or_expand_is_refused(http: httpx.Client, option: str, value: str) -> None:
    assert _error(http.get("/Users", params={option: value})) == BLANK_SELECT_EXPAND
    assert _error(http.get("/Users(1)", params={option: value})) == BLANK_SELECT_EXPAND


@pytest.mark.parametrize("option", ["$filter", "$orderby", "$search", "$top", "$skip", "$count", "$apply"])
def test_other_blank_options_are_refused_each_by_name(http: httpx.Client, option: str) -> None:
    message = f"The value for OData query '{option}' cannot be empty."
    assert _error(http.get("/Users", params={option: ""})) == message
    assert _error(http.get("/Users", params={option.upper(): " "})) == message


# -- paths into complex properties, and * -------------------------------------------------------------------------


def test_a_path_into_a_complex_property_selects_only_that_sub_property(http: httpx.Client) -> None:
    whole = {row["Id"]: row["Hours"] for row in _rows(http, select="Id,Hours")}
    rows = _rows(http, select="Id,hours/ignoreholidays")
    assert rows and all(set(row) == {"@odata.etag", "Id", "Hours"} for row in rows)
    assert all(row["Hours"] == {"IgnoreHolidays": whole[row["Id"]]["IgnoreHolidays"]} for row in rows)
    assert _rows(http, select="Hours/*") == _rows(http, select="Hours")
    assert _rows(http, select="Hours,Hours/Type") == _rows(http, select="Hours")


def test_one_entity_selects_a_path_into_a_complex_property_too(http: httpx.Client) -> None:
    whole = http.get("/Users(1)", params={"$select": "Hours"}).json()["Hours"]
    one = http.get("/Users(1)", params={"$select": "id,hours/ignoreholidays"}).json()
    assert {name for name in one if not name.startswith("@")} == {"Id", "Hours"}
    assert one["Hours"] == {"IgnoreHolidays": whole["IgnoreHolidays"]}


def test_orderby_follows_a_path_into_a_complex_property(http: httpx.Client) -> None:
    rows = _rows(http, select="Hours/IgnoreHolidays", orderby="hours/ignoreholidays desc")
    flags = [row["Hours"]["IgnoreHolidays"] for row in rows]
    assert flags == sorted(flags, reverse=True)


@pytest.mark.parametrize(
    ("select", "message"),
    [
        ("Hours/Nope", "Could not find a property named 'Nope' on type 'Pbx.Schedule'."),
        ("FirstName/Length", "Found a path with multiple navigation properties or a bad complex property path"),
    ],
)
def test_a_bad_path_is_refused_naming_the_type_it_reaches(http: httpx.Client, select: str, message: str) -> None:
    assert _error(http.get("/Users", params={"$select": select})).startswith(message)


def test_select_star_with_a_name_answers_every_property(http: httpx.Client) -> None:
    assert _rows(http, select="Id,*") == _rows(http) == _rows(http, select="*")


def test_expand_star_expands_every_navigation_property(http: httpx.Client) -> None:
    rows = _rows(http, select="Id", expand="*")
    assert rows and all(set(row) == {"@odata.etag", "Id", *USER_NAVIGATION} for row in rows)
    nested = _rows(http, select="Id", expand="*,groups($select=name)")
    assert all(set(item) == {"Name"} for row in nested for item in row["Groups"])
    assert all(set(row) >= USER_NAVIGATION for row in nested)


@pytest.mark.parametrize(
    ("expand", "message"),
    [
        (
            "groups()",
            "Missing expand option on navigation property 'groups'. If a parenthesis expression follows an expanded "
            "navigation property, then at least one expand option must be provided.",
        ),
        (
            "*($select=Id)",
            "Term '($select=Id)' is not valid in a $expand expression, as only $level option is allowed when the "
            "expanded navigation property is star.",
        ),
    ],
)
def test_expand_forms_odl_refuses_are_refused_in_its_words(http: httpx.Client, expand: str, message: str) -> None:
    assert _error(http.get("/Users", params={"$expand": expand})) == message


def test_expanding_references_is_a_501_not_a_wrong_answer(http: httpx.Client) -> None:
    response = http.get("/Users", params={"$expand": "groups/$ref"})
    assert response.status_code == 501, response.text
    assert response.json()["error"]["message"] == "The emulator does not evaluate $expand=Groups/$ref."


def test_a_next_link_repeats_the_names_as_sent() -> None:
    with Emulator(collection_size=4, max_page_size=2) as pbx, pbx.client() as client:
        http = client.get_httpx_client()
        body = http.get("/Users", params={"$select": "firstname", "$orderby": "firstname"}).json()
        assert set(body["value"][0]) == {"@odata.etag", "FirstName"}
        following = http.get(body["@odata.nextLink"]).json()
    assert "firstname" in body["@odata.nextLink"] and len(following["value"]) == 2


@pytest.mark.parametrize(
    ("path", "params", "ending"),
    [
        ("/Users", {"$select": "id,firstname"}, "#Users(Id,FirstName)"),
        ("/Users", {"$select": "Id", "$expand": "groups($select=groupid)"}, "#Users(Id,Groups(GroupId))"),
        ("/Users", {"$expand": "Groups"}, "#Users(Groups())"),
        ("/Users", {}, "#Users"),
        ("/Users(1)", {"$select": "Id"}, "#Users(Id)/$entity"),
    ],
)
def test_a_context_url_names_the_projection_as_odl_writes_it(
    http: httpx.Client, path: str, params: dict[str, str], ending: str
) -> None:
    assert http.get(path, params=params).json()["@odata.context"].endswith("$metadata" + ending)

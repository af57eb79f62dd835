"""What no client should be able to do to the emulator: a 500, a Python message, or data that breaks later reads."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from odata_answers import refused_query
from threecx_xapi.testing import Emulator

JSON = {"Content-Type": "application/json"}


@pytest.fixture
def pbx() -> Iterator[Emulator]:
    with Emulator(collection_size=3) as emulator:
        yield emulator


@pytest.mark.parametrize(
    "body",
    [
        b'{"FirstName": "\\ud800"}',  # a lone surrogate: no string a PBX could store
        b'{"FirstName": "\\udfff x"}',
        b'{"FirstName": NaN}',
        b"[" * 3000 + b"]" * 3000,
        b'{"a":' * 3000 + b"1" + b"}" * 3000,
        b'{"Hours": ' + b"[" * 70 + b"]" * 70 + b"}",  # deeper than ASP.NET's reader reads (64)
        b'{"FirstName": "M\xfcller"}',  # Latin-1, not UTF-8
    ],
)
def test_a_body_a_pbx_cannot_read_is_a_400_and_changes_nothing(pbx: Emulator, http: httpx.Client, body: bytes) -> None:
    before = http.get("/Users(1)").json()
    answer = http.patch("/Users(1)", content=body, headers=JSON)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["message"]
    after = http.get("/Users(1)")
    assert after.status_code == 200
    assert {k: v for k, v in after.json().items() if k != "@odata.etag"} == {
        k: v for k, v in before.items() if k != "@odata.etag"
    }


@pytest.mark.parametrize("path", ["/%FF", "/Users(%FF)", "/Users(Number='%ED%A0%80')", "/Users(Number='%C3')"])
def test_a_path_whose_escapes_are_no_utf8_is_a_400(http: httpx.Client, path: str) -> None:
    answer = http.get(path)
    assert answer.status_code == 400, answer.text
    assert "UTF-8" in answer.json()["error"]["message"]


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("$filter", "not " * 490 + "true"),
        ("$filter", "tolower(" * 490 + "FirstName" + ")" * 490 + " eq 'a'"),
        ("$filter", "Id eq 1" + " add 1" * 490),
        # each lambda its own range variable: ODL refuses a name declared twice before it nests that deep
        ("$filter", "".join(f"Groups/any(g{level}:" for level in range(490)) + "true" + ")" * 490),
        ("$search", "(" * 400 + "alex" + ")" * 400),
        ("$search", "NOT " * 980 + "alex"),
    ],
)
def test_an_expression_nested_past_the_parsers_limit_is_odls_400(http: httpx.Client, option: str, value: str) -> None:
    assert refused_query(http.get("/Users", params={option: value})) == "Recursion depth exceeded allowed limit."


def test_a_long_chain_of_conditions_is_read_whole(pbx: Emulator, http: httpx.Client) -> None:
    # A sync tool filtering by every extension builds one `or` per number; a chain is as deep as it is long.
    numbers = [str(user["Number"]) for user in pbx.entities("Users")]
    chain = " or ".join(f"Number eq '{number}'" for number in [*map(str, range(5000, 5500)), numbers[1]])
    answer = http.get("/Users", params={"$filter": chain, "$select": "Number"})
    assert answer.status_code == 200, answer.text[:300]
    assert [row["Number"] for row in answer.json()["value"]] == [numbers[1]]


def test_options_on_a_navigation_collection_name_its_items_type(http: httpx.Client) -> None:
    message = refused_query(http.get("/Queues(1)/Agents", params={"$select": "Bogus"}))
    assert message == "Could not find a property named 'Bogus' on type 'Pbx.QueueAgent'."
    agents = http.get("/Queues(1)/Agents", params={"$select": "number"}).json()["value"]
    assert agents and all(set(agent) == {"Number"} for agent in agents)


def test_a_users_display_name_is_the_name_queues_give_it(pbx: Emulator, http: httpx.Client) -> None:
    users = {user["Number"]: user for user in pbx.entities("Users")}
    assert all(user["DisplayName"] == f"{user['FirstName']} {user['LastName']}" for user in users.values())
    agents = http.get("/Queues(1)/Agents", params={"$select": "Number,Name"}).json()["value"]
    assert agents and all(users[agent["Number"]]["DisplayName"] == agent["Name"] for agent in agents)
    created = http.post("/Users", json={"FirstName": "Ann", "LastName": "Lee"}).json()
    assert created["DisplayName"] == "Ann Lee"


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/Users(Number='O''Brien')", "Users(Number='O''Brien') does not exist"),
        ("/Users(99)", "Users(99) does not exist"),
    ],
)
def test_a_missing_entity_is_named_as_the_url_wrote_its_key(http: httpx.Client, path: str, message: str) -> None:
    answer = http.get(path)
    assert answer.status_code == 404
    assert answer.json()["error"]["message"] == message


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"FirstName": True}, "at FirstName: true is not of type 'string'"),
        ({"OfficeHoursProps": None}, "at OfficeHoursProps: null is not of type 'array'"),
        ({"Hours": {"Type": "Bogus"}}, 'at Hours/Type: "Bogus" is not one of ["AllHours",'),
    ],
)
def test_a_body_against_the_schema_is_told_in_json_words_at_the_failing_leaf(
    http: httpx.Client, body: dict[str, object], message: str
) -> None:
    answer = http.patch("/Users(1)", json=body)
    assert answer.status_code == 400
    assert message in answer.json()["error"]["message"]
    assert "True" not in answer.json()["error"]["message"] and "None" not in answer.json()["error"]["message"]

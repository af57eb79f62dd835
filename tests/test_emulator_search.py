"""`$search` as OData reads it: words, "phrases", NOT, AND (also implied), OR and parentheses, in that order."""

from __future__ import annotations

import pytest
from odata_answers import refused_query
from threecx_xapi.testing import Emulator
from threecx_xapi.testing._search import SearchError, compile_search

ROWS = [
    {"Id": 1, "Name": "Alex Smith", "City": "London"},
    {"Id": 2, "Name": "Sam O'Brien", "City": "Dublin"},
    {"Id": 3, "Name": "Alex Jones", "City": "Dublin"},
    {"Id": 4, "Name": "Kim Lee", "City": "New York"},
]


def found(search: str) -> list[int]:
    matches = compile_search(search)
    return [row["Id"] for row in ROWS if matches(row)]


@pytest.mark.parametrize(
    ("search", "ids"),
    [
        ("alex", [1, 3]),
        ("alex dublin", [3]),  # AND between terms, implied
        ("alex AND dublin", [3]),
        ("alex OR kim", [1, 3, 4]),
        ("NOT alex", [2, 4]),
        ("alex OR kim dublin", [1, 3]),  # AND binds tighter than OR
        ("(alex OR kim) NOT dublin", [1, 4]),
        ('"new york"', [4]),
        ('"york new"', []),  # a phrase keeps its order
        ("o'brien", [2]),
        ("alex or kim", []),  # operators are upper case: here 'or' is a word no row holds
    ],
)
def test_search_expressions_read_as_odata_reads_them(search: str, ids: list[int]) -> None:
    assert found(search) == ids


@pytest.mark.parametrize("search", ["(alex", "alex)", "alex OR", "NOT", "()", '"open'])
def test_a_malformed_search_is_refused(search: str) -> None:
    with pytest.raises(SearchError):
        found(search)


def test_search_over_http_takes_or_and_refuses_a_bad_expression() -> None:
    with Emulator(collection_size=6) as pbx, pbx.client() as client:
        http = client.get_httpx_client()
        users = pbx.entities("Users")
        first, second = str(users[0]["FirstName"]), str(users[1]["FirstName"])
        answer = http.get("/Users", params={"$search": f"{first} OR {second}", "$select": "Id"}).json()["value"]
        expected = [
            user["Id"]
            for user in users
            if any(
                isinstance(v, str) and (first.lower() in v.lower() or second.lower() in v.lower())
                for v in user.values()
            )
        ]
        assert [row["Id"] for row in answer] == expected and len(expected) >= 2
        assert "Syntax error" in refused_query(http.get("/Users", params={"$search": "(alex"}))

"""`$filter` expressions built with `F` and `literal`, and the query options a generated list function sends."""

from __future__ import annotations

import datetime
import enum
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from threecx_xapi import XapiClient
from threecx_xapi.api.users import list_user
from threecx_xapi.odata import F, Filter, literal
from threecx_xapi.testing.odata_abnf import parse_literal

UTC = datetime.UTC
PLUS_TWO = datetime.timezone(datetime.timedelta(hours=2))


# --- literal() -----------------------------------------------------------------------------------------------


class Status(enum.Enum):
    ACTIVE = "Active"


LITERALS: list[tuple[object, str]] = [
    ("O'Brien", "'O''Brien'"),
    ("", "''"),
    ("a&b#c d+e", "'a&b#c d+e'"),
    (None, "null"),
    (True, "true"),
    (False, "false"),
    (42, "42"),
    (-7, "-7"),
    (0.5, "0.5"),
    (float("inf"), "INF"),
    (float("-inf"), "-INF"),
    (float("nan"), "NaN"),
    (Decimal("12.50"), "12.50"),
    (datetime.datetime(2026, 9, 12, tzinfo=UTC), "2026-09-12T00:00:00Z"),
    (datetime.datetime(2026, 9, 12, 2, 30, tzinfo=PLUS_TWO), "2026-09-12T02:30:00+02:00"),
    (datetime.date(2026, 9, 12), "2026-09-12"),
    (datetime.time(8, 30), "08:30:00"),
    (datetime.timedelta(minutes=90), "duration'PT1H30M'"),
    (uuid.UUID(int=1), "00000000-0000-0000-0000-000000000001"),
    (Status.ACTIVE, "'Active'"),
]


@pytest.mark.parametrize(("value", "expected"), LITERALS, ids=[repr(value) for value, _ in LITERALS])
def test_literal_writes_the_odata_form_of_each_python_value(value: object, expected: str) -> None:
    assert literal(value) == expected


@pytest.mark.parametrize("value", [object(), b"bytes", ["a"], {"a": 1}, {"a"}, 1j])
def test_literal_of_an_unsupported_type_is_a_type_error(value: object) -> None:
    with pytest.raises(TypeError, match="has no OData literal"):
        literal(value)


def test_literal_refuses_values_without_an_odata_form() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        literal(datetime.datetime(2026, 9, 12))
    with pytest.raises(ValueError, match="without a timezone"):
        literal(datetime.time(8, 30, tzinfo=UTC))


@given(st.text(alphabet=st.characters() | st.sampled_from("'() ,=")))
def test_a_string_literal_reads_back_exactly_with_the_abnf_reader(text: str) -> None:
    assert parse_literal(literal(text), "Edm.String") == text


# --- F and Filter --------------------------------------------------------------------------------------------

COMPARISONS: list[tuple[Filter, str]] = [
    (F("Number") == "O'Brien", "Number eq 'O''Brien'"),
    (F("Number") != "100", "Number ne '100'"),
    (F("Id") < 10, "Id lt 10"),
    (F("Id") <= 10, "Id le 10"),
    (F("Id") > 10, "Id gt 10"),
    (F("Id") >= 10, "Id ge 10"),
    (F("Enabled") == True, "Enabled eq true"),  # noqa: E712 - the builder overloads ==
    (F("Enabled").eq(False), "Enabled eq false"),
    (F("EmailAddress") == None, "EmailAddress eq null"),  # noqa: E711 - the builder overloads ==
    (F("EmailAddress").eq(None), "EmailAddress eq null"),
    (F("EmailAddress") != None, "EmailAddress ne null"),  # noqa: E711
    (F("StartTime") >= datetime.datetime(2026, 9, 12, tzinfo=UTC), "StartTime ge 2026-09-12T00:00:00Z"),
    (
        F("StartTime") < datetime.datetime(2026, 9, 12, 2, tzinfo=PLUS_TWO),
        "StartTime lt 2026-09-12T02:00:00+02:00",
    ),
    (F("Group/Name") == "Sales", "Group/Name eq 'Sales'"),
    (F("Number").in_(["200", "201"]), "Number in ('200','201')"),
    (F("Id").in_(range(1, 4)), "Id in (1,2,3)"),
    (F("Name").contains("O'Brien"), "contains(Name,'O''Brien')"),
    (F("Number").startswith("1"), "startswith(Number,'1')"),
    (F("EmailAddress").endswith("@example.com"), "endswith(EmailAddress,'@example.com')"),
]


@pytest.mark.parametrize(("expression", "expected"), COMPARISONS, ids=[text for _, text in COMPARISONS])
def test_comparisons_and_functions_write_literals_never_raw_input(expression: Filter, expected: str) -> None:
    assert isinstance(expression, str) and isinstance(expression, Filter)
    assert expression == expected


first, second, third = F("A") == 1, F("B") == 2, F("C") == 3
COMBINATIONS: list[tuple[Filter, str]] = [
    (first & second, "A eq 1 and B eq 2"),
    (first | second, "A eq 1 or B eq 2"),
    (~first, "not (A eq 1)"),
    ((first | second) & third, "(A eq 1 or B eq 2) and C eq 3"),
    (third & (first | second), "C eq 3 and (A eq 1 or B eq 2)"),
    (first | second & third, "A eq 1 or B eq 2 and C eq 3"),
    ((first & second) | third, "A eq 1 and B eq 2 or C eq 3"),
    (~(first | second) & third, "not (A eq 1 or B eq 2) and C eq 3"),
    ((first | second) & (second | third), "(A eq 1 or B eq 2) and (B eq 2 or C eq 3)"),
    (first & second & third, "A eq 1 and B eq 2 and C eq 3"),
]


@pytest.mark.parametrize(("expression", "expected"), COMBINATIONS, ids=[text for _, text in COMBINATIONS])
def test_and_or_not_keep_the_meaning_python_gave_them(expression: Filter, expected: str) -> None:
    assert expression == expected


def test_the_documented_example() -> None:
    expression = (F("Number").startswith("1") | F("Number").in_(["200", "201"])) & ~F("Enabled").eq(False)
    assert expression == "(startswith(Number,'1') or Number in ('200','201')) and not (Enabled eq false)"


@pytest.mark.parametrize(
    "build",
    [
        lambda: F("Id") == object(),
        lambda: F("Id").in_([1, object()]),
        lambda: F("Data") == b"raw",
        lambda: F("Name").contains(5),  # type: ignore[arg-type]
        lambda: F("Name").startswith(None),  # type: ignore[arg-type]
        lambda: (F("A") == 1) & "B eq 2",
        lambda: "B eq 2" | (F("A") == 1),  # type: ignore[operator]
    ],
    ids=["object", "in-object", "bytes", "contains-int", "startswith-none", "and-raw-string", "or-raw-string"],
)
def test_building_with_an_unsupported_type_is_a_type_error(build: Any) -> None:
    with pytest.raises(TypeError):
        build()


@pytest.mark.parametrize("path", ["", "Number eq '1' or 1", "Name)", "1Number", "Group//Name", "Name/"])
def test_a_property_path_is_names_only(path: str) -> None:
    with pytest.raises(ValueError, match="not an OData property path"):
        F(path)


def test_in_needs_a_value() -> None:
    with pytest.raises(ValueError, match="at least one value"):
        F("Number").in_([])


def test_a_naive_datetime_in_a_filter_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        _ = F("StartTime") >= datetime.datetime(2026, 9, 12)


@given(st.text(alphabet=st.characters() | st.sampled_from("'(),= ")))
def test_a_contains_value_cannot_end_its_literal_early(text: str) -> None:
    expression = F("Name").contains(text)
    assert expression.startswith("contains(Name,") and expression.endswith(")")
    assert parse_literal(expression.removeprefix("contains(Name,").removesuffix(")"), "Edm.String") == text


# --- query options through a generated list function ---------------------------------------------------------


class Recorder:
    """An in-process PBX: answers the token request and records every API request."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/connect/token":
            return httpx.Response(200, json={"access_token": "t0ken", "token_type": "Bearer", "expires_in": 3600})
        self.requests.append(request)
        return httpx.Response(200, json={"value": []})


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def client(recorder: Recorder) -> Iterator[XapiClient]:
    transport = httpx.MockTransport(recorder)
    with XapiClient(
        "https://pbx.example.com", "demo-client", "demo-secret", httpx_args={"transport": transport}
    ) as xapi:
        yield xapi


def sent_query(recorder: Recorder) -> dict[str, str]:
    """The query options of the last request, decoded as a server decodes them."""
    pairs = parse_qsl(urlsplit(str(recorder.requests[-1].url)).query, keep_blank_values=True, strict_parsing=True)
    return dict(pairs)


def test_a_filter_reaches_the_pbx_exactly_with_reserved_characters_and_offsets(
    client: XapiClient, recorder: Recorder
) -> None:
    expression = (F("Name") == "a&b=c#d e+f") & (F("StartTime") >= datetime.datetime(2026, 9, 12, 2, tzinfo=PLUS_TWO))
    list_user.sync_detailed(client=client, filter_=expression)
    assert sent_query(recorder) == {"$filter": "Name eq 'a&b=c#d e+f' and StartTime ge 2026-09-12T02:00:00+02:00"}
    raw_query = urlsplit(str(recorder.requests[-1].url)).query
    assert "%2B02%3A00" in raw_query, "an offset's + is percent-encoded in the query, or a server reads a space"


SEARCHES = [
    ("Smith", "Smith"),
    ("John Smith", '"John Smith"'),
    ('"John Smith"', '"John Smith"'),
    ('say "hi" now', '"say \\"hi\\" now"'),
    ("C:\\Users name", '"C:\\\\Users name"'),
    ("tab\tseparated", '"tab\tseparated"'),
]


@pytest.mark.parametrize(("search", "sent"), SEARCHES, ids=[search for search, _ in SEARCHES])
def test_search_is_quoted_when_it_holds_whitespace(
    client: XapiClient, recorder: Recorder, search: str, sent: str
) -> None:
    list_user.sync_detailed(client=client, search=search)
    assert sent_query(recorder) == {"$search": sent}


@pytest.mark.parametrize(("count", "sent"), [(True, "true"), (False, "false")])
def test_count_is_sent_as_true_or_false(client: XapiClient, recorder: Recorder, count: bool, sent: str) -> None:
    list_user.sync_detailed(client=client, count=count)
    assert sent_query(recorder) == {"$count": sent}


def test_list_options_accept_one_name_and_send_nothing_they_were_not_given(
    client: XapiClient, recorder: Recorder
) -> None:
    list_user.sync_detailed(client=client, select="Number", orderby=("Number desc",), expand=iter(["Groups"]))  # type: ignore[arg-type]
    assert sent_query(recorder) == {"$select": "Number", "$orderby": "Number desc", "$expand": "Groups"}
    list_user.sync_detailed(client=client)
    assert sent_query(recorder) == {}


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"select": ["Id", ""]}, ValueError, r"\$select has an empty item"),
        ({"orderby": ["Number", 1]}, TypeError, r"\$orderby items must be str"),
        ({"search": 42}, TypeError, r"\$search must be str"),
        ({"count": "yes"}, TypeError, r"'\$count' expects bool"),
        ({"top": "5"}, TypeError, r"'\$top' expects int"),
        ({"top": True}, TypeError, r"'\$top' expects int"),
        ({"skip": -1}, ValueError, r"'\$skip' \(Edm.Int64\) must be at least 0"),
        ({"top": 2**63}, ValueError, r"'\$top' \(Edm.Int64\) must be between"),
        ({"filter_": 42}, TypeError, r"'\$filter' expects str"),
        ({"filter_": None}, TypeError, r"'\$filter' expects str"),
    ],
    ids=[
        "empty-select",
        "int-orderby",
        "int-search",
        "str-count",
        "str-top",
        "bool-top",
        "negative-skip",
        "int64-overflow-top",
        "int-filter",
        "none-filter",
    ],
)
def test_bad_query_options_fail_before_any_request(
    client: XapiClient, recorder: Recorder, arguments: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        list_user.sync_detailed(client=client, **arguments)
    assert recorder.requests == []

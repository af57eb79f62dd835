"""iterate/aiterate: every item once, in order, one page at a time, with the same options on every page."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from urllib.parse import unquote

import httpx
import pytest
from threecx_xapi import ServerError, aiterate, iterate
from threecx_xapi.api.report_call_log_data import get_call_log_data
from threecx_xapi.api.users import list_user
from xapi_fakes import CALL_LOG_ALL_CALLS, PBX_URL, FakePbx

TOTAL = 10_000


def user(number: int) -> dict[str, object]:
    return {"Id": number, "Number": f"{number:05d}"}


def paged_users(total: int = TOTAL) -> Callable[[httpx.Request], httpx.Response]:
    """A collection of `total` users served by $top/$skip."""

    def route(request: httpx.Request) -> httpx.Response:
        skip = int(request.url.params.get("$skip", 0))
        top = int(request.url.params.get("$top", total))
        return httpx.Response(200, json={"value": [user(n) for n in range(skip, min(skip + top, total))]})

    return route


def linked_users(link: Callable[[int], str], total: int = 1_000, server_page: int = 100) -> FakePbx:
    """A PBX that pages by itself: `server_page` users a page, and `@odata.nextLink` = link(next offset)."""

    def route(request: httpx.Request) -> httpx.Response:
        start = int(request.url.params.get("$skiptoken", 0))
        end = min(start + server_page, total)
        body: dict[str, object] = {"value": [user(n) for n in range(start, end)]}
        if end < total:
            body["@odata.nextLink"] = link(end)
        return httpx.Response(200, json=body)

    return FakePbx(route)


def page_queries(pbx: FakePbx) -> list[dict[str, str]]:
    return [dict(request.url.params) for request in pbx.requests]


def test_ten_thousand_items_in_pages_of_100_come_once_each_in_order() -> None:
    pbx = FakePbx(paged_users())
    with pbx.client() as client:
        numbers = [item.id for item in iterate(list_user, client=client, page_size=100)]
    assert numbers == list(range(TOTAL))
    assert page_queries(pbx) == [{"$top": "100", "$skip": str(skip)} for skip in range(0, TOTAL + 1, 100)]


async def test_ten_thousand_items_in_pages_of_100_come_once_each_in_order_async() -> None:
    pbx = FakePbx(paged_users())
    async with pbx.client() as client:
        numbers = [item.id async for item in aiterate(list_user, client=client, page_size=100)]
    assert numbers == list(range(TOTAL))
    assert page_queries(pbx) == [{"$top": "100", "$skip": str(skip)} for skip in range(0, TOTAL + 1, 100)]


def test_a_short_last_page_ends_the_iteration_without_another_request() -> None:
    pbx = FakePbx(paged_users(250))
    with pbx.client() as client:
        assert len(list(iterate(list_user, client=client, page_size=100))) == 250
    assert [query["$skip"] for query in page_queries(pbx)] == ["0", "100", "200"]


def test_pages_are_requested_only_as_items_are_taken() -> None:
    pbx = FakePbx(paged_users())
    with pbx.client() as client:
        items = iterate(list_user, client=client, page_size=100)
        assert pbx.requests == []  # nothing is asked before the first item is
        taken = list(itertools.islice(items, 150))
        assert len(pbx.requests) == 2
        taken += list(itertools.islice(items, 50))
        assert len(pbx.requests) == 2  # the second page is still being read
        next(items)
        assert len(pbx.requests) == 3
    assert [item.id for item in taken] == list(range(200))


async def test_pages_are_requested_only_as_items_are_taken_async() -> None:
    pbx = FakePbx(paged_users())
    async with pbx.client() as client:
        taken = []
        async for item in aiterate(list_user, client=client, page_size=100):
            taken.append(item.id)
            if len(taken) == 150:
                break
    assert len(pbx.requests) == 2 and taken == list(range(150))


def test_the_filters_and_options_go_with_every_page() -> None:
    pbx = FakePbx(paged_users(300))
    options = {"filter_": "startswith(Number,'0')", "select": ["Id", "Number"], "orderby": ["Number"], "count": True}
    with pbx.client() as client:
        assert len(list(iterate(list_user, client=client, page_size=100, **options))) == 300
    expected = {"$filter": "startswith(Number,'0')", "$select": "Id,Number", "$orderby": "Number", "$count": "true"}
    queries = page_queries(pbx)
    assert len(queries) == 4
    for page, query in enumerate(queries):
        assert query == {**expected, "$top": "100", "$skip": str(page * 100)}


async def test_the_filters_and_options_go_with_every_page_async() -> None:
    pbx = FakePbx(paged_users(300))
    async with pbx.client() as client:
        found = [item async for item in aiterate(list_user, client=client, page_size=100, filter_="Id ge 0")]
    assert len(found) == 300
    assert [query["$filter"] for query in page_queries(pbx)] == ["Id ge 0"] * 4


def test_a_function_with_parameters_is_paged_with_the_same_arguments() -> None:
    pbx = FakePbx()
    full_page = {"value": [{"SegmentId": n} for n in range(50)]}
    pbx.answer(200, json=full_page)
    pbx.answer(200, json=full_page)
    with pbx.client() as client:
        calls = iterate(
            get_call_log_data,
            client=client,
            page_size=50,
            period_from=dt.datetime(2026, 9, 12, tzinfo=dt.UTC),
            period_to=dt.datetime(2026, 9, 13, 23, 59, 59, tzinfo=dt.UTC),
            **CALL_LOG_ALL_CALLS,
        )
        assert len(list(calls)) == 100
    assert len(pbx.requests) == 3 and len({request.url.path for request in pbx.requests}) == 1
    assert "periodFrom=2026-09-12T00:00:00Z" in unquote(pbx.requests[2].url.path)
    assert [query["$skip"] for query in page_queries(pbx)] == ["0", "50", "100"]


def test_the_next_link_is_followed_when_the_pbx_gives_one() -> None:
    pbx = linked_users(lambda offset: f"{PBX_URL}/xapi/v1/Users?$filter=Id%20ge%200&$skiptoken={offset}")
    with pbx.client() as client:
        numbers = [item.id for item in iterate(list_user, client=client, page_size=500, filter_="Id ge 0")]
    assert numbers == list(range(1_000))
    queries = page_queries(pbx)
    assert queries[0] == {"$top": "500", "$skip": "0", "$filter": "Id ge 0"}
    assert queries[1:] == [{"$filter": "Id ge 0", "$skiptoken": str(offset)} for offset in range(100, 1_000, 100)]
    assert all(request.headers["Authorization"].startswith("Bearer ") for request in pbx.requests)


async def test_the_next_link_is_followed_when_the_pbx_gives_one_async() -> None:
    pbx = linked_users(lambda offset: f"{PBX_URL}/xapi/v1/Users?$skiptoken={offset}")
    async with pbx.client() as client:
        numbers = [item.id async for item in aiterate(list_user, client=client, page_size=500)]
    assert numbers == list(range(1_000))
    assert [query.get("$skiptoken") for query in page_queries(pbx)] == [None, *map(str, range(100, 1_000, 100))]


@pytest.mark.parametrize(
    "link",
    [
        "Users?$skiptoken={}",
        "/xapi/v1/Users?$skiptoken={}",
        "http://pbx.example.com:5000/xapi/v1/Users?$skiptoken={}",
        "https://elsewhere.example.net/xapi/v1/Users?$skiptoken={}",
    ],
    ids=["relative", "root-relative", "inner-address", "other-host"],
)
def test_a_next_link_is_requested_from_the_clients_own_pbx_address(link: str) -> None:
    pbx = linked_users(link.format, total=300)
    with pbx.client() as client:
        assert len(list(iterate(list_user, client=client))) == 300
    for request in pbx.requests:
        assert (request.url.scheme, request.url.host, request.url.port) == ("https", "pbx.example.com", None)
        assert request.url.path == "/xapi/v1/Users"
    assert [query.get("$skiptoken") for query in page_queries(pbx)] == [None, "100", "200"]


def test_an_error_on_a_later_page_raises_after_the_earlier_items() -> None:
    pbx = FakePbx(paged_users())
    with pbx.client() as client:
        items = iterate(list_user, client=client, page_size=100)
        taken = list(itertools.islice(items, 200))
        pbx.answer(500, json={"error": {"code": "", "message": "database busy"}})
        with pytest.raises(ServerError, match="database busy"):
            next(items)
    assert len(taken) == 200


def test_skip_starts_the_iteration_further_on() -> None:
    pbx = FakePbx(paged_users(250))
    with pbx.client() as client:
        numbers = [item.id for item in iterate(list_user, client=client, skip=120)]
    assert numbers == list(range(120, 250))


@pytest.mark.parametrize("page_size", [0, -1, True, 2.5, "100"])
def test_a_page_size_that_is_no_positive_int_is_refused(page_size: object) -> None:
    with FakePbx().client() as client, pytest.raises(ValueError, match="page_size"):
        next(iterate(list_user, client=client, page_size=page_size))  # type: ignore[arg-type]


def test_top_is_refused_in_favour_of_page_size() -> None:
    with FakePbx().client() as client, pytest.raises(TypeError, match="page_size"):
        next(iterate(list_user, client=client, top=10))

"""Safe retries: idempotent requests on 429/502/503/504, any request that never left; never a POST or PATCH twice."""

from __future__ import annotations

import logging
import random
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
from threecx_xapi import RateLimited, ServerError, TransportError, XapiError, _retries
from threecx_xapi._retries import RetryPolicy, backoff_delay
from threecx_xapi.api.inbound_rules import create_inbound_rule
from threecx_xapi.api.users import delete_user, list_user, update_user
from threecx_xapi.models import InboundRule, User
from xapi_fakes import FakePbx

RETRY_AFTER_1 = {"Retry-After": "1"}


class Waits:
    """Stands in for the waits between attempts (sync and async) and for the jittered backoff."""

    def __init__(self) -> None:
        self.delays: list[float] = []
        self.backoff_attempts: list[int] = []

    def pause(self, seconds: float) -> None:
        self.delays.append(seconds)

    async def apause(self, seconds: float) -> None:
        self.delays.append(seconds)

    def backoff(self, attempt: int, base: float, cap: float) -> float:
        self.backoff_attempts.append(attempt)
        return min(cap, base * 2.0 ** (attempt - 1))  # the jitter's upper bound, so the sums are known


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> Waits:
    recorded = Waits()
    monkeypatch.setattr(_retries, "pause", recorded.pause)
    monkeypatch.setattr(_retries, "apause", recorded.apause)
    monkeypatch.setattr(_retries, "backoff_delay", recorded.backoff)
    return recorded


def new_rule() -> InboundRule:
    return InboundRule(rule_name="Main number", data="+442071234567")


WRITES: list[tuple[str, Callable[..., object]]] = [
    ("POST", lambda client: create_inbound_rule.sync(client=client, body=new_rule())),
    ("PATCH", lambda client: update_user.sync(7, client=client, body=User(first_name="Ada"))),
]


def test_a_get_answered_503_with_retry_after_1_then_200_succeeds_after_one_retry(waits: Waits) -> None:
    pbx = FakePbx()
    pbx.answer(503, json={"error": {"code": "", "message": "busy"}}, headers=RETRY_AFTER_1)
    with pbx.client() as client:
        assert list_user.sync(client=client).value == []
    assert pbx.api_paths == ["/xapi/v1/Users", "/xapi/v1/Users"]
    assert waits.delays == [1.0]


async def test_a_get_answered_503_with_retry_after_1_then_200_succeeds_after_one_retry_async(waits: Waits) -> None:
    pbx = FakePbx()
    pbx.answer(503, json={"error": {"code": "", "message": "busy"}}, headers=RETRY_AFTER_1)
    async with pbx.client() as client:
        assert (await list_user.asyncio(client=client)).value == []
    assert len(pbx.requests) == 2
    assert waits.delays == [1.0]


@pytest.mark.parametrize(("method", "call"), WRITES, ids=[method for method, _ in WRITES])
def test_a_write_answered_503_raises_server_error_and_was_sent_once(
    waits: Waits, method: str, call: Callable[..., object]
) -> None:
    pbx = FakePbx()
    pbx.answer(503, json={"error": {"code": "", "message": "busy"}}, headers=RETRY_AFTER_1)
    with pbx.client() as client, pytest.raises(ServerError) as raised:
        call(client)
    assert [request.method for request in pbx.requests] == [method]
    assert raised.value.status_code == 503 and raised.value.method == method
    assert waits.delays == []


async def test_a_post_answered_503_raises_server_error_and_was_sent_once_async(waits: Waits) -> None:
    pbx = FakePbx()
    pbx.answer(503, json={"error": {"code": "", "message": "busy"}}, headers=RETRY_AFTER_1)
    async with pbx.client() as client:
        with pytest.raises(ServerError):
            await create_inbound_rule.asyncio(client=client, body=new_rule())
    assert len(pbx.requests) == 1 and waits.delays == []


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_each_retried_status_is_retried_for_an_idempotent_method(waits: Waits, status: int) -> None:
    pbx = FakePbx(lambda request: httpx.Response(204))
    pbx.answer(status, json={"error": {"code": "", "message": "later"}})
    with pbx.client() as client:
        delete_user.sync(7, client=client)  # DELETE is idempotent
    assert [request.method for request in pbx.requests] == ["DELETE", "DELETE"]
    assert waits.backoff_attempts == [1]


@pytest.mark.parametrize("status", [400, 401, 404, 500, 501])
def test_other_statuses_are_not_retried(waits: Waits, status: int) -> None:
    pbx = FakePbx()
    pbx.answer(status, json={"error": {"code": "", "message": "no"}})
    pbx.answer(status, json={"error": {"code": "", "message": "no"}})
    with pbx.client() as client, pytest.raises(XapiError):
        list_user.sync(client=client)
    assert len(pbx.requests) == (2 if status == 401 else 1)  # a 401 is the auth layer's one refresh and retry
    assert waits.delays == []


@pytest.mark.parametrize("method", ["GET", "POST", "PATCH"])
@pytest.mark.parametrize("error", [httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout])
def test_a_request_that_never_left_is_retried_for_any_method(
    waits: Waits, method: str, error: type[httpx.TransportError]
) -> None:
    pbx = FakePbx(lambda request: httpx.Response(200 if request.method == "GET" else 201, json={"value": []}))
    pbx.fail(error("connection refused"))
    with pbx.client() as client:
        response = client.get_httpx_client().request(method, "InboundRules", json={"RuleName": "x"})
    assert response.is_success
    assert [request.method for request in pbx.requests] == [method, method]
    assert waits.backoff_attempts == [1]


async def test_a_connect_error_is_retried_async(waits: Waits) -> None:
    pbx = FakePbx()
    pbx.fail(httpx.ConnectError("connection refused"))
    async with pbx.client() as client:
        assert (await list_user.asyncio(client=client)).value == []
    assert len(pbx.requests) == 2 and waits.backoff_attempts == [1]


@pytest.mark.parametrize("error", [httpx.ReadTimeout, httpx.ReadError, httpx.RemoteProtocolError])
def test_a_post_that_may_have_reached_the_pbx_is_not_retried(waits: Waits, error: type[httpx.TransportError]) -> None:
    pbx = FakePbx()
    pbx.fail(error("the connection dropped"))
    with pbx.client() as client, pytest.raises(TransportError) as raised:
        create_inbound_rule.sync(client=client, body=new_rule())
    assert len(pbx.requests) == 1 and waits.delays == []
    assert raised.value.method == "POST" and raised.value.url == "https://pbx.example.com/xapi/v1/InboundRules"
    assert error.__name__ in str(raised.value)
    assert isinstance(raised.value.__cause__, error)


def test_a_connect_error_on_every_attempt_raises_transport_error_after_the_last(waits: Waits) -> None:
    pbx = FakePbx()
    for _ in range(10):
        pbx.fail(httpx.ConnectError("connection refused"))
    with pbx.client() as client, pytest.raises(TransportError, match="ConnectError: connection refused"):
        list_user.sync(client=client)
    assert len(pbx.requests) == RetryPolicy.MAX_ATTEMPTS
    assert waits.backoff_attempts == [1, 2, 3]


def test_the_token_request_is_retried_when_it_never_left(waits: Waits) -> None:
    pbx = FakePbx()
    issue, failures = pbx.token_route, [httpx.ConnectError("connection refused")]

    def token_route(n: int) -> httpx.Response:
        if failures:
            raise failures.pop()
        return issue(n)

    pbx.token_route = token_route
    with pbx.client() as client:
        assert list_user.sync(client=client).value == []
    assert len(pbx.token_requests) == 2 and len(pbx.tokens) == 1


@pytest.mark.parametrize("status", [429, 503])
def test_a_token_request_answered_with_a_retried_status_is_asked_again(waits: Waits, status: int) -> None:
    pbx = FakePbx()
    issue = pbx.token_route
    pbx.token_route = lambda n: httpx.Response(status, headers=RETRY_AFTER_1) if n == 1 else issue(n)
    with pbx.client() as client:
        assert list_user.sync(client=client).value == []
    assert len(pbx.token_requests) == 2 and waits.delays == [1.0]


class _UndecodableBody(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body its Content-Encoding header says is gzip, which it is not: reading it fails as it streams."""

    def __iter__(self) -> Iterator[bytes]:
        yield b"not gzip at all"

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield b"not gzip at all"


def test_a_body_that_does_not_decode_is_a_transport_error_naming_the_request(waits: Waits) -> None:
    pbx = FakePbx(lambda request: httpx.Response(200, headers={"Content-Encoding": "gzip"}, stream=_UndecodableBody()))
    with pbx.client() as client, pytest.raises(TransportError, match="DecodingError") as raised:
        list_user.sync(client=client)
    assert (raised.value.method, raised.value.url) == ("GET", "https://pbx.example.com/xapi/v1/Users")
    assert len(pbx.requests) == 1  # an answer came: the GET is not asked again


def test_attempts_are_capped(waits: Waits) -> None:
    pbx = FakePbx()
    for _ in range(10):
        pbx.answer(503, json={"error": {"code": "", "message": "busy"}})
    with pbx.client(retry=RetryPolicy(max_attempts=3)) as client, pytest.raises(ServerError):
        list_user.sync(client=client)
    assert len(pbx.requests) == 3
    assert waits.backoff_attempts == [1, 2]
    assert waits.delays == [0.5, 1.0]


def test_backoff_grows_up_to_its_cap(waits: Waits) -> None:
    pbx = FakePbx()
    for _ in range(10):
        pbx.answer(502, json={"error": {"code": "", "message": "bad gateway"}})
    policy = RetryPolicy(max_attempts=6, backoff_base=1.0, backoff_cap=4.0, max_total_delay=100.0)
    with pbx.client(retry=policy) as client, pytest.raises(ServerError):
        list_user.sync(client=client)
    assert waits.delays == [1.0, 2.0, 4.0, 4.0, 4.0]


def test_the_total_delay_is_capped(waits: Waits) -> None:
    pbx = FakePbx()
    for _ in range(10):
        pbx.answer(503, json={"error": {"code": "", "message": "busy"}}, headers={"Retry-After": "12"})
    with pbx.client(retry=RetryPolicy(max_attempts=10, max_total_delay=30)) as client, pytest.raises(ServerError):
        list_user.sync(client=client)
    assert waits.delays == [12.0, 12.0]  # a third wait would pass 30 s
    assert len(pbx.requests) == 3


def test_a_retry_after_beyond_the_budget_returns_the_answer_with_retry_after(waits: Waits) -> None:
    pbx = FakePbx()
    pbx.answer(429, json={"error": {"code": "", "message": "slow down"}}, headers={"Retry-After": "120"})
    with pbx.client() as client, pytest.raises(RateLimited) as raised:
        list_user.sync(client=client)
    assert raised.value.retry_after == 120.0
    assert len(pbx.requests) == 1 and waits.delays == []


def test_retry_after_as_an_http_date_is_honoured(waits: Waits) -> None:
    pbx = FakePbx()
    when = datetime.now(UTC) + timedelta(seconds=10)
    pbx.answer(
        429, json={"error": {"code": "", "message": "slow down"}}, headers={"Retry-After": format_datetime(when)}
    )
    with pbx.client() as client:
        list_user.sync(client=client)
    (delay,) = waits.delays
    assert 8.0 <= delay <= 10.0  # the date has whole seconds, and time passes between answer and reading


def test_retries_can_be_turned_off_or_given_other_statuses(waits: Waits) -> None:
    pbx = FakePbx()
    pbx.answer(503, json={"error": {"code": "", "message": "busy"}})
    with pbx.client(retry=RetryPolicy(max_attempts=1)) as client, pytest.raises(ServerError):
        list_user.sync(client=client)
    pbx.answer(500, json={"error": {"code": "", "message": "flaky"}})
    with pbx.client(retry=RetryPolicy(statuses=frozenset({500}))) as client:
        list_user.sync(client=client)
    assert len(pbx.requests) == 3 and len(waits.delays) == 1


@pytest.mark.parametrize("arguments", [{"max_attempts": 0}, {"backoff_base": -1.0}, {"max_total_delay": -1.0}], ids=str)
def test_a_policy_that_cannot_work_is_refused(arguments: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="RetryPolicy"):
        RetryPolicy(**arguments)  # type: ignore[arg-type]


def test_backoff_has_full_jitter_below_the_exponential_cap() -> None:
    random.seed(4)
    for attempt, ceiling in [(1, 0.5), (2, 1.0), (3, 2.0), (6, 8.0), (30, 8.0)]:
        samples = [backoff_delay(attempt, 0.5, 8.0) for _ in range(200)]
        assert all(0.0 <= sample <= ceiling for sample in samples)
        assert max(samples) > ceiling * 0.8 and min(samples) < ceiling * 0.2  # spread over the whole range


def test_each_attempt_logs_one_debug_line(waits: Waits, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="threecx_xapi")
    pbx = FakePbx()
    pbx.fail(httpx.ConnectError("connection refused"))
    pbx.answer(503, json={"error": {"code": "", "message": "busy"}}, headers=RETRY_AFTER_1)
    with pbx.client() as client:
        list_user.sync(client=client)
    lines = [record.getMessage() for record in caplog.records if record.name == "threecx_xapi"]
    shapes = [(line.split(" in ")[0], line.rsplit(" (", 1)[1]) for line in lines]
    assert shapes == [
        ("POST /connect/token -> 200", "attempt 1)"),
        ("GET /xapi/v1/Users -> ConnectError", "attempt 1)"),
        ("GET /xapi/v1/Users -> 503", "attempt 2)"),
        ("GET /xapi/v1/Users -> 200", "attempt 3)"),
    ]
    assert all(record.levelno == logging.DEBUG for record in caplog.records)

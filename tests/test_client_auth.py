"""One token per client, shared by every thread and task, refreshed ahead of expiry and once after a 401."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from threecx_xapi import AuthenticationError, XapiClient
from threecx_xapi.api.users import list_user
from xapi_fakes import CLIENT_SECRET, FakePbx, make_jwt, token_answer

EPOCH = 1_900_000_000.0  # the fake clock's start: tokens are judged by it, never by the wall clock
TOKEN_PATH = "/connect/token"


class Clock:
    def __init__(self) -> None:
        self.now = EPOCH

    def __call__(self) -> float:
        return self.now


def clocked(pbx: FakePbx, clock: Clock) -> XapiClient:
    client = pbx.client()
    client.auth.clock = clock
    return client


def jwt_tokens(clock: Clock, lifetime: float, expires_in: float | None = 3600) -> Callable[[int], httpx.Response]:
    """Token answers carrying a JWT that expires `lifetime` seconds after the fake clock's now."""
    return lambda n: token_answer(make_jwt(clock.now + lifetime, n=n), expires_in)


def rejecting_expired(clock: Clock, expiry: dict[str, float]) -> Callable[[httpx.Request], httpx.Response]:
    """An API that answers 401 to a token at or past the expiry the PBX gave it."""

    def route(request: httpx.Request) -> httpx.Response:
        token = request.headers["Authorization"].removeprefix("Bearer ")
        if clock.now >= expiry[token]:
            return httpx.Response(401, json={"error": {"code": "", "message": "token expired"}})
        return httpx.Response(200, json={"value": []})

    return route


def test_fifty_threads_make_exactly_one_token_request() -> None:
    pbx = FakePbx(token_delay=0.02)  # slow enough that every thread arrives while the first token is in flight
    client = pbx.client()
    start = threading.Barrier(50, timeout=10)

    def call(_: int) -> None:
        start.wait()
        list_user.sync(client=client)

    try:
        with ThreadPoolExecutor(max_workers=50) as pool:
            list(pool.map(call, range(50)))
    finally:
        client.close()
    assert len(pbx.token_requests) == 1
    assert len(pbx.requests) == 50
    assert set(pbx.bearer_tokens()) == {pbx.tokens[0]}


async def test_two_hundred_tasks_make_exactly_one_token_request() -> None:
    pbx = FakePbx(token_delay=0.02)
    async with pbx.client() as client:
        await asyncio.gather(*(list_user.asyncio(client=client) for _ in range(200)))
    assert len(pbx.token_requests) == 1
    assert len(pbx.requests) == 200
    assert set(pbx.bearer_tokens()) == {pbx.tokens[0]}


def test_the_token_request_posts_the_client_credentials() -> None:
    pbx = FakePbx()
    with pbx.client() as client:
        list_user.sync(client=client)
    (token_request,) = pbx.token_requests
    assert str(token_request.url) == "https://pbx.example.com/connect/token"
    assert token_request.method == "POST"
    assert dict(httpx.QueryParams(token_request.content.decode())) == {
        "client_id": "fake-client",
        "client_secret": CLIENT_SECRET,
        "grant_type": "client_credentials",
    }


def test_an_expired_token_makes_exactly_one_refresh_among_threads() -> None:
    clock = Clock()
    pbx = FakePbx(token_delay=0.02)
    pbx.token_route = jwt_tokens(clock, lifetime=3600)
    client = clocked(pbx, clock)
    start = threading.Barrier(20, timeout=10)

    def call(_: int) -> None:
        start.wait()
        list_user.sync(client=client)

    try:
        list_user.sync(client=client)
        clock.now += 3600  # the first token has expired
        with ThreadPoolExecutor(max_workers=20) as pool:
            list(pool.map(call, range(20)))
    finally:
        client.close()
    assert len(pbx.token_requests) == 2
    assert pbx.bearer_tokens() == [pbx.tokens[0]] + [pbx.tokens[1]] * 20


async def test_an_expired_token_makes_exactly_one_refresh_among_tasks() -> None:
    clock = Clock()
    pbx = FakePbx(token_delay=0.02)
    pbx.token_route = jwt_tokens(clock, lifetime=3600)
    async with clocked(pbx, clock) as client:
        await list_user.asyncio(client=client)
        clock.now += 3600
        await asyncio.gather(*(list_user.asyncio(client=client) for _ in range(50)))
    assert len(pbx.token_requests) == 2
    assert pbx.bearer_tokens() == [pbx.tokens[0]] + [pbx.tokens[1]] * 50


def test_threads_and_tasks_sharing_one_client_make_exactly_one_token_request() -> None:
    pbx = FakePbx(token_delay=0.1)
    client = pbx.client()

    async def tasks() -> None:
        await asyncio.gather(*(list_user.asyncio(client=client) for _ in range(20)))
        await client.aclose()

    threads = [threading.Thread(target=list_user.sync, kwargs={"client": client}) for _ in range(10)]
    for thread in threads:
        thread.start()
    asyncio.run(tasks())
    for thread in threads:
        thread.join()
    client.close()
    assert len(pbx.token_requests) == 1
    assert set(pbx.bearer_tokens()) == {pbx.tokens[0]} and len(pbx.requests) == 30


def test_one_client_serves_one_event_loop_after_another() -> None:
    """Jobs that each run `asyncio.run` share the client: the token lock belongs to no event loop."""
    clock = Clock()
    pbx = FakePbx(token_delay=0.02)
    pbx.token_route = jwt_tokens(clock, lifetime=3600)
    client = clocked(pbx, clock)

    async def job() -> None:
        await asyncio.gather(*(list_user.asyncio(client=client) for _ in range(20)))
        await client.aclose()

    for _ in range(3):
        asyncio.run(job())
        clock.now += 3600  # each job meets an expired token, so its tasks contend for the refresh
    assert len(pbx.token_requests) == 3 and len(pbx.requests) == 60


async def test_a_sync_call_inside_the_loop_that_is_fetching_the_token_raises_instead_of_hanging() -> None:
    pbx = FakePbx(token_delay=0.2)
    client = pbx.client()
    fetching = asyncio.create_task(list_user.asyncio(client=client))
    while not client.auth._lock.locked():  # until the task holds the token lock and waits for the answer
        await asyncio.sleep(0.001)
    with pytest.raises(RuntimeError, match=r"asyncio\(\)"):
        list_user.sync(client=client)
    await fetching
    await client.aclose()
    client.close()
    assert len(pbx.token_requests) == 1


@pytest.mark.parametrize("skew", [-600.0, 600.0], ids=["pbx-clock-behind", "pbx-clock-ahead"])
def test_a_pbx_clock_off_from_ours_gets_one_token_for_the_tokens_lifetime(skew: float) -> None:
    """`exp - iat` is the lifetime: both claims are on the PBX's clock."""
    clock = Clock()
    pbx = FakePbx()
    pbx.token_route = lambda n: token_answer(make_jwt(clock.now + skew + 300, iat=clock.now + skew, n=n), 300)
    with clocked(pbx, clock) as client:
        for _ in range(5):
            list_user.sync(client=client)
            clock.now += 30
        assert len(pbx.token_requests) == 1
        clock.now += 150  # 300 s after the token was issued: past its life
        list_user.sync(client=client)
    assert len(pbx.token_requests) == 2 and pbx.bearer_tokens() == [pbx.tokens[0]] * 5 + [pbx.tokens[1]]


def test_a_token_issued_already_expired_is_refreshed_once_on_the_next_request() -> None:
    clock = Clock()
    pbx = FakePbx()
    pbx.token_route = lambda n: token_answer(make_jwt(clock.now - 10 if n == 1 else clock.now + 3600, n=n))
    with clocked(pbx, clock) as client:
        for _ in range(3):
            list_user.sync(client=client)
    assert len(pbx.token_requests) == 2
    assert pbx.bearer_tokens() == [pbx.tokens[0], pbx.tokens[1], pbx.tokens[1]]


def test_a_token_is_refreshed_ahead_of_its_expiry() -> None:
    clock = Clock()
    pbx = FakePbx()
    pbx.token_route = jwt_tokens(clock, lifetime=3600)
    with clocked(pbx, clock) as client:
        list_user.sync(client=client)
        clock.now += 3600 - 61  # just outside the 60 s margin: still the first token
        list_user.sync(client=client)
        clock.now += 2  # inside the margin: refreshed before the PBX would refuse it
        list_user.sync(client=client)
    assert pbx.bearer_tokens() == [pbx.tokens[0], pbx.tokens[0], pbx.tokens[1]]


def test_a_401_makes_one_refresh_and_one_retry() -> None:
    pbx = FakePbx()
    pbx.answer(401, json={"error": {"code": "", "message": "Unauthorized"}})
    with pbx.client() as client:
        page = list_user.sync(client=client)
    assert page.value == []
    assert len(pbx.token_requests) == 2
    assert pbx.bearer_tokens() == pbx.tokens  # the retry carries the new token


async def test_a_401_makes_one_refresh_and_one_retry_async() -> None:
    pbx = FakePbx()
    pbx.answer(401, json={"error": {"code": "", "message": "Unauthorized"}})
    async with pbx.client() as client:
        page = await list_user.asyncio(client=client)
    assert page.value == []
    assert len(pbx.token_requests) == 2
    assert pbx.bearer_tokens() == pbx.tokens


def test_a_second_401_raises_authentication_error() -> None:
    pbx = FakePbx()
    for _ in range(3):
        pbx.answer(401, json={"error": {"code": "", "message": "Unauthorized"}})
    with pbx.client() as client, pytest.raises(AuthenticationError) as raised:
        list_user.sync(client=client)
    assert raised.value.status_code == 401 and raised.value.message == "Unauthorized"
    assert len(pbx.token_requests) == 2 and len(pbx.requests) == 2  # never a loop


async def test_a_second_401_raises_authentication_error_async() -> None:
    pbx = FakePbx()
    for _ in range(3):
        pbx.answer(401, json={"error": {"code": "", "message": "Unauthorized"}})
    async with pbx.client() as client:
        with pytest.raises(AuthenticationError) as raised:
            await list_user.asyncio(client=client)
    assert raised.value.status_code == 401
    assert len(pbx.token_requests) == 2 and len(pbx.requests) == 2


def test_a_401_after_another_thread_refreshed_retries_with_that_token_without_a_third_request() -> None:
    """A refresh revokes the old token: requests already in flight with it are retried with the new one."""
    clock = Clock()
    in_flight, refreshed = threading.Event(), threading.Event()

    def route(request: httpx.Request) -> httpx.Response:
        token = request.headers["Authorization"].removeprefix("Bearer ")
        if token == pbx.tokens[0] and not in_flight.is_set():
            in_flight.set()
            assert refreshed.wait(5), "the main thread never refreshed the token"
        if token != pbx.tokens[-1]:  # a PBX keeps one active token per client
            return httpx.Response(401, json={"error": {"code": "", "message": "token revoked"}})
        return httpx.Response(200, json={"value": []})

    pbx = FakePbx(route)
    pbx.token_route = jwt_tokens(clock, lifetime=3600)
    client = clocked(pbx, clock)
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            slow = pool.submit(list_user.sync, client=client)
            assert in_flight.wait(5)
            clock.now += 3600
            list_user.sync(client=client)  # fetches the second token, revoking the first
            refreshed.set()
            assert slow.result(timeout=5).value == []
    finally:
        client.close()
    assert len(pbx.token_requests) == 2
    assert pbx.bearer_tokens() == [pbx.tokens[0], pbx.tokens[1], pbx.tokens[1]]


@pytest.mark.parametrize("expires_in", [60, 3600, "3600", None, "soon"])
def test_an_opaque_token_is_never_used_past_expires_in_read_as_seconds(expires_in: object) -> None:
    """Before 20.0.9 `expires_in` counted minutes, since then seconds: seconds is the reading never too late."""
    clock = Clock()
    expiry: dict[str, float] = {}

    seconds = float(expires_in) if isinstance(expires_in, int | str) and str(expires_in).isdigit() else 60.0

    def issue(n: int) -> httpx.Response:
        expiry[f"opaque-{n}"] = clock.now + seconds  # the PBX means seconds: the shorter of the two readings
        return httpx.Response(200, json={"access_token": f"opaque-{n}", "expires_in": expires_in})

    pbx = FakePbx(rejecting_expired(clock, expiry))
    pbx.token_route = issue
    with clocked(pbx, clock) as client:
        for _ in range(300):
            list_user.sync(client=client)
            clock.now += 29
    assert len(pbx.requests) == 300, "a 401 would show as a second request for the same call"
    assert 1 < len(pbx.token_requests) < 300


def test_a_jwt_exp_wins_over_a_longer_expires_in() -> None:
    clock = Clock()
    pbx = FakePbx()
    pbx.token_route = jwt_tokens(clock, lifetime=300, expires_in=3600)
    with clocked(pbx, clock) as client:
        list_user.sync(client=client)
        clock.now += 300
        list_user.sync(client=client)
    assert pbx.bearer_tokens() == pbx.tokens and len(pbx.tokens) == 2


def test_a_jwt_exp_wins_over_an_expires_in_in_minutes() -> None:
    """A pre-20.0.9 PBX says `expires_in: 60` for an hour's token: the JWT says an hour, so one token serves."""
    clock = Clock()
    pbx = FakePbx()
    pbx.token_route = jwt_tokens(clock, lifetime=3600, expires_in=60)
    with clocked(pbx, clock) as client:
        for _ in range(10):
            list_user.sync(client=client)
            clock.now += 300
    assert len(pbx.token_requests) == 1


@pytest.mark.parametrize("lifetime", [30, 1800])
def test_a_token_the_pbx_expires_earlier_than_announced_is_recovered_by_the_401_retry(lifetime: float) -> None:
    clock = Clock()
    expiry: dict[str, float] = {}

    def issue(n: int) -> httpx.Response:
        expiry[f"opaque-{n}"] = clock.now + lifetime  # sooner than the announced hour
        return httpx.Response(200, json={"access_token": f"opaque-{n}", "expires_in": 3600})

    pbx = FakePbx(rejecting_expired(clock, expiry))
    pbx.token_route = issue
    with clocked(pbx, clock) as client:
        list_user.sync(client=client)
        clock.now += lifetime
        assert list_user.sync(client=client).value == []
    assert len(pbx.token_requests) == 2
    assert pbx.bearer_tokens() == ["opaque-1", "opaque-1", "opaque-2"]


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (
            httpx.Response(400, json={"error": "invalid_client", "error_description": "Client authentication failed"}),
            "Client authentication failed",
        ),
        (httpx.Response(400, json={"error": "invalid_client"}), "invalid_client"),
        (httpx.Response(500, text="<html><title>500 Internal Server Error</title></html>"), "Internal Server Error"),
        (httpx.Response(200, json={"token_type": "Bearer"}), "no access_token"),
        (httpx.Response(400, json={"error_description": f"secret {CLIENT_SECRET} is wrong"}), "secret *** is wrong"),
    ],
    ids=["error_description", "error", "html", "no-token", "echoed-secret"],
)
def test_a_token_endpoint_failure_raises_authentication_error_with_the_reason_and_no_secret(
    answer: httpx.Response, expected: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="threecx_xapi")
    pbx = FakePbx()
    pbx.token_route = lambda n: answer
    with pbx.client() as client, pytest.raises(AuthenticationError) as raised:
        list_user.sync(client=client)
    error = raised.value
    assert expected in str(error)
    assert error.status_code == answer.status_code
    assert error.method == "POST" and error.url == "https://pbx.example.com/connect/token"
    assert pbx.requests == [], "no API request without a token"
    for text in (str(error), repr(error), caplog.text, *error.args):
        assert CLIENT_SECRET not in text
    lines = [record.getMessage() for record in caplog.records if record.name == "threecx_xapi"]
    assert [line.split(" -> ")[0] for line in lines] == [f"POST {TOKEN_PATH}"]


def test_the_token_endpoint_error_code_is_kept() -> None:
    pbx = FakePbx()
    pbx.token_route = lambda n: httpx.Response(400, json={"error": "invalid_client", "error_description": "bad"})
    with pbx.client() as client, pytest.raises(AuthenticationError) as raised:
        list_user.sync(client=client)
    assert raised.value.code == "invalid_client"


async def test_a_token_endpoint_failure_raises_authentication_error_async() -> None:
    pbx = FakePbx()
    pbx.token_route = lambda n: httpx.Response(401, json={"error": "invalid_client", "error_description": "nope"})
    async with pbx.client() as client:
        with pytest.raises(AuthenticationError, match="nope"):
            await list_user.asyncio(client=client)
    assert pbx.requests == []


def test_a_failed_token_request_does_not_block_the_next_one() -> None:
    pbx = FakePbx()
    issue = pbx.token_route

    def first_fails(n: int) -> httpx.Response:
        return httpx.Response(500, json={"error": "server_error"}) if n == 1 else issue(n)  # 500 is not retried

    pbx.token_route = first_fails
    with pbx.client() as client:
        with pytest.raises(AuthenticationError):
            list_user.sync(client=client)
        assert list_user.sync(client=client).value == []
    assert len(pbx.token_requests) == 2


def test_the_token_is_never_sent_to_another_host() -> None:
    seen: list[httpx.Request] = []
    pbx = FakePbx()
    with pbx.client() as client:
        list_user.sync(client=client)
        original = pbx.route

        def route(request: httpx.Request) -> httpx.Response:
            seen.append(request)
            return original(request)

        pbx.route = route
        client.get_httpx_client().get("https://elsewhere.example.com/xapi/v1/Users")
        client.get_httpx_client().get("http://pbx.example.com/xapi/v1/Users")
        client.get_httpx_client().get("https://pbx.example.com:443/xapi/v1/Users")
    assert ["Authorization" in request.headers for request in seen] == [False, False, True]

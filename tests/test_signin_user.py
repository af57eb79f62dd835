"""A user's own sign-in, as the 3CX web client does it: password, second factor, rotating refresh tokens."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import httpx
import pytest
from signin_support import PASSWORD, login_requests, over, user_client
from threecx_xapi import (
    AccountLocked,
    AuthenticationError,
    MemoryTokenStore,
    RefreshTokenRejected,
    SecondFactorRejected,
    SecondFactorRequired,
    SignInRequired,
    WrongCredentials,
    XapiClient,
)
from threecx_xapi.api.users import list_user
from threecx_xapi.testing import Emulator


@pytest.fixture(params=["http", "in-process"])
def pbx(request: pytest.FixtureRequest) -> Iterator[Emulator]:
    emulator = Emulator(collection_size=3)
    if request.param == "in-process":
        yield emulator
        return
    with emulator:
        yield emulator


def test_a_user_signs_in_with_the_password_and_calls_the_api(pbx: Emulator) -> None:
    with user_client(pbx) as client:
        assert len(list_user.sync(client=client).value) == 3
        assert len(list_user.sync(client=client).value) == 3
    assert [(request.method, request.path) for request in pbx.requests[:1]] == [
        ("POST", "/webclient/api/Login/GetAccessToken")
    ]
    assert login_requests(pbx) == 1 and pbx.token_requests == 0


async def test_a_user_signs_in_with_the_password_and_calls_the_api_async(pbx: Emulator) -> None:
    async with user_client(pbx) as client:
        assert len((await list_user.asyncio(client=client)).value) == 3
        assert len((await list_user.asyncio(client=client)).value) == 3
    assert login_requests(pbx) == 1


def test_an_expired_access_token_is_renewed_with_the_refresh_token_not_the_password(pbx: Emulator) -> None:
    with user_client(pbx) as client:
        list_user.sync(client=client)
        for _ in range(3):
            pbx.expire_tokens()
            list_user.sync(client=client)
    refreshes = [request for request in pbx.requests if request.operation_id == "token"]
    assert login_requests(pbx) == 1 and [request.status for request in refreshes] == [200, 200, 200]


async def test_an_expired_access_token_is_renewed_with_the_refresh_token_async(pbx: Emulator) -> None:
    async with user_client(pbx) as client:
        await list_user.asyncio(client=client)
        pbx.expire_tokens()
        await list_user.asyncio(client=client)
    assert login_requests(pbx) == 1 and pbx.token_requests == 1


def test_the_newest_refresh_token_is_kept_as_they_rotate(pbx: Emulator) -> None:
    store = MemoryTokenStore()
    with user_client(pbx, token_store=store) as client:
        list_user.sync(client=client)
        seen = []
        for _ in range(3):
            held = store.load()
            assert held is not None and held.refresh_token
            seen.append(held.refresh_token)
            pbx.expire_tokens()
            list_user.sync(client=client)
    assert len(set(seen)) == 3  # each refresh answered a new refresh token, and the next refresh used it


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
async def test_the_second_factor_code_given_up_front_signs_in(pbx: Emulator, asynchronous: bool) -> None:
    pbx.accounts.add("200", PASSWORD, second_factor=True)
    client = user_client(pbx, "200", security_code=pbx.accounts.code("200"))
    if asynchronous:
        async with client:
            await list_user.asyncio(client=client)
    else:
        with client:
            list_user.sync(client=client)
    assert login_requests(pbx) == 1


def test_the_second_factor_prompt_is_asked_once_when_the_pbx_wants_a_code(pbx: Emulator) -> None:
    pbx.accounts.add("200", PASSWORD, second_factor=True)
    asked: list[str] = []

    def prompt() -> str:
        asked.append("code")
        return pbx.accounts.code("200")

    with user_client(pbx, "200", security_code_prompt=prompt) as client:
        list_user.sync(client=client)
        pbx.expire_tokens()
        list_user.sync(client=client)  # refreshed: no second code is asked
    assert asked == ["code"] and login_requests(pbx) == 2  # without the code, then with it


async def test_an_async_sign_in_asks_a_plain_prompt_in_a_thread_while_the_event_loop_goes_on(pbx: Emulator) -> None:
    pbx.accounts.add("200", PASSWORD, second_factor=True)
    asking, typed = threading.Event(), threading.Event()

    def prompt() -> str:
        asking.set()
        assert typed.wait(timeout=20), "the event loop stood still while the prompt waited"
        return pbx.accounts.code("200")

    async def user_types_the_code() -> None:
        assert await asyncio.to_thread(asking.wait, 20)
        typed.set()  # back on the loop once the prompt is waiting: only a loop that still runs gets here

    async with user_client(pbx, "200", security_code_prompt=prompt) as client:
        call = asyncio.create_task(list_user.asyncio(client=client))
        await asyncio.gather(call, user_types_the_code())
    assert login_requests(pbx) == 2  # without the code, then with it


async def test_a_coroutine_prompt_is_awaited_by_the_async_calls(pbx: Emulator) -> None:
    pbx.accounts.add("200", PASSWORD, second_factor=True)

    async def prompt() -> str:
        await asyncio.sleep(0)
        return pbx.accounts.code("200")

    async with user_client(pbx, "200", security_code_prompt=prompt) as client:
        await list_user.asyncio(client=client)
    assert login_requests(pbx) == 2


def test_a_coroutine_prompt_in_a_sync_call_is_a_type_error_naming_the_prompt(pbx: Emulator) -> None:
    pbx.accounts.add("200", PASSWORD, second_factor=True)

    async def prompt() -> str:
        return pbx.accounts.code("200")

    with user_client(pbx, "200", security_code_prompt=prompt) as client:
        with pytest.raises(TypeError, match="security_code_prompt is a coroutine function"):
            list_user.sync(client=client)
        assert client.auth._lock.locked() is False


def test_a_wrong_password_is_wrong_credentials_and_nothing_is_retried(pbx: Emulator) -> None:
    with user_client(pbx, password="not the password") as client, pytest.raises(WrongCredentials) as raised:
        list_user.sync(client=client)
    assert "user '100'" in str(raised.value) and "wrong username or password" in str(raised.value)
    assert login_requests(pbx) == 1 and len(pbx.requests) == 1


def test_a_missing_second_factor_is_second_factor_required(pbx: Emulator) -> None:
    pbx.accounts.add("200", PASSWORD, second_factor=True)
    with user_client(pbx, "200") as client, pytest.raises(SecondFactorRequired, match="security_code="):
        list_user.sync(client=client)
    assert len(pbx.requests) == 1


def test_a_prompt_that_gives_no_code_is_second_factor_required(pbx: Emulator) -> None:
    pbx.accounts.add("200", PASSWORD, second_factor=True)
    with user_client(pbx, "200", security_code_prompt=lambda: "") as client, pytest.raises(SecondFactorRequired):
        list_user.sync(client=client)
    assert len(pbx.requests) == 1


# A wrong code is a day of steps away: outside the drift window however long a busy machine stalls the test.
@pytest.mark.parametrize("offset_steps", [0, 2880], ids=["used-already", "wrong"])
def test_a_wrong_or_reused_second_factor_is_second_factor_rejected(pbx: Emulator, offset_steps: int) -> None:
    pbx.accounts.add("200", PASSWORD, second_factor=True)
    code = pbx.accounts.code("200", offset_steps=offset_steps)
    if offset_steps == 0:
        with user_client(pbx, "200", security_code=code) as first:
            list_user.sync(client=first)  # the code is used once here
    with user_client(pbx, "200", security_code=code) as client, pytest.raises(SecondFactorRejected):
        list_user.sync(client=client)
    assert code not in str(pbx.requests)


def test_a_wrong_code_from_the_prompt_is_refused_without_asking_again(pbx: Emulator) -> None:
    pbx.accounts.add("200", PASSWORD, second_factor=True)
    asked: list[int] = []

    def prompt() -> str:
        asked.append(1)
        return "000000" if pbx.accounts.code("200") != "000000" else "111111"

    with user_client(pbx, "200", security_code_prompt=prompt) as client, pytest.raises(SecondFactorRejected):
        list_user.sync(client=client)
    assert asked == [1] and login_requests(pbx) == 2


def test_a_locked_account_is_account_locked(pbx: Emulator) -> None:
    pbx.accounts.add("300", PASSWORD, locked=True)
    with user_client(pbx, "300") as client, pytest.raises(AccountLocked, match="locked"):
        list_user.sync(client=client)


def test_repeated_wrong_passwords_lock_the_account(pbx: Emulator) -> None:
    pbx.accounts.add("300", PASSWORD)
    errors = []
    for _ in range(pbx.accounts.max_failures + 1):
        with user_client(pbx, "300", password="guess") as client, pytest.raises(AuthenticationError) as raised:
            list_user.sync(client=client)
        errors.append(type(raised.value))
    assert errors == [WrongCredentials] * pbx.accounts.max_failures + [AccountLocked]


def test_a_reused_refresh_token_revokes_the_sign_in_and_says_to_sign_in_again(pbx: Emulator) -> None:
    thief_store, store = MemoryTokenStore(), MemoryTokenStore()
    with user_client(pbx, token_store=store) as client:
        list_user.sync(client=client)
        stolen = store.load()
        assert stolen is not None
        thief_store.save(stolen)
        pbx.expire_tokens()
        list_user.sync(client=client)  # the client refreshes: the stolen refresh token is now used
        with user_client(pbx, password="", token_store=thief_store) as thief:
            with pytest.raises(RefreshTokenRejected, match="sign in again") as raised:
                list_user.sync(client=thief)  # the reuse revokes every token of the sign-in
        assert "used already" in str(raised.value)
        with pytest.raises(AuthenticationError):
            list_user.sync(client=client)  # its access token was revoked with the family ...
        assert store.load() is None  # ... and the refused refresh token is forgotten, never sent again
        list_user.sync(client=client)  # the next call signs in afresh with the password
    assert login_requests(pbx) == 2
    refused = [request for request in pbx.requests if request.operation_id == "token" and request.status == 400]
    assert len(refused) == 2  # the thief's, and the client's one attempt: no loop


def test_without_a_password_an_expired_refresh_token_is_sign_in_required() -> None:
    now = [1_900_000_000.0]
    pbx = Emulator(collection_size=1, clock=lambda: now[0])
    store = MemoryTokenStore()
    with user_client(pbx, token_store=store) as client:
        list_user.sync(client=client)
    with user_client(pbx, password="", token_store=store) as later:
        pbx.expire_tokens()
        list_user.sync(client=later)  # refreshed without the password
        now[0] += 61 * 24 * 3600  # past the refresh token's 60 days
        with pytest.raises(RefreshTokenRejected, match="expired"):
            list_user.sync(client=later)
        with pytest.raises(SignInRequired, match="threecx-xapi login"):
            list_user.sync(client=later)
    assert [request.operation_id for request in pbx.requests].count("login") == 1


def test_a_user_client_needs_a_password_or_a_token_store() -> None:
    with pytest.raises(ValueError, match="password"):
        XapiClient("https://pbx.example.com", username="100", password="")
    with pytest.raises(ValueError, match="not both"):
        XapiClient("https://pbx.example.com", "id", "secret", username="100", password="pw")
    with pytest.raises(ValueError, match="username"):
        XapiClient("https://pbx.example.com", username="", password="pw")
    with pytest.raises(ValueError, match="security_code"):
        XapiClient("https://pbx.example.com", "id", "secret", security_code="123456")


def test_from_env_takes_a_username_and_password(monkeypatch: pytest.MonkeyPatch, pbx: Emulator) -> None:
    monkeypatch.setenv("THREECX_XAPI_URL", pbx.url)
    monkeypatch.delenv("THREECX_XAPI_CLIENT_ID", raising=False)
    monkeypatch.delenv("THREECX_XAPI_CLIENT_SECRET", raising=False)
    pbx.accounts.add("200", PASSWORD, second_factor=True)
    monkeypatch.setenv("THREECX_XAPI_USERNAME", "200")
    monkeypatch.setenv("THREECX_XAPI_PASSWORD", PASSWORD)
    monkeypatch.setenv("THREECX_XAPI_SECURITY_CODE", pbx.accounts.code("200"))
    with XapiClient.from_env(**over(pbx)) as client:
        assert client.username == "200" and "200" in repr(client)
        list_user.sync(client=client)
    monkeypatch.delenv("THREECX_XAPI_PASSWORD")
    with pytest.raises(ValueError, match="THREECX_XAPI_PASSWORD"):
        XapiClient.from_env()


def test_the_refresh_token_cookie_is_never_sent_with_api_requests(pbx: Emulator) -> None:
    sent: list[httpx.Request] = []
    with user_client(pbx, httpx_args={"event_hooks": {"request": [sent.append]}}) as client:
        list_user.sync(client=client)
        pbx.expire_tokens()
        list_user.sync(client=client)
        list_user.sync(client=client)
    api = [request for request in sent if request.url.path.startswith("/xapi/")]
    assert len(api) == 4 and all("RefreshTokenCookie" not in request.headers.get("cookie", "") for request in api)


def test_from_env_prefers_the_api_client_when_both_are_set(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "THREECX_XAPI_URL": "https://pbx.example.com",
        "THREECX_XAPI_CLIENT_ID": "api",
        "THREECX_XAPI_CLIENT_SECRET": "secret",
        "THREECX_XAPI_USERNAME": "100",
        "THREECX_XAPI_PASSWORD": "pw",
    }.items():
        monkeypatch.setenv(name, value)
    client = XapiClient.from_env()
    assert client.client_id == "api" and client.username is None


def test_a_failing_token_endpoint_keeps_the_refresh_token_for_the_next_call(pbx: Emulator) -> None:
    store = MemoryTokenStore()
    with user_client(pbx, token_store=store) as client:
        list_user.sync(client=client)
        pbx.expire_tokens()
        pbx.fail("token", status=500)  # the PBX failing says nothing about the refresh token
        with pytest.raises(AuthenticationError) as raised:
            list_user.sync(client=client)
        assert not isinstance(raised.value, RefreshTokenRejected) and "sign in again" not in str(raised.value)
        held = store.load()
        assert held is not None and held.refresh_token
        list_user.sync(client=client)
    assert login_requests(pbx) == 1 and pbx.token_requests == 2


async def test_a_failed_sign_in_gives_the_lock_back_async(pbx: Emulator) -> None:
    pbx.fail("login", status=500)
    async with user_client(pbx) as client:
        with pytest.raises(AuthenticationError, match="500: the PBX refused user '100': fault injected for login"):
            await list_user.asyncio(client=client)
        assert not client.auth._lock.locked()
        assert len((await list_user.asyncio(client=client)).value) == 3
    assert login_requests(pbx) == 2

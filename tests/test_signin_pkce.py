"""Authorization code with PKCE (RFC 7636) and a loopback redirect (RFC 8252), end to end on the emulator."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from signin_support import Browser, app_client
from threecx_xapi import (
    AuthorizationCodeRejected,
    AuthorizationDenied,
    AuthorizationRequest,
    LoopbackRedirect,
    MemoryTokenStore,
    RefreshTokenRejected,
    SignInRequired,
    StateMismatch,
)
from threecx_xapi.api.users import list_user
from threecx_xapi.testing import Emulator


@pytest.fixture
def pbx() -> Iterator[Emulator]:
    with Emulator(collection_size=2) as emulator:
        yield emulator


def browser(pbx: Emulator, **kwargs: object) -> Browser:
    return Browser(pbx.accounts.username, pbx.accounts.password, **kwargs)  # type: ignore[arg-type]


def test_the_code_challenge_is_s256_of_the_verifier() -> None:
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"  # RFC 7636 Appendix B
    request = AuthorizationRequest("https://pbx/connect/authorize", "app", "http://127.0.0.1/", (), "s", verifier)
    assert parse_qs(urlsplit(request.url).query)["code_challenge"] == ["E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"]


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def test_the_authorize_url_carries_state_and_an_s256_challenge_never_the_verifier() -> None:
    request = AuthorizationRequest.new("https://pbx.example.com", "my-app", "http://127.0.0.1:5000/callback")
    url = urlsplit(request.url)
    query = {name: values[0] for name, values in parse_qs(url.query).items()}
    assert (url.scheme, url.netloc, url.path) == ("https", "pbx.example.com", "/connect/authorize")
    assert query == {
        "response_type": "code",
        "client_id": "my-app",
        "redirect_uri": "http://127.0.0.1:5000/callback",
        "scope": "openid profile email offline_access",
        "state": request.state,
        "code_challenge": s256(request.code_verifier),
        "code_challenge_method": "S256",
    }
    assert re.fullmatch(r"[A-Za-z0-9\-._~]{43,128}", request.code_verifier)
    assert request.code_verifier not in request.url and request.code_verifier not in repr(request)
    assert request.state not in repr(request)
    other = AuthorizationRequest.new("https://pbx.example.com", "my-app", "http://127.0.0.1:5000/callback")
    assert other.state != request.state and other.code_verifier != request.code_verifier


def test_the_loopback_listener_is_on_127_0_0_1_only() -> None:
    with LoopbackRedirect() as listener:
        assert urlsplit(listener.redirect_uri).hostname == "127.0.0.1"
        assert listener._server.server_address[0] == "127.0.0.1"
        with httpx.Client(trust_env=False) as http:
            assert http.get(listener.redirect_uri.replace("/callback", "/other")).status_code == 404
            assert http.get(listener.redirect_uri + "?code=c&state=s").status_code == 200
        assert listener.wait(1) == {"code": "c", "state": "s"}


def test_no_redirect_within_the_timeout_is_a_timeout_error() -> None:
    with LoopbackRedirect() as listener, pytest.raises(TimeoutError, match="no redirect"):
        listener.wait(0.05)


def test_the_browser_sign_in_gets_tokens_and_a_refresh_token(pbx: Emulator) -> None:
    store = MemoryTokenStore()
    user = browser(pbx)
    with app_client(pbx, token_store=store) as client:
        client.sign_in_with_browser(open_browser=user, timeout=20)
        assert len(list_user.sync(client=client).value) == 2
        first = store.load()
        assert first is not None and first.refresh_token  # offline_access
        pbx.expire_tokens()
        assert len(list_user.sync(client=client).value) == 2
        second = store.load()
        assert second is not None and second.refresh_token not in (None, first.refresh_token)
    assert [request.operation_id for request in pbx.requests] == [
        "authorize",
        "token",  # the code exchange
        "ListUser",
        "ListUser",  # 401
        "token",  # the refresh
        "ListUser",
    ]


async def test_the_browser_sign_in_async(pbx: Emulator) -> None:
    async with app_client(pbx) as client:
        await client.asign_in_with_browser(open_browser=browser(pbx), timeout=20)
        assert len((await list_user.asyncio(client=client)).value) == 2
        pbx.expire_tokens()
        assert len((await list_user.asyncio(client=client)).value) == 2
    assert pbx.token_requests == 2


def test_a_redirect_with_another_state_is_refused_before_any_exchange(pbx: Emulator) -> None:
    forged = browser(pbx, tamper=lambda location: re.sub(r"state=[^&]+", "state=forged", location))
    with app_client(pbx) as client, pytest.raises(StateMismatch, match="state"):
        client.sign_in_with_browser(open_browser=forged, timeout=20)
    assert pbx.token_requests == 0


def test_a_code_verifier_that_does_not_match_is_authorization_code_rejected(pbx: Emulator) -> None:
    with app_client(pbx) as client, LoopbackRedirect() as listener:
        request = client.authorization_request(listener.redirect_uri)
        browser(pbx)(request.url)
        query = listener.wait(20)
        wrong = AuthorizationRequest(
            request.authorize_url, request.client_id, request.redirect_uri, request.scopes, request.state, "x" * 64
        )
        with pytest.raises(AuthorizationCodeRejected, match="code_verifier does not match") as raised:
            client.exchange_code(wrong, query)
        assert raised.value.code == "invalid_grant"
        assert "x" * 64 not in str(raised.value) and query["code"] not in str(raised.value)
        client.exchange_code(request, query)  # a failed exchange leaves the code for the right verifier
        list_user.sync(client=client)
        with pytest.raises(AuthorizationCodeRejected, match="used already"):
            client.exchange_code(request, query)
        with pytest.raises(RefreshTokenRejected, match="sign in again"):  # the reuse revoked its tokens
            list_user.sync(client=client)
    assert pbx.token_requests == 4  # two exchanges, the reuse, one refresh attempt: nothing retried


def test_an_app_without_tokens_is_told_to_sign_in(pbx: Emulator) -> None:
    with app_client(pbx) as client, pytest.raises(SignInRequired, match="browser"):
        list_user.sync(client=client)
    assert pbx.requests == []


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": ""}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scope": "profile"}, "invalid_scope"),
    ],
    ids=["plain", "no-challenge", "implicit", "no-openid"],
)
def test_the_authorize_endpoint_requires_pkce_s256(pbx: Emulator, change: dict[str, str], error: str) -> None:
    request = AuthorizationRequest.new(pbx.url, pbx.client_id, "http://127.0.0.1:9/callback")
    url = httpx.URL(request.url).copy_merge_params(change)
    with httpx.Client(trust_env=False) as http:
        answer = http.post(url, data={"Username": pbx.accounts.username, "Password": pbx.accounts.password})
    assert answer.status_code == 302
    query = {name: values[0] for name, values in parse_qs(urlsplit(answer.headers["Location"]).query).items()}
    assert query["error"] == error and query["state"] == request.state
    with pytest.raises(AuthorizationDenied):
        request.code_from(query)


@pytest.mark.parametrize(
    "redirect_uri", ["https://evil.example.com/callback", "http://192.168.1.5:8000/callback"], ids=["remote", "lan"]
)
def test_the_authorize_endpoint_never_redirects_off_the_loopback(pbx: Emulator, redirect_uri: str) -> None:
    request = AuthorizationRequest.new(pbx.url, pbx.client_id, redirect_uri)
    with httpx.Client(trust_env=False) as http:
        answer = http.get(request.url)
    assert answer.status_code == 400 and "Location" not in answer.headers


def test_wrong_credentials_at_the_sign_in_page_give_no_code(pbx: Emulator) -> None:
    request = AuthorizationRequest.new(pbx.url, pbx.client_id, "http://127.0.0.1:9/callback")
    with httpx.Client(trust_env=False) as http:
        page = http.get(request.url)
        answer = http.post(request.url, data={"Username": pbx.accounts.username, "Password": "wrong"})
    assert page.status_code == 200 and "<form" in page.text
    assert answer.status_code == 401 and "Location" not in answer.headers

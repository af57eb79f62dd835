"""The emulator's /connect/token as a client sees it over loopback HTTP: both form encodings, client credentials
in the body or as HTTP Basic (RFC 6749 §2.3.1), and OAuth errors as RFC 6749 §5.2."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest
from threecx_xapi import AuthenticationError, XapiClient
from threecx_xapi.api.users import list_user
from threecx_xapi.testing import Emulator

CLIENT_ID, CLIENT_SECRET = "app:7 é", "s&cr=t+%/ secret"  # every character RFC 6749 §2.3.1 makes us encode


@pytest.fixture(scope="module")
def pbx() -> Iterator[Emulator]:
    with Emulator(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, collection_size=1) as emulator:
        yield emulator


@pytest.fixture
def http(pbx: Emulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=pbx.url, trust_env=False) as client:
        yield client


def basic(client_id: str, secret: str) -> str:
    pair = f"{quote(client_id, safe='')}:{quote(secret, safe='')}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


def works(http: httpx.Client, answer: httpx.Response) -> None:
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    body = answer.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600 and body["access_token"].count(".") == 2
    users = http.get("/xapi/v1/Users", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert users.status_code == 200


def test_an_urlencoded_token_request_is_answered(http: httpx.Client) -> None:
    form = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "grant_type": "client_credentials"}
    works(http, http.post("/connect/token", data=form))


def test_a_multipart_token_request_is_answered_as_3cxs_typescript_sample_sends_it(http: httpx.Client) -> None:
    fields = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "grant_type": "client_credentials"}
    answer = http.post("/connect/token", files={name: (None, value) for name, value in fields.items()})
    assert answer.request.headers["content-type"].startswith("multipart/form-data; boundary=")
    works(http, answer)


def test_client_credentials_as_http_basic_are_answered(http: httpx.Client) -> None:
    answer = http.post(
        "/connect/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": basic(CLIENT_ID, CLIENT_SECRET)},
    )
    works(http, answer)


def test_a_wrong_basic_secret_is_401_invalid_client_with_a_challenge(http: httpx.Client) -> None:
    answer = http.post(
        "/connect/token", data={"grant_type": "client_credentials"}, headers={"Authorization": basic(CLIENT_ID, "no")}
    )
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Basic")
    assert answer.json() == {"error": "invalid_client", "error_description": "Unknown client or wrong client secret"}


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"client_id": CLIENT_ID, "client_secret": "wrong", "grant_type": "client_credentials"}, "invalid_client"),
        ({"client_id": "nobody", "client_secret": CLIENT_SECRET, "grant_type": "client_credentials"}, "invalid_client"),
        ({"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "grant_type": "password"}, "unsupported_grant_type"),
        ({"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}, "unsupported_grant_type"),
        ({"grant_type": "refresh_token", "client_id": "Webclient", "refresh_token": "made-up"}, "invalid_grant"),
        ({"grant_type": "authorization_code", "code": "made-up", "client_id": CLIENT_ID}, "invalid_grant"),
    ],
    ids=["wrong-secret", "unknown-client", "password-grant", "no-grant", "unknown-refresh", "unknown-code"],
)
def test_refusals_are_400_with_an_rfc_6749_error_body(http: httpx.Client, form: dict[str, str], error: str) -> None:
    answer = http.post("/connect/token", data=form)
    assert answer.status_code == 400
    body = answer.json()
    assert set(body) == {"error", "error_description"} and body["error"] == error and body["error_description"]
    assert answer.headers["cache-control"] == "no-store"


def test_credentials_in_the_body_and_as_basic_at_once_are_invalid_request(http: httpx.Client) -> None:
    answer = http.post(
        "/connect/token",
        data={"grant_type": "client_credentials", "client_secret": CLIENT_SECRET},
        headers={"Authorization": basic(CLIENT_ID, CLIENT_SECRET)},
    )
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_request"


def test_a_json_token_request_is_invalid_request(http: httpx.Client) -> None:
    form = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "grant_type": "client_credentials"}
    answer = http.post("/connect/token", json=form)
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_request"


@pytest.mark.parametrize("basic_auth", [False, True], ids=["body", "basic"])
def test_the_client_signs_in_either_way(pbx: Emulator, basic_auth: bool) -> None:
    sent: list[httpx.Request] = []
    hooks = {"request": [sent.append]}
    args = {"trust_env": False, "event_hooks": hooks}
    with XapiClient(pbx.url, CLIENT_ID, CLIENT_SECRET, basic_auth=basic_auth, httpx_args=args) as client:
        list_user.sync(client=client)
    (token_request,) = [request for request in sent if request.url.path == "/connect/token"]
    form = dict(httpx.QueryParams(token_request.content.decode()))
    if basic_auth:
        assert token_request.headers["Authorization"] == basic(CLIENT_ID, CLIENT_SECRET)
        assert form == {"grant_type": "client_credentials"}
    else:
        assert "Authorization" not in token_request.headers
        assert form == {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "grant_type": "client_credentials"}


def test_a_refused_basic_sign_in_is_an_authentication_error_without_the_secret(pbx: Emulator) -> None:
    args = {"trust_env": False}
    with XapiClient(pbx.url, CLIENT_ID, "wrong secret", basic_auth=True, httpx_args=args) as client:
        with pytest.raises(AuthenticationError, match="invalid_client") as raised:
            list_user.sync(client=client)
    assert raised.value.status_code == 401 and "wrong secret" not in str(raised.value) + repr(raised.value)


async def test_the_client_signs_in_with_http_basic_async(pbx: Emulator) -> None:
    args = {"trust_env": False}
    async with XapiClient(pbx.url, CLIENT_ID, CLIENT_SECRET, basic_auth=True, httpx_args=args) as client:
        assert len((await list_user.asyncio(client=client)).value) == 1


def test_the_web_client_login_and_a_cookie_refresh_over_http(pbx: Emulator, http: httpx.Client) -> None:
    login = {"Username": pbx.accounts.username, "Password": pbx.accounts.password, "SecurityCode": ""}
    answer = http.post("/webclient/api/Login/GetAccessToken", json=login)
    assert answer.status_code == 200 and answer.json()["Status"] == "AuthSuccess"
    token = answer.json()["Token"]
    assert set(token) == {"token_type", "expires_in", "access_token", "refresh_token"}
    assert http.cookies["RefreshTokenCookie"] == token["refresh_token"]
    # As some integrations do: the refresh token only as the cookie the login set.
    refreshed = http.post("/connect/token", data={"grant_type": "refresh_token", "client_id": "Webclient"})
    assert refreshed.status_code == 200, refreshed.text
    assert refreshed.json()["refresh_token"] == http.cookies["RefreshTokenCookie"] != token["refresh_token"]
    again = http.post(
        "/connect/token",
        data={"grant_type": "refresh_token", "client_id": "Webclient", "refresh_token": token["refresh_token"]},
    )
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"  # used already: all revoked
    assert (
        http.post("/connect/token", data={"grant_type": "refresh_token", "client_id": "Webclient"}).status_code == 400
    )


@pytest.mark.parametrize(
    ("method", "body", "status"),
    [("GET", None, 405), ("POST", b"not json", 400), ("POST", b'{"Username": 1}', 400)],
    ids=["get", "not-json", "wrong-types"],
)
def test_the_web_client_login_refuses_what_it_cannot_read(
    http: httpx.Client, method: str, body: bytes | None, status: int
) -> None:
    answer = http.request(
        method, "/webclient/api/Login/GetAccessToken", content=body, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == status


def test_a_wrong_password_is_answered_200_with_its_status_as_the_web_client_sees_it(
    pbx: Emulator, http: httpx.Client
) -> None:
    login = {"Username": pbx.accounts.username, "Password": "wrong", "SecurityCode": ""}
    answer = http.post("/webclient/api/Login/GetAccessToken", json=login)
    assert answer.status_code == 200 and answer.json() == {"Status": "AuthFailed", "Token": None, "TwoFactorAuth": None}

"""XapiClient set-up: PBX address forms, from_env, httpx_args, the server version, `with` and `async with`."""

from __future__ import annotations

import http.server
import json
import logging
import threading

import httpx
import pytest
from threecx_xapi import XapiClient
from threecx_xapi._pinned import XAPI_VERSION
from threecx_xapi.api.users import list_user
from threecx_xapi.client import ENVIRONMENT, environment_proxy
from xapi_fakes import CLIENT_ID, CLIENT_SECRET, FakePbx


@pytest.mark.parametrize(
    ("given", "root", "api"),
    [
        ("https://pbx.example.com", "https://pbx.example.com", "https://pbx.example.com/xapi/v1"),
        ("https://pbx.example.com/", "https://pbx.example.com", "https://pbx.example.com/xapi/v1"),
        ("https://pbx.example.com/xapi/v1", "https://pbx.example.com", "https://pbx.example.com/xapi/v1"),
        ("https://pbx.example.com/xapi/v1/", "https://pbx.example.com", "https://pbx.example.com/xapi/v1"),
        ("https://pbx.example.com:5001", "https://pbx.example.com:5001", "https://pbx.example.com:5001/xapi/v1"),
        (
            "https://pbx.example.com:5001/xapi/v1/",
            "https://pbx.example.com:5001",
            "https://pbx.example.com:5001/xapi/v1",
        ),
        ("  http://10.0.0.5:5000  ", "http://10.0.0.5:5000", "http://10.0.0.5:5000/xapi/v1"),
    ],
)
def test_every_accepted_form_of_the_pbx_address_reaches_the_same_urls(given: str, root: str, api: str) -> None:
    pbx = FakePbx()
    client = XapiClient(given, CLIENT_ID, CLIENT_SECRET, httpx_args={"transport": pbx})
    assert (client.root_url, client.base_url) == (root, api)
    with client:
        list_user.sync(client=client)
    assert str(pbx.token_requests[0].url) == root + "/connect/token"
    assert str(pbx.requests[0].url) == api + "/Users"


@pytest.mark.parametrize(
    "given",
    ["pbx.example.com", "ftp://pbx.example.com", "https://", "https://pbx.example.com/api", "https://pbx/?a=1", ""],
)
def test_an_address_that_is_no_pbx_address_is_refused_naming_base_url(given: str) -> None:
    with pytest.raises(ValueError, match="base_url"):
        XapiClient(given, CLIENT_ID, CLIENT_SECRET)


@pytest.mark.parametrize(("client_id", "secret", "named"), [("", "x", "client_id"), ("id", "", "client_secret")])
def test_empty_credentials_are_refused_naming_the_parameter(client_id: str, secret: str, named: str) -> None:
    with pytest.raises(ValueError, match=named):
        XapiClient("https://pbx.example.com", client_id, secret)


def test_from_env_reads_the_three_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    values = dict(zip(ENVIRONMENT, ("https://pbx.example.com:5001/xapi/v1", "env-client", "env-secret"), strict=True))
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    client = XapiClient.from_env(timeout=5.0)
    assert (client.base_url, client.client_id, client.timeout) == (
        "https://pbx.example.com:5001/xapi/v1",
        "env-client",
        5.0,
    )
    assert "env-secret" not in repr(client)


@pytest.mark.parametrize("present", [(), ("THREECX_XAPI_URL",), ("THREECX_XAPI_URL", "THREECX_XAPI_CLIENT_ID")])
def test_from_env_names_every_missing_variable(monkeypatch: pytest.MonkeyPatch, present: tuple[str, ...]) -> None:
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    for name in present:
        monkeypatch.setenv(name, "https://pbx.example.com" if name.endswith("URL") else "value")
    with pytest.raises(ValueError) as raised:
        XapiClient.from_env()
    for name in ENVIRONMENT:
        assert (name in str(raised.value)) == (name not in present)


def test_the_server_version_is_read_from_every_answer(caplog: pytest.LogCaptureFixture) -> None:
    pbx = FakePbx()
    pbx.version = XAPI_VERSION + ".1621"
    with caplog.at_level(logging.WARNING, logger="threecx_xapi"), pbx.client() as client:
        assert client.server_version is None
        list_user.sync(client=client)
        assert client.server_version == XAPI_VERSION + ".1621"
    assert caplog.records == []  # the pinned version's builds are no surprise


async def test_a_different_server_version_is_warned_about_once(caplog: pytest.LogCaptureFixture) -> None:
    pbx = FakePbx()
    pbx.version = "20.0.11.100"
    with caplog.at_level(logging.WARNING, logger="threecx_xapi"):
        async with pbx.client() as client:
            for _ in range(3):
                await list_user.asyncio(client=client)
            pbx.version = "20.0.12.5"
            await list_user.asyncio(client=client)
    assert client.server_version == "20.0.12.5"
    warnings = [record.getMessage() for record in caplog.records]
    assert len(warnings) == 1 and "20.0.11.100" in warnings[0] and XAPI_VERSION in warnings[0]


def test_a_version_that_only_starts_like_the_pinned_one_is_warned_about(caplog: pytest.LogCaptureFixture) -> None:
    pbx = FakePbx()
    pbx.version = XAPI_VERSION + "0.1"  # 20.0.100.1 is not a build of 20.0.10
    with caplog.at_level(logging.WARNING, logger="threecx_xapi"), pbx.client() as client:
        list_user.sync(client=client)
    assert len(caplog.records) == 1


def test_with_closes_the_connection_pool_and_a_later_call_opens_a_new_one() -> None:
    pbx = FakePbx()
    client = pbx.client()
    with client:
        first = client.get_httpx_client()
        list_user.sync(client=client)
    assert first.is_closed
    list_user.sync(client=client)
    assert client.get_httpx_client() is not first
    assert len(pbx.token_requests) == 1  # the token outlives the pool
    client.close()


async def test_async_with_closes_the_async_pool() -> None:
    pbx = FakePbx()
    async with pbx.client() as client:
        pool = client.get_async_httpx_client()
        await list_user.asyncio(client=client)
    assert pool.is_closed


def test_threads_that_meet_an_unbuilt_client_share_one_pool() -> None:
    client = FakePbx().client()
    start = threading.Barrier(16)
    pools: list[httpx.Client] = []

    def build() -> None:
        start.wait()
        pools.append(client.get_httpx_client())

    threads = [threading.Thread(target=build) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(pool) for pool in pools}) == 1
    client.close()


def test_httpx_args_reach_the_httpx_client() -> None:
    seen: list[str] = []
    pbx = FakePbx()
    args = {
        "transport": pbx,
        "headers": {"User-Agent": "ops-sync/2.1"},
        "event_hooks": {"request": [lambda request: seen.append(request.url.path)]},
    }
    with XapiClient("https://pbx.example.com", CLIENT_ID, CLIENT_SECRET, httpx_args=args) as client:
        list_user.sync(client=client)
        assert client.server_version is not None  # the client's own hook still runs beside the caller's
    assert seen == ["/connect/token", "/xapi/v1/Users"]  # a hook sees the token request as well
    assert pbx.requests[0].headers["User-Agent"] == "ops-sync/2.1"


async def test_an_async_transport_in_httpx_args_serves_the_async_calls() -> None:
    sync_pbx, async_pbx = FakePbx(), FakePbx()
    args = {"transport": sync_pbx, "async_transport": async_pbx}
    client = XapiClient("https://pbx.example.com", CLIENT_ID, CLIENT_SECRET, httpx_args=args)
    async with client:
        await list_user.asyncio(client=client)
    with client:
        list_user.sync(client=client)
    assert (len(async_pbx.requests), len(sync_pbx.requests)) == (1, 1)


def test_a_mounted_transport_gets_the_retry_policy_too() -> None:
    pbx = FakePbx()
    pbx.answer(503, headers={"Retry-After": "0"})
    args = {"mounts": {"https://pbx.example.com": pbx}}
    with XapiClient("https://pbx.example.com", CLIENT_ID, CLIENT_SECRET, httpx_args=args) as client:
        list_user.sync(client=client)
    assert len(pbx.requests) == 2


@pytest.mark.parametrize(
    ("environment", "proxy"),
    [
        ({"HTTPS_PROXY": "http://proxy.corp:3128"}, "http://proxy.corp:3128"),
        ({"ALL_PROXY": "http://proxy.corp:8080"}, "http://proxy.corp:8080"),
        ({"HTTP_PROXY": "http://proxy.corp:3128"}, None),  # an http proxy is not one for https
        ({"HTTPS_PROXY": "http://proxy.corp:3128", "NO_PROXY": "example.com"}, None),
        ({"HTTPS_PROXY": "http://proxy.corp:3128", "NO_PROXY": "other.example.org"}, "http://proxy.corp:3128"),
        ({}, None),
    ],
)
def test_the_environment_names_the_proxy_for_the_pbx(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], proxy: str | None
) -> None:
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert environment_proxy("https://pbx.example.com:5001") == proxy


class _ForwardProxy(http.server.BaseHTTPRequestHandler):
    """A forward proxy on loopback that answers itself and records the absolute URLs it was asked for."""

    seen: list[str] = []

    def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
        self.rfile.read(int(self.headers["Content-Length"]))
        self._answer({"access_token": "proxied-token", "token_type": "Bearer", "expires_in": 3600})

    def do_GET(self) -> None:  # noqa: N802
        self._answer({"value": []})

    def _answer(self, body: dict[str, object]) -> None:
        self.seen.append(self.path)
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - http.server's signature
        pass


def test_a_proxy_from_the_environment_carries_the_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    proxy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _ForwardProxy)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    _ForwardProxy.seen = []
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.server_address[1]}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    try:
        # The .invalid name never resolves: only the proxy can have answered.
        with XapiClient("http://pbx.invalid", CLIENT_ID, CLIENT_SECRET) as client:
            list_user.sync(client=client)
    finally:
        proxy.shutdown()
        proxy.server_close()
    assert _ForwardProxy.seen == ["http://pbx.invalid/connect/token", "http://pbx.invalid/xapi/v1/Users"]

"""A connection the PBX closes without an answer: an idempotent request is sent again, a POST or PATCH never.

Real PBXs close kept-alive connections; a request sent on one as it closes gets no answer
(httpx.RemoteProtocolError "Server disconnected without sending a response"). Every other httpx failure
comes out as the project's TransportError naming the request, chained from the httpx error.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator

import httpx
import pytest
from threecx_xapi import RetryPolicy, TransportError, XapiClient, _retries
from threecx_xapi.api.inbound_rules import create_inbound_rule
from threecx_xapi.api.users import delete_user, get_user_by_number, list_user, update_user
from threecx_xapi.models import InboundRule, User
from threecx_xapi.odata import F
from threecx_xapi.testing.emulator import Emulator
from xapi_fakes import PBX_URL, FakePbx


@pytest.fixture(autouse=True)
def no_waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits between attempts, recorded instead of slept."""
    waits: list[float] = []

    async def apause(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(_retries, "pause", waits.append)
    monkeypatch.setattr(_retries, "apause", apause)
    return waits


def rule() -> InboundRule:
    return InboundRule(rule_name="Main number", data="+442071234567")


# --- a PBX that closes each kept-alive connection as its second request arrives --------------------------------


class ClosingKeepAlive:
    """A loopback HTTP/1.1 server: on each connection it answers the first request (keep-alive) and closes
    the connection, without answering, when the next request arrives on it, as a PBX closing an idle
    connection does. Records (connection number, request line) of every request it read."""

    TOKEN = json.dumps({"access_token": "t0ken", "token_type": "Bearer", "expires_in": 3600}).encode()

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(10)
        self.port = self.listener.getsockname()[1]
        self.seen: list[tuple[int, str]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        for number in range(1, 21):  # bounded: a test needs a handful of connections
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._connection, args=(connection, number), daemon=True).start()

    def _read_request(self, stream: socket.SocketIO) -> str | None:
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = stream.read(1)
            if not chunk:
                return None
            head += chunk
        lines = head.decode("latin-1").split("\r\n")
        length = next((int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:")), 0)
        if length:
            stream.read(length)
        return lines[0]

    def _connection(self, connection: socket.socket, number: int) -> None:
        connection.settimeout(10)
        with connection, socket.SocketIO(connection, "rb") as stream:
            for index in range(2):
                line = self._read_request(stream)
                if line is None:
                    return
                self.seen.append((number, line))
                if index == 1:
                    return  # the second request on this connection: closed without an answer
                body = self.TOKEN if "/connect/token" in line else b'{"value": []}'
                connection.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: keep-alive\r\n"
                    + f"Content-Length: {len(body)}\r\n\r\n".encode()
                    + body
                )

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def closing_pbx() -> Iterator[ClosingKeepAlive]:
    server = ClosingKeepAlive()
    yield server
    server.close()


def _client(server: ClosingKeepAlive) -> XapiClient:
    return XapiClient(server.url, "id", "secret", httpx_args={"trust_env": False})


def test_a_get_on_a_kept_alive_connection_the_pbx_closed_is_sent_again_on_a_new_one(
    closing_pbx: ClosingKeepAlive, no_waits: list[float]
) -> None:
    with _client(closing_pbx) as client:
        assert list_user.sync(client=client).value == []
    assert closing_pbx.seen == [
        (1, "POST /connect/token HTTP/1.1"),
        (1, "GET /xapi/v1/Users HTTP/1.1"),  # closed without an answer
        (2, "GET /xapi/v1/Users HTTP/1.1"),
    ]
    assert len(no_waits) == 1, "one backoff, as after a connection error"


async def test_an_async_get_on_a_closed_kept_alive_connection_is_sent_again(closing_pbx: ClosingKeepAlive) -> None:
    async with _client(closing_pbx) as client:
        assert (await list_user.asyncio(client=client)).value == []
    assert [line for _, line in closing_pbx.seen].count("GET /xapi/v1/Users HTTP/1.1") == 2


def test_a_post_on_a_closed_kept_alive_connection_is_sent_once_and_is_a_transport_error(
    closing_pbx: ClosingKeepAlive,
) -> None:
    with _client(closing_pbx) as client, pytest.raises(TransportError) as raised:
        create_inbound_rule.sync(client=client, body=rule())
    assert [line for _, line in closing_pbx.seen] == [
        "POST /connect/token HTTP/1.1",
        "POST /xapi/v1/InboundRules HTTP/1.1",
    ]
    error = raised.value
    assert error.method == "POST" and error.url == f"{closing_pbx.url}/xapi/v1/InboundRules"
    assert isinstance(error.__cause__, httpx.RemoteProtocolError)
    assert "RemoteProtocolError" in str(error)


# --- the emulator's dropped connections, over loopback and in-process ------------------------------------------


@pytest.fixture(scope="module")
def served() -> Iterator[Emulator]:
    with Emulator() as emulator:
        yield emulator


def _operation_ids(emulator: Emulator) -> list[str]:
    return [request.operation_id for request in emulator.requests if request.operation_id != "token"]


def test_a_get_the_emulator_drops_over_loopback_is_retried(served: Emulator) -> None:
    before = len(_operation_ids(served))
    served.fail("ListUser", status=None, drop=True)
    with served.client() as client:
        assert list_user.sync(client=client).value is not None
    assert _operation_ids(served)[before:] == ["ListUser", "ListUser"]


def test_a_post_the_emulator_drops_over_loopback_is_sent_once(served: Emulator) -> None:
    before = len(_operation_ids(served))
    served.fail("CreateInboundRule", status=None, drop=True)
    with served.client() as client, pytest.raises(TransportError) as raised:
        create_inbound_rule.sync(client=client, body=rule())
    assert _operation_ids(served)[before:] == ["CreateInboundRule"]
    assert raised.value.method == "POST" and isinstance(raised.value.__cause__, httpx.RemoteProtocolError)


async def test_an_in_process_drop_is_retried_for_get_and_not_for_patch() -> None:
    emulator = Emulator()
    emulator.fail("ListUser", status=None, drop=True)
    emulator.fail("UpdateUser", status=None, drop=True)
    async with emulator.client() as client:
        user = (await list_user.asyncio(client=client, top=1)).value[0]
        with pytest.raises(TransportError, match="RemoteProtocolError"):
            await update_user.asyncio(user.id, client=client, body=User(first_name="Ada"))
    assert _operation_ids(emulator) == ["ListUser", "ListUser", "UpdateUser"]


def test_a_get_dropped_on_every_attempt_ends_in_a_transport_error_after_the_last() -> None:
    pbx = FakePbx()
    for _ in range(3):
        pbx.fail(httpx.RemoteProtocolError("Server disconnected without sending a response."))
    with pbx.client(retry=RetryPolicy(max_attempts=3)) as client, pytest.raises(TransportError) as raised:
        list_user.sync(client=client)
    assert len(pbx.requests) == 3
    assert raised.value.method == "GET" and raised.value.url == f"{PBX_URL}/xapi/v1/Users"


def test_a_delete_whose_connection_was_reset_is_sent_again() -> None:
    pbx = FakePbx(lambda request: httpx.Response(204))
    pbx.fail(httpx.ReadError("[Errno 104] Connection reset by peer"))
    with pbx.client() as client:
        delete_user.sync(7, client=client)
    assert [request.method for request in pbx.requests] == ["DELETE", "DELETE"]


# --- every httpx failure is a TransportError naming the request ------------------------------------------------

FAILURES: list[type[httpx.RequestError]] = [
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.ReadTimeout,
    httpx.WriteTimeout,
    httpx.PoolTimeout,
    httpx.ReadError,
    httpx.WriteError,
    httpx.CloseError,
    httpx.RemoteProtocolError,
    httpx.LocalProtocolError,
    httpx.ProxyError,
    httpx.UnsupportedProtocol,
    httpx.DecodingError,
]


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("failure", FAILURES, ids=[failure.__name__ for failure in FAILURES])
def test_every_httpx_failure_is_a_transport_error_naming_the_request(
    failure: type[httpx.RequestError], method: str
) -> None:
    pbx = FakePbx()
    for _ in range(2):
        pbx.fail(failure("it failed"))
    with pbx.client(retry=RetryPolicy(max_attempts=2)) as client, pytest.raises(TransportError) as raised:
        if method == "GET":
            list_user.sync(client=client)
        else:
            create_inbound_rule.sync(client=client, body=rule())
    error = raised.value
    assert error.method == method and error.url == f"{PBX_URL}/xapi/v1/{'Users' if method == 'GET' else 'InboundRules'}"
    assert isinstance(error.__cause__, failure) and f"{failure.__name__}: it failed" in str(error)


def test_a_body_whose_content_encoding_does_not_decode_is_a_transport_error() -> None:
    pbx = FakePbx(lambda request: httpx.Response(200, headers={"Content-Encoding": "gzip"}, content=b'{"value": []}'))
    with pbx.client(retry=RetryPolicy(max_attempts=1)) as client, pytest.raises(TransportError) as raised:
        list_user.sync(client=client)
    assert isinstance(raised.value.__cause__, httpx.DecodingError) and raised.value.method == "GET"


def test_a_url_httpx_cannot_build_is_a_transport_error_and_nothing_is_sent() -> None:
    pbx = FakePbx()
    numbers = [str(number) for number in range(20000)]
    with (
        pbx.client() as client,
        pytest.raises(TransportError, match="InvalidURL: .*too long; nothing was sent") as raised,
    ):
        list_user.sync(client=client, filter_=F("Number").in_(numbers))
    assert raised.value.method == "GET" and raised.value.url is not None
    assert raised.value.url.startswith(f"{PBX_URL}/xapi/v1/Users") and len(raised.value.url) < 300
    assert isinstance(raised.value.__cause__, httpx.InvalidURL)
    assert pbx.requests == []


async def test_an_async_url_httpx_cannot_build_is_a_transport_error() -> None:
    async with FakePbx().client() as client:
        with pytest.raises(TransportError, match="InvalidURL"):
            await get_user_by_number.asyncio("1" * 70000, client=client)


@pytest.mark.parametrize("use_async", [False, True])
async def test_too_many_redirects_is_a_transport_error_naming_the_request(use_async: bool) -> None:
    pbx = FakePbx(lambda request: httpx.Response(302, headers={"Location": str(request.url)}))
    httpx_args = {"transport": pbx, "follow_redirects": True, "max_redirects": 2}
    with XapiClient(PBX_URL, "id", "secret", httpx_args=httpx_args) as client:
        with pytest.raises(TransportError, match="TooManyRedirects") as raised:
            if use_async:
                await list_user.asyncio(client=client)
            else:
                list_user.sync(client=client)
    assert raised.value.method == "GET" and isinstance(raised.value.__cause__, httpx.TooManyRedirects)

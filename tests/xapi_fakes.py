"""A fake PBX for client tests: a token endpoint, scripted API answers and a record of every request.

    pbx = FakePbx()
    pbx.answer(503, headers={"Retry-After": "1"})     # the next API request gets this, then the default
    with pbx.client() as client:
        list_user.sync(client=client)
    assert len(pbx.token_requests) == 1 and len(pbx.requests) == 2

It is an in-process transport (sync and async), so nothing leaves the process.
"""

from __future__ import annotations

import asyncio
import base64
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import httpx
from threecx_xapi import XapiClient
from threecx_xapi._pinned import XAPI_VERSION

PBX_URL = "https://pbx.example.com"
CLIENT_ID = "fake-client"
CLIENT_SECRET = "s3cr3t-Client-Secret-0123456789"
SERVER_VERSION = f"{XAPI_VERSION}.402"  # a build of the pinned version: no mismatch warning

Route = Callable[[httpx.Request], httpx.Response]

# GetCallLogData's arguments besides the period: every call, no filter.
CALL_LOG_ALL_CALLS: dict[str, Any] = {
    "source_type": 0,
    "source_filter": "",
    "destination_type": 0,
    "destination_filter": "",
    "calls_type": 0,
    "call_time_filter_type": 0,
    "call_time_filter_from": "0:00:0",
    "call_time_filter_to": "0:00:0",
    "hide_pcalls": True,
}


def make_jwt(exp: float | None, **claims: Any) -> str:
    """An unsigned JWT whose payload holds `exp` (when given) and `claims`; enough for reading the expiry."""

    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    payload = dict(claims, **({"exp": exp} if exp is not None else {}))
    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(payload)}.c2lnbmF0dXJl"


def token_answer(access_token: str, expires_in: float | None = 3600) -> httpx.Response:
    body: dict[str, Any] = {"access_token": access_token, "token_type": "Bearer"}
    if expires_in is not None:
        body["expires_in"] = expires_in
    return httpx.Response(200, json=body)


def empty_collection(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"value": []})


class FakePbx(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """A PBX on an in-process transport.

    Token requests get `token_route(n)` for the n-th request (default: a fresh JWT valid for an hour), after
    `token_delay` seconds so that concurrent callers really overlap. API requests get the scripted answers
    in order (an exception in the script is raised instead, as a transport would), then `route(request)`.
    """

    def __init__(self, route: Route = empty_collection, *, token_delay: float = 0.0) -> None:
        self.route = route
        self.token_delay = token_delay
        self.token_route: Callable[[int], httpx.Response] = lambda n: token_answer(make_jwt(time.time() + 3600, n=n))
        self.version: str | None = SERVER_VERSION
        self.requests: list[httpx.Request] = []
        self.token_requests: list[httpx.Request] = []
        self.tokens: list[str] = []
        self._bearers: list[str] = []  # as sent: a retried request is the same object with a new header
        self._script: deque[httpx.Response | Exception] = deque()
        self._lock = threading.Lock()

    def answer(self, status: int, *, json: Any = None, headers: dict[str, str] | None = None, text: str = "") -> None:
        """The next API request without a scripted answer gets this one."""
        if json is not None:
            self._script.append(httpx.Response(status, json=json, headers=headers))
        else:
            self._script.append(httpx.Response(status, text=text, headers=headers))

    def fail(self, error: Exception) -> None:
        """The next API request without a scripted answer raises `error` (a connection failure, say)."""
        self._script.append(error)

    def client(self, **kwargs: Any) -> XapiClient:
        return XapiClient(PBX_URL, CLIENT_ID, CLIENT_SECRET, httpx_args={"transport": self}, **kwargs)

    @property
    def api_paths(self) -> list[str]:
        return [request.url.path for request in self.requests]

    def bearer_tokens(self) -> list[str]:
        """The token each API request carried when it was sent."""
        return list(self._bearers)

    def _answer(self, request: httpx.Request) -> httpx.Response:
        response = self._issue_token(request) if request.url.path == "/connect/token" else self._serve(request)
        if self.version and "X-3CX-Version" not in response.headers:
            response.headers["X-3CX-Version"] = self.version
        return response

    def _issue_token(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.token_requests.append(request)
            response = self.token_route(len(self.token_requests))
            if response.status_code == 200 and response.headers.get("Content-Type") == "application/json":
                token = json.loads(response.content).get("access_token")
                if token:
                    self.tokens.append(token)
        return response

    def _serve(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.requests.append(request)
            self._bearers.append(request.headers.get("Authorization", "").removeprefix("Bearer "))
            scripted = self._script.popleft() if self._script else None
        if isinstance(scripted, Exception):
            raise scripted
        return scripted or self.route(request)  # outside the lock: a route may wait for another request

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        if request.url.path == "/connect/token" and self.token_delay:
            time.sleep(self.token_delay)
        return self._answer(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        if request.url.path == "/connect/token" and self.token_delay:
            await asyncio.sleep(self.token_delay)
        return self._answer(request)

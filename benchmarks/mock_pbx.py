"""An in-memory PBX: httpx.MockTransport handlers, and the two clients a figure compares on the same transport."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from threecx_xapi import XapiClient

PBX = "http://pbx.bench"
API = PBX + "/xapi/v1"
TOKEN = {"access_token": "bench-token", "token_type": "Bearer", "expires_in": 3600}
JSON = {"content-type": "application/json; charset=utf-8"}

Handler = Callable[[httpx.Request], httpx.Response]


def serving(body_for: Callable[[httpx.Request], bytes]) -> Handler:
    """A handler that answers the token request and every other request with `body_for(request)`."""

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/connect/token":
            return httpx.Response(200, json=TOKEN)
        return httpx.Response(200, content=body_for(request), headers=JSON)

    return handle


def paged(page: bytes, empty: bytes, total: int) -> Handler:
    """Pages of a fixed body while `$skip` < total, then an empty page."""
    return serving(lambda request: page if int(request.url.params.get("$skip", "0")) < total else empty)


def xapi_client(handler: Handler) -> XapiClient:
    client = XapiClient(PBX, "bench-client", "bench-secret", httpx_args={"transport": httpx.MockTransport(handler)})
    client.get_httpx_client()
    return client


def raw_client(handler: Handler) -> httpx.Client:
    headers = {"Authorization": "Bearer bench-token"}
    return httpx.Client(base_url=API + "/", transport=httpx.MockTransport(handler), headers=headers)

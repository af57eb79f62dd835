"""The httpx clients XapiClient builds: httpx's own, with the failures raised outside the transport mapped.

The retry transports map everything a transport raises. Two httpx failures happen before or after it: a URL
httpx cannot build (InvalidURL: over 65,536 characters, say a `$filter` with thousands of values) and
TooManyRedirects (when `follow_redirects` is on). Both become TransportError naming the request.
"""

from __future__ import annotations

from typing import Any

import httpx

from .errors import TransportError

# How much of a URL that could not be built goes into the error: enough to recognise the request.
_URL_SHOWN = 200


def _unbuilt(
    exc: httpx.InvalidURL, client: httpx.Client | httpx.AsyncClient, method: str, url: object
) -> TransportError:
    text = str(url)
    target = text if "://" in text else str(client.base_url).rstrip("/") + "/" + text.lstrip("/")
    shown = target if len(target) <= _URL_SHOWN else f"{target[:_URL_SHOWN]}... ({len(target)} characters)"
    return TransportError(f"InvalidURL: {exc}; nothing was sent", method=method.upper(), url=shown)


class Client(httpx.Client):
    def build_request(self, method: str, url: Any, **kwargs: Any) -> httpx.Request:
        try:
            return super().build_request(method, url, **kwargs)
        except httpx.InvalidURL as exc:
            raise _unbuilt(exc, self, method, url) from exc

    def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        try:
            return super().send(request, **kwargs)
        except httpx.TooManyRedirects as exc:
            raise TransportError.from_exception(exc, request) from exc


class AsyncClient(httpx.AsyncClient):
    def build_request(self, method: str, url: Any, **kwargs: Any) -> httpx.Request:
        try:
            return super().build_request(method, url, **kwargs)
        except httpx.InvalidURL as exc:
            raise _unbuilt(exc, self, method, url) from exc

    async def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        try:
            return await super().send(request, **kwargs)
        except httpx.TooManyRedirects as exc:
            raise TransportError.from_exception(exc, request) from exc

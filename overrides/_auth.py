"""The client-credentials token as an `httpx.Auth`: fetched once, shared, refreshed ahead of expiry.

A PBX keeps one active token per client, so a second token request silently revokes the first: every
thread (a `threading.Lock`) and every task (an `asyncio.Lock`) of a client shares one token, and only one
token request is ever in flight. On a 401 the token is refreshed once and the request retried once.
"""

from __future__ import annotations

import asyncio
import base64
import json
import threading
import time
from collections.abc import AsyncGenerator, Callable, Generator
from dataclasses import dataclass

import httpx

from .errors import AuthenticationError


@dataclass(frozen=True)
class Token:
    value: str
    refresh_at: float

    def __repr__(self) -> str:
        return f"Token(refresh_at={self.refresh_at!r})"


def jwt_expiry(token: str) -> float | None:
    """The `exp` claim of a JWT (authoritative when present), read without checking the signature."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError:
        return None
    exp = payload.get("exp") if isinstance(payload, dict) else None
    return float(exp) if isinstance(exp, int | float) and not isinstance(exp, bool) else None


class TokenAuth(httpx.Auth):
    """Bearer auth with the PBX's client-credentials token, sent to the PBX's own address only."""

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        *,
        margin: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.token_url = token_url
        self._origin = _origin(httpx.URL(token_url))
        self.client_id = client_id
        self._client_secret = client_secret
        self.margin = margin
        self.clock = clock
        self._token: Token | None = None
        self._thread_lock = threading.Lock()
        self._task_lock: asyncio.Lock | None = None

    def __repr__(self) -> str:
        return f"TokenAuth(token_url={self.token_url!r}, client_id={self.client_id!r})"

    def _token_request(self) -> httpx.Request:
        return httpx.Request(
            "POST",
            self.token_url,
            data={
                "client_id": self.client_id,
                "client_secret": self._client_secret,
                "grant_type": "client_credentials",
            },
        )

    def _accept(self, response: httpx.Response) -> Token:
        """Keep the token a token response carries, or raise AuthenticationError with the server's reason."""
        try:
            body = response.json()
        except ValueError:
            body = {}
        body = body if isinstance(body, dict) else {}
        value = body.get("access_token")
        if response.status_code != 200 or not isinstance(value, str) or not value:
            if response.status_code == 200:
                reason = "the answer carries no access_token"
            else:
                reason = str(body.get("error_description") or body.get("error") or response.reason_phrase or "refused")
            raise AuthenticationError(
                f"the token endpoint refused client {self.client_id!r}: {reason.replace(self._client_secret, '***')}",
                status_code=response.status_code,
                code=str(body["error"]) if body.get("error") else None,
                method="POST",
                url=self.token_url,
                server_version=response.headers.get("X-3CX-Version"),
            )
        now = self.clock()
        expires = jwt_expiry(value)
        if expires is None:
            # `expires_in` was minutes before 20.0.9 and is seconds since: reading it as seconds is never too late.
            expires = now + _seconds(body.get("expires_in"), default=60.0)
        lifetime = max(expires - now, 0.0)
        self._token = Token(value, expires - min(self.margin, lifetime / 2))
        return self._token

    def _usable(self, stale: Token | None = None) -> Token | None:
        """The current token, unless it is the one that just failed or it is due for refresh."""
        token = self._token
        if token is None or token is stale or self.clock() >= token.refresh_at:
            return None
        return token

    @staticmethod
    def _authorize(request: httpx.Request, token: Token) -> httpx.Request:
        request.headers["Authorization"] = f"Bearer {token.value}"
        return request

    def _for_pbx(self, request: httpx.Request) -> bool:
        """Only the PBX the token came from ever receives it (same scheme, host and port)."""
        return _origin(request.url) == self._origin

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if not self._for_pbx(request):
            yield request
            return
        stale: Token | None = None
        for attempt in range(2):
            with self._thread_lock:
                token = self._usable(stale)
                if token is None:
                    # Overriding the flow runners skips httpx's own read of the body: read the token answer here.
                    answer = yield self._token_request()
                    answer.read()
                    token = self._accept(answer)
            response = yield self._authorize(request, token)
            if response.status_code != 401 or attempt == 1:
                return
            stale = token

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        if not self._for_pbx(request):
            yield request
            return
        if self._task_lock is None:
            self._task_lock = asyncio.Lock()
        stale: Token | None = None
        for attempt in range(2):
            async with self._task_lock:
                token = self._usable(stale)
                if token is None:
                    answer = yield self._token_request()
                    await answer.aread()
                    token = self._accept(answer)
            response = yield self._authorize(request, token)
            if response.status_code != 401 or attempt == 1:
                return
            stale = token


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    default_port = {"http": 80, "https": 443}.get(url.scheme)
    return url.scheme, url.host, url.port or default_port


def _seconds(value: object, *, default: float) -> float:
    """A positive number of seconds from a token answer's field, else `default`."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return default
    try:
        seconds = float(value)
    except ValueError:
        return default
    return seconds if 0 < seconds < float("inf") else default

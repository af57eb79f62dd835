"""The client-credentials token as an `httpx.Auth`: fetched once, shared, refreshed ahead of expiry.

A PBX keeps one active token per client, so a second token request silently revokes the first: every
thread and every task of a client, in any event loop, shares one token behind one lock, and only one token
request is ever in flight. On a 401 the token is refreshed once and the request retried once.
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

from ._retries import RETRY_SAFE
from .errors import AuthenticationError


@dataclass(frozen=True)
class Token:
    value: str
    refresh_at: float

    def __repr__(self) -> str:
        return f"Token(refresh_at={self.refresh_at!r})"


def jwt_lifetime(token: str, now: float) -> float | None:
    """Seconds a JWT stays valid from now, from its `exp` claim (authoritative), without checking the signature.

    With an `iat` claim the lifetime is `exp - iat`: both are on the PBX's clock, so a PBX whose clock is
    off from ours still gets its token used for its whole life and not refetched on every call.
    """
    claims = jwt_claims(token) or {}
    exp, issued = _claim_time(claims.get("exp")), _claim_time(claims.get("iat"))
    if exp is None:
        return None
    return exp - issued if issued is not None and issued <= exp else exp - now


def jwt_claims(token: str) -> dict[str, object] | None:
    """A JWT's payload, unverified (the PBX signs it; we only read its times), or None when it is not a JWT."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


def _claim_time(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


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
        # One lock for threads and tasks alike: a thread and a task never fetch two tokens at once.
        self._lock = threading.Lock()
        self._fetching_loop_thread: int | None = None  # the thread whose event loop holds the lock

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
            extensions={RETRY_SAFE: True},
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
        lifetime = jwt_lifetime(value, now)
        if lifetime is None:
            # `expires_in` was minutes before 20.0.9 and is seconds since: reading it as seconds is never too late.
            lifetime = _seconds(body.get("expires_in"), default=60.0)
        lifetime = max(lifetime, 0.0)
        self._token = Token(value, now + lifetime - min(self.margin, lifetime / 2))
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

    def _acquire(self) -> None:
        if self._lock.acquire(blocking=False):
            return
        if self._fetching_loop_thread == threading.get_ident():
            # Blocking here would stop the very event loop whose task holds the lock.
            raise RuntimeError("a sync call inside a running event loop waits for that loop's token: call asyncio()")
        self._lock.acquire()

    async def _acquire_async(self) -> None:
        # Polled, not blocked on: waiting must not stop the event loop, and a cancelled wait holds nothing.
        while not self._lock.acquire(blocking=False):
            await asyncio.sleep(0.005)
        self._fetching_loop_thread = threading.get_ident()

    def _release(self) -> None:
        self._fetching_loop_thread = None
        self._lock.release()

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if not self._for_pbx(request):
            yield request
            return
        stale: Token | None = None
        for attempt in range(2):
            token = self._usable(stale)
            if token is None:
                self._acquire()
                try:
                    token = self._usable(stale)
                    if token is None:
                        # Overriding the flow runners skips httpx's own read of the body: read the answer here.
                        answer = yield self._token_request()
                        answer.read()
                        token = self._accept(answer)
                finally:
                    self._release()
            response = yield self._authorize(request, token)
            if response.status_code != 401 or attempt == 1:
                return
            stale = token

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        if not self._for_pbx(request):
            yield request
            return
        stale: Token | None = None
        for attempt in range(2):
            token = self._usable(stale)
            if token is None:
                await self._acquire_async()
                try:
                    token = self._usable(stale)
                    if token is None:
                        answer = yield self._token_request()
                        await answer.aread()
                        token = self._accept(answer)
                finally:
                    self._release()
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

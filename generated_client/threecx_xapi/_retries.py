# Copied from overrides/_retries.py by the generator: edit it there.
"""One retry policy, applied by a transport wrapper around the real transport, sync and async.

Retried: connection failures before the request was sent (any method), and 429/502/503/504 answers to
idempotent methods. A POST or PATCH that may have reached the PBX is never sent twice (XAPI has no
idempotency keys). `Retry-After` is honoured (seconds or an HTTP date), capped; otherwise capped exponential
backoff with full jitter. Each attempt logs one DEBUG line under `threecx_xapi`.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from dataclasses import dataclass, field

import httpx

from .errors import TransportError, retry_after_seconds

logger = logging.getLogger("threecx_xapi")

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout)


def backoff_delay(attempt: int, base: float, cap: float) -> float:
    """Full-jitter exponential backoff for the wait after `attempt` (1-based); tests replace it."""
    return random.uniform(0.0, min(cap, base * 2 ** (attempt - 1)))


@dataclass(frozen=True)
class RetryPolicy:
    """How failed requests are retried; `RetryPolicy(max_attempts=1)` turns retries off."""

    MAX_ATTEMPTS = 4
    BACKOFF_BASE = 0.5
    BACKOFF_CAP = 8.0
    MAX_TOTAL_DELAY = 30.0

    max_attempts: int = MAX_ATTEMPTS
    backoff_base: float = BACKOFF_BASE
    backoff_cap: float = BACKOFF_CAP
    max_total_delay: float = MAX_TOTAL_DELAY
    statuses: frozenset[int] = field(default_factory=lambda: frozenset({429, 502, 503, 504}))

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("RetryPolicy max_attempts must be at least 1")

    def delay(self, attempt: int, response: httpx.Response | None) -> float:
        """The wait before the next attempt: the PBX's Retry-After when it sent one, else backoff."""
        asked = retry_after_seconds(response.headers.get("Retry-After")) if response is not None else None
        if asked is not None:
            return min(asked, self.backoff_cap)
        return backoff_delay(attempt, self.backoff_base, self.backoff_cap)

    def retry_status(self, request: httpx.Request, response: httpx.Response) -> bool:
        return response.status_code in self.statuses and request.method in IDEMPOTENT_METHODS

    def allows(self, attempt: int, waited: float, delay: float) -> bool:
        return attempt < self.max_attempts and waited + delay <= self.max_total_delay


def _log(request: httpx.Request, status: int | str, started: float, attempt: int) -> None:
    if logger.isEnabledFor(logging.DEBUG):
        elapsed = (time.perf_counter() - started) * 1000
        logger.debug("%s %s -> %s in %.1f ms (attempt %d)", request.method, request.url.path, status, elapsed, attempt)


class RetryTransport(httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport, policy: RetryPolicy) -> None:
        self.inner = inner
        self.policy = policy
        self.sleep = time.sleep

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        attempt, waited = 1, 0.0
        while True:
            started = time.perf_counter()
            try:
                response = self.inner.handle_request(request)
            except NOT_SENT as exc:
                _log(request, type(exc).__name__, started, attempt)
                delay = self.policy.delay(attempt, None)
                if not self.policy.allows(attempt, waited, delay):
                    raise TransportError.from_exception(exc, request) from exc
            except httpx.TransportError as exc:
                _log(request, type(exc).__name__, started, attempt)
                raise TransportError.from_exception(exc, request) from exc
            else:
                _log(request, response.status_code, started, attempt)
                delay = self.policy.delay(attempt, response)
                if not (self.policy.retry_status(request, response) and self.policy.allows(attempt, waited, delay)):
                    return response
                response.close()
            self.sleep(delay)
            waited += delay
            attempt += 1

    def close(self) -> None:
        self.inner.close()


class AsyncRetryTransport(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport, policy: RetryPolicy) -> None:
        self.inner = inner
        self.policy = policy
        self.sleep = asyncio.sleep

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        attempt, waited = 1, 0.0
        while True:
            started = time.perf_counter()
            try:
                response = await self.inner.handle_async_request(request)
            except NOT_SENT as exc:
                _log(request, type(exc).__name__, started, attempt)
                delay = self.policy.delay(attempt, None)
                if not self.policy.allows(attempt, waited, delay):
                    raise TransportError.from_exception(exc, request) from exc
            except httpx.TransportError as exc:
                _log(request, type(exc).__name__, started, attempt)
                raise TransportError.from_exception(exc, request) from exc
            else:
                _log(request, response.status_code, started, attempt)
                delay = self.policy.delay(attempt, response)
                if not (self.policy.retry_status(request, response) and self.policy.allows(attempt, waited, delay)):
                    return response
                await response.aclose()
            await self.sleep(delay)
            waited += delay
            attempt += 1

    async def aclose(self) -> None:
        await self.inner.aclose()

"""One retry policy, applied by a transport wrapper around the real transport, sync and async.

Retried: connection failures before the request was sent (any method); a connection the PBX closed or reset
without a (complete) answer, for idempotent methods (a kept-alive connection closed as it was reused); and
429/502/503/504 answers to idempotent methods and to the token request. A POST or PATCH that may have reached
the PBX is never sent twice (XAPI has no idempotency keys). `Retry-After` is honoured (seconds or an HTTP date)
within the total delay budget; otherwise capped exponential backoff with full jitter. Each attempt logs one
DEBUG line under `threecx_xapi`.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass, field

import httpx

from ._extensions import RETRY_SAFE, STREAMED
from .errors import TransportError, retry_after_seconds

logger = logging.getLogger("threecx_xapi")

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# Failures that happen before a single byte of the request left: safe to retry for any method.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# The PBX closed or reset the connection instead of answering in full: it may have acted, so only an idempotent
# request is sent again (httpx opens a new connection for it).
DROPPED = (httpx.RemoteProtocolError, httpx.ReadError)
# A failed answer body: the connection broke mid-answer, or its Content-Encoding does not decode.
ANSWER_FAILED = (httpx.TransportError, httpx.DecodingError)


def backoff_delay(attempt: int, base: float, cap: float) -> float:
    """Full-jitter exponential backoff for the wait after `attempt` (1-based); tests replace it."""
    return random.uniform(0.0, min(cap, base * 2 ** (attempt - 1)))


def pause(seconds: float) -> None:
    """The wait between two attempts of a sync request; tests replace it."""
    time.sleep(seconds)


async def apause(seconds: float) -> None:
    """The wait between two attempts of an async request; tests replace it."""
    import asyncio  # here, not at the top: importing an operation must not pay for asyncio

    await asyncio.sleep(seconds)


@dataclass(frozen=True)
class RetryPolicy:
    """How failed requests are retried; `RetryPolicy(max_attempts=1)` turns retries off.

    `max_attempts` counts the first attempt; `max_total_delay` caps the sum of the waits of one request
    (a `Retry-After` longer than what is left ends the retries and the answer is returned as it is).
    """

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
        if self.backoff_base < 0 or self.backoff_cap < 0 or self.max_total_delay < 0:
            raise ValueError("RetryPolicy delays must not be negative")

    def delay(self, attempt: int, response: httpx.Response | None) -> float:
        """The wait before the next attempt: the PBX's Retry-After when it sent one, else backoff."""
        asked = retry_after_seconds(response.headers.get("Retry-After")) if response is not None else None
        if asked is not None:
            return asked
        return backoff_delay(attempt, self.backoff_base, self.backoff_cap)

    def retry_status(self, request: httpx.Request, response: httpx.Response) -> bool:
        safe = request.method in IDEMPOTENT_METHODS or bool(request.extensions.get(RETRY_SAFE))
        return safe and response.status_code in self.statuses

    def next_wait(self, attempt: int, waited: float, response: httpx.Response | None) -> float | None:
        """The wait before the attempt after `attempt`, or None when the attempts or the delay budget are spent."""
        if attempt >= self.max_attempts:
            return None
        delay = self.delay(attempt, response)
        return delay if waited + delay <= self.max_total_delay else None


class _Attempts:
    """The retry decisions for one request, shared by the sync and async transports (which only do I/O)."""

    def __init__(self, policy: RetryPolicy, request: httpx.Request) -> None:
        self.policy = policy
        self.request = request
        self.number = 0
        self.waited = 0.0
        self.started = 0.0

    def start(self) -> None:
        self.number += 1
        self.started = time.perf_counter()

    def failed(self, exc: httpx.RequestError) -> float:
        """The wait before retrying after a transport failure; raises TransportError when it is final."""
        self._log(type(exc).__name__)
        idempotent = self.request.method in IDEMPOTENT_METHODS
        retried = isinstance(exc, NOT_SENT) or (idempotent and isinstance(exc, DROPPED))
        delay = self._next_wait(None) if retried else None
        if delay is None:
            raise TransportError.from_exception(exc, self.request) from exc
        return delay

    def answered(self, response: httpx.Response) -> float | None:
        """The wait before retrying after this answer, or None when the answer is final."""
        self._log(response.status_code)
        return self._next_wait(response) if self.policy.retry_status(self.request, response) else None

    def _next_wait(self, response: httpx.Response | None) -> float | None:
        delay = self.policy.next_wait(self.number, self.waited, response)
        self.waited += delay or 0.0
        return delay

    def _log(self, status: int | str) -> None:
        if logger.isEnabledFor(logging.DEBUG):
            elapsed = (time.perf_counter() - self.started) * 1000
            request = self.request
            logger.debug(
                "%s %s -> %s in %.1f ms (attempt %d)", request.method, request.url.path, status, elapsed, self.number
            )


class RetryTransport(httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport, policy: RetryPolicy) -> None:
        self.inner = inner
        self.policy = policy

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        attempts = _Attempts(self.policy, request)
        while True:
            attempts.start()
            try:
                response = self.inner.handle_request(request)
                if not request.extensions.get(STREAMED):
                    response.read()  # a connection broken mid-answer fails this attempt, as a TransportError
            except ANSWER_FAILED as exc:
                delay = attempts.failed(exc)
            else:
                answered = attempts.answered(response)
                if answered is None:
                    return response
                response.close()
                delay = answered
            pause(delay)

    def close(self) -> None:
        self.inner.close()


class AsyncRetryTransport(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport, policy: RetryPolicy) -> None:
        self.inner = inner
        self.policy = policy

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        attempts = _Attempts(self.policy, request)
        while True:
            attempts.start()
            try:
                response = await self.inner.handle_async_request(request)
                if not request.extensions.get(STREAMED):
                    await response.aread()  # a connection broken mid-answer fails this attempt, as a TransportError
            except ANSWER_FAILED as exc:
                delay = attempts.failed(exc)
            else:
                answered = attempts.answered(response)
                if answered is None:
                    return response
                await response.aclose()
                delay = answered
            await apause(delay)

    async def aclose(self) -> None:
        await self.inner.aclose()

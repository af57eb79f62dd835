"""The doctor's only way to the PBX: GETs through the user's own XapiClient, whatever its sign-in, watched by
event hooks that note each answer's time, Date header and status, and what a token answer says (never the token).
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any

import httpx

from .._auth import jwt_claims
from ..client import XapiClient
from ..errors import TransportError, XapiError

# Builds the client the doctor uses, given httpx_args to add (the doctor's hooks); any sign-in kind will do.
ClientFactory = Callable[[dict[str, Any]], XapiClient]


@dataclass(frozen=True)
class TokenAnswer:
    """What a token answer told, without the token: its status, kind and claims' times, our clock around it."""

    status: int
    kind: str  # "JWT" or "opaque"
    issued_at: float | None  # the JWT's iat, on the PBX's clock
    expires_at: float | None  # the JWT's exp
    expires_in: float | None
    local_time: float  # this machine's clock halfway through the request


@dataclass(frozen=True)
class Answer:
    status: int
    headers: httpx.Headers
    body: Any  # the parsed JSON, or None when the answer is not JSON or was not read
    seconds: float

    @property
    def content_type(self) -> str:
        return str(self.headers.get("content-type", "")).split(";")[0].strip().lower()

    @property
    def error(self) -> dict[str, Any] | None:
        """The `error` object of an OData error body, if the answer is one."""
        error = self.body.get("error") if isinstance(self.body, dict) else None
        return error if isinstance(error, dict) else None

    @property
    def error_message(self) -> str:
        message = (self.error or {}).get("message")
        return message if isinstance(message, str) else ""


@dataclass
class Probe:
    """Runs read-only requests and keeps what the doctor needs to judge them."""

    make_client: ClientFactory
    tokens: list[TokenAnswer] = field(default_factory=list)
    date_offsets: list[float] = field(default_factory=list)  # PBX Date header minus our clock, per answer
    _sent: dict[int, float] = field(default_factory=dict)
    _client: XapiClient | None = None
    _cache: dict[str, Answer] = field(default_factory=dict)

    def __enter__(self) -> Probe:
        self._client = self.make_client({"event_hooks": {"request": [self._on_request], "response": [self._on_answer]}})
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self._client is not None:
            self._client.close()

    @property
    def client(self) -> XapiClient:
        assert self._client is not None, "use the Probe in a with block"
        return self._client

    def get(self, path: str, params: Mapping[str, str] | None = None, *, read: bool = True) -> Answer:
        """GET `path` (under /xapi/v1); `read=False` reads the headers only. Raises XapiError when it fails."""
        http = self.client.get_httpx_client()
        started = time.perf_counter()
        try:
            with http.stream("GET", path, params=dict(params or {})) as response:
                body = _json(response.read()) if read else None
                seconds = time.perf_counter() - started
                return Answer(response.status_code, response.headers, body, seconds)
        except httpx.RequestError as exc:
            raise TransportError.from_exception(exc, exc.request) from None
        except httpx.HTTPError as exc:
            raise XapiError(f"{type(exc).__name__}: {exc}") from None

    def cached(self, path: str, params: Mapping[str, str] | None = None) -> Answer:
        """`get`, asked once per path and parameters for the whole run."""
        key = path + "?" + json.dumps(dict(params or {}), sort_keys=True)
        if key not in self._cache:
            self._cache[key] = self.get(path, params)
        return self._cache[key]

    def clock_readings(self) -> dict[str, float]:
        """Seconds the PBX's clock is ahead of ours, by source: the token's iat, the Date header (the median)."""
        readings = {}
        issued = [token for token in self.tokens if token.issued_at is not None]
        if issued:
            token = issued[-1]
            assert token.issued_at is not None
            # iat is whole seconds, truncated: half a second is the best guess of the moment within it.
            readings["token iat"] = token.issued_at + 0.5 - token.local_time
        if self.date_offsets:
            readings["Date header"] = statistics.median(self.date_offsets)
        return readings

    # -- the hooks -----------------------------------------------------------------------------------------

    def _on_request(self, request: httpx.Request) -> None:
        self._sent[id(request)] = time.time()

    def _on_answer(self, response: httpx.Response) -> None:
        received = time.time()
        sent = self._sent.pop(id(response.request), received)
        local = (sent + received) / 2
        date = _date(response.headers.get("date"))
        if date is not None:
            # Date is whole seconds, truncated: half a second is the best guess of the moment within it.
            self.date_offsets.append(date + 0.5 - local)
        if response.request.method == "POST":
            response.read()
            body = _token_fields(_json(response.content))
            if body is not None and ("access_token" in body or response.status_code != 200):
                self.tokens.append(_token_answer(response.status_code, body, local))


def _json(content: bytes) -> Any:
    try:
        return json.loads(content) if content else None
    except ValueError:
        return None


def _token_fields(body: Any) -> dict[str, Any] | None:
    """The object of a token answer that holds `access_token`: the body itself (client credentials, OAuth), or one
    level down (a user login answers `{"Status": ..., "Token": {"access_token": ...}}`)."""
    if not isinstance(body, dict):
        return None
    if "access_token" in body:
        return body
    nested = [value for value in body.values() if isinstance(value, dict) and "access_token" in value]
    return nested[0] if nested else body


def _date(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None


def _token_answer(status: int, body: Mapping[str, Any], local_time: float) -> TokenAnswer:
    token = body.get("access_token")
    claims = jwt_claims(token) if isinstance(token, str) else None
    expires_in = body.get("expires_in")
    return TokenAnswer(
        status=status,
        kind="JWT" if claims is not None else "opaque",
        issued_at=_number(claims.get("iat")) if claims else None,
        expires_at=_number(claims.get("exp")) if claims else None,
        expires_in=_number(expires_in),
        local_time=local_time,
    )


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return float(value)
    except ValueError:
        return None

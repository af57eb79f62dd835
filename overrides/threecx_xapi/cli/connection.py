"""How the commands reach a PBX: credentials, the client, and `--debug` request and response lines.

`Connection` is the seam for tests and embedding: click's context object. The console script uses the
default (real HTTP); a test passes `Connection(transport=httpx.MockTransport(handler))` as `obj=` to
`CliRunner.invoke`, and every command that talks to a PBX builds its client through `make_client`.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import click
import httpx

from ..client import ENVIRONMENT, XapiClient
from ..errors import _scrub
from .errors import InputError

URL_VARIABLE, CLIENT_ID_VARIABLE, CLIENT_SECRET_VARIABLE = ENVIRONMENT


@dataclass(frozen=True)
class Credentials:
    url: str | None
    client_id: str | None
    client_secret: str | None

    def __repr__(self) -> str:
        return f"Credentials(url={self.url!r}, client_id={self.client_id!r})"

    def require(self) -> tuple[str, str, str]:
        """All three, or an InputError naming the flags and variables that are missing."""
        missing = [
            f"{flag} (or {variable})"
            for flag, variable, value in (
                ("--url", URL_VARIABLE, self.url),
                ("--client-id", CLIENT_ID_VARIABLE, self.client_id),
                ("--client-secret", CLIENT_SECRET_VARIABLE, self.client_secret),
            )
            if not value
        ]
        if missing:
            raise InputError("missing " + ", ".join(missing))
        assert self.url and self.client_id and self.client_secret
        return self.url, self.client_id, self.client_secret


def _debug(text: str) -> None:
    click.echo(f"debug: {text}", err=True)


class DebugLog:
    """`--debug` lines for each request and response: headers and bodies, the secret and tokens masked."""

    HIDDEN_HEADERS = frozenset({"authorization", "cookie", "set-cookie"})
    TOKEN_FIELDS = ("access_token", "refresh_token", "id_token")
    BODY_LIMIT = 2000  # characters of a body shown: enough to read an error, not a whole report

    def __init__(self, client_secret: str) -> None:
        self._hidden = {client_secret}

    def _mask(self, text: str) -> str:
        for hidden in self._hidden:
            text = text.replace(hidden, "***")
        return _scrub(text)

    def _lines(self, prefix: str, headers: httpx.Headers, body: str | None) -> None:
        for name, value in headers.items():
            _debug(f"{prefix}   {name}: {'***' if name.lower() in self.HIDDEN_HEADERS else self._mask(value)}")
        if body:
            shown = body if len(body) <= self.BODY_LIMIT else f"{body[: self.BODY_LIMIT]}... ({len(body)} characters)"
            _debug(f"{prefix}   {self._mask(shown)}")

    def request(self, request: httpx.Request) -> None:
        _debug(f"> {request.method} {self._mask(str(request.url))}")
        try:
            body = request.content.decode("utf-8", "replace")
        except httpx.RequestNotRead:
            body = "(streamed body)"
        self._lines(">", request.headers, body)

    def response(self, response: httpx.Response) -> None:
        headers = response.headers
        details = [headers.get("content-type", "no content-type"), f"{headers.get('content-length', '?')} bytes"]
        if "X-3CX-Version" in headers:
            details.append(f"X-3CX-Version {headers['X-3CX-Version']}")
        _debug(f"< {response.status_code} {response.reason_phrase} ({', '.join(details)})")
        response.read()
        self._hide_tokens(response)
        self._lines("<", headers, response.text)

    def _hide_tokens(self, response: httpx.Response) -> None:
        """Learn the tokens a token answer carries, so that no later line shows them either."""
        if not response.request.url.path.endswith("/connect/token"):
            return
        try:
            body = response.json()
        except ValueError:
            return
        if isinstance(body, dict):
            self._hidden.update(str(body[name]) for name in self.TOKEN_FIELDS if body.get(name))


@contextlib.contextmanager
def library_debug_log() -> Iterator[None]:
    """The library's own DEBUG lines (attempts, timings) on stderr for the duration of one command."""
    logger = logging.getLogger("threecx_xapi")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("debug: %(message)s"))
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)


@dataclass(frozen=True)
class Connection:
    """Builds the XapiClient for a command; `transport` replaces the network (tests, embedding)."""

    transport: httpx.BaseTransport | None = None

    def make_client(
        self, credentials: Credentials, *, debug: bool = False, httpx_args: dict[str, Any] | None = None
    ) -> XapiClient:
        """The client for these credentials; `httpx_args` adds to what the connection sets (hooks are joined)."""
        url, client_id, client_secret = credentials.require()
        extra = dict(httpx_args or {})
        hooks: dict[str, list[Any]] = {name: list(found) for name, found in extra.pop("event_hooks", {}).items()}
        httpx_args = extra
        if self.transport is not None:
            httpx_args["transport"] = self.transport
        if debug:
            log = DebugLog(client_secret)
            hooks = {
                "request": [log.request, *hooks.get("request", [])],
                "response": [log.response, *hooks.get("response", [])],
            }
        if hooks:
            httpx_args["event_hooks"] = hooks
        try:
            return XapiClient(url, client_id, client_secret, httpx_args=httpx_args)
        except ValueError as exc:
            raise InputError(str(exc)) from None

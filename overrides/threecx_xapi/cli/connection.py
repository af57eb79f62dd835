"""How the commands reach a PBX: credentials, the client, and `--debug` request and response lines.

`Connection` is the seam for tests and embedding: click's context object. The console script uses the
default (real HTTP); a test passes `Connection(transport=httpx.MockTransport(handler))` as `obj=` to
`CliRunner.invoke`, and every command that talks to a PBX builds its client through `make_client`.

Credentials: an API client (THREECX_XAPI_CLIENT_ID and THREECX_XAPI_CLIENT_SECRET), or a user
(THREECX_XAPI_USERNAME, THREECX_XAPI_PASSWORD, THREECX_XAPI_SECURITY_CODE), or the tokens `threecx-xapi login`
kept in a file only its owner can read (THREECX_XAPI_TOKEN_FILE, else one file per PBX under the user's state
folder), refreshed and rewritten as they rotate.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import httpx

from .._token_store import FileTokenStore
from ..client import ENVIRONMENT, USER_ENVIRONMENT, XapiClient, split_base_url
from ..errors import _scrub
from .errors import InputError

URL_VARIABLE, CLIENT_ID_VARIABLE, CLIENT_SECRET_VARIABLE = ENVIRONMENT
USERNAME_VARIABLE, PASSWORD_VARIABLE, SECURITY_CODE_VARIABLE = USER_ENVIRONMENT
TOKEN_FILE_VARIABLE = "THREECX_XAPI_TOKEN_FILE"


def _environment(name: str) -> Callable[[], str | None]:
    return lambda: os.environ.get(name) or None


@dataclass(frozen=True)
class Credentials:
    url: str | None
    client_id: str | None
    client_secret: str | None
    username: str | None = field(default_factory=_environment(USERNAME_VARIABLE))
    password: str | None = field(default_factory=_environment(PASSWORD_VARIABLE), repr=False)
    security_code: str | None = field(default_factory=_environment(SECURITY_CODE_VARIABLE), repr=False)

    def __repr__(self) -> str:
        return f"Credentials(url={self.url!r}, client_id={self.client_id!r}, username={self.username!r})"

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(value for value in (self.client_secret, self.password, self.security_code) if value)

    def require(self) -> tuple[str, str, str]:
        """URL, client id and secret, or an InputError naming the flags and variables that are missing."""
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

    def sign_in_arguments(self) -> dict[str, Any]:
        """XapiClient's arguments: an API client, else a user, else the tokens of an earlier `login`."""
        if not self.url:
            self.require()  # names every missing flag
        assert self.url
        if self.client_id and self.client_secret:
            return {"client_id": self.client_id, "client_secret": self.client_secret}
        store_path = token_file(self.url)
        if self.username:
            store = FileTokenStore(store_path, account={"username": self.username})
            arguments = {"username": self.username, "password": self.password, "security_code": self.security_code}
            # At a terminal, a second-factor code is asked for when the PBX wants one.
            prompt = ask_security_code if sys.stdin.isatty() else None
            return {**arguments, "token_store": store, "security_code_prompt": prompt}
        account = FileTokenStore.stored_account(store_path)
        if account.get("username"):
            return {"username": account["username"], "token_store": FileTokenStore(store_path, account=account)}
        if account.get("client_id"):
            return {"client_id": account["client_id"], "token_store": FileTokenStore(store_path, account=account)}
        self.require()  # names what is missing for the usual way, an API client
        raise AssertionError("unreachable")


def ask_security_code() -> str:
    return str(click.prompt("Second-factor code", hide_input=True, err=True))


def token_file(url: str) -> Path:
    """Where `threecx-xapi login` keeps the tokens for the PBX at `url`."""
    if os.environ.get(TOKEN_FILE_VARIABLE):
        return Path(os.environ[TOKEN_FILE_VARIABLE])
    try:
        root, _ = split_base_url(url)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    state = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return state / "threecx-xapi" / (re.sub(r"[^A-Za-z0-9.-]+", "_", root.split("://", 1)[1]) + ".json")


def _debug(text: str) -> None:
    click.echo(f"debug: {text}", err=True)


class DebugLog:
    """`--debug` lines for each request and response: headers and bodies, the secret and tokens masked."""

    HIDDEN_HEADERS = frozenset({"authorization", "cookie", "set-cookie", "location"})
    TOKEN_FIELDS = ("access_token", "refresh_token", "id_token")
    BODY_LIMIT = 2000  # characters of a body shown: enough to read an error, not a whole report
    # Fields whose values are secrets wherever they appear: JSON bodies ("Password": "...") and forms (code=...).
    SECRET_FIELDS = (
        "Password|SecurityCode|client_secret|password|code|code_verifier|access_token|refresh_token|id_token"
    )
    _JSON_FIELD = re.compile(rf'("(?:{SECRET_FIELDS})"\s*:\s*)"(?:[^"\\]|\\.)*"')
    _FORM_FIELD = re.compile(rf"(^|[&?])((?:{SECRET_FIELDS})=)[^&\s]*")

    def __init__(self, *secrets: str) -> None:
        self._hidden = {secret for secret in secrets if secret}

    def _mask(self, text: str) -> str:
        for hidden in sorted(self._hidden, key=len, reverse=True):
            text = text.replace(hidden, "***")
        text = self._JSON_FIELD.sub(r'\1"***"', text)
        return _scrub(self._FORM_FIELD.sub(r"\1\2***", text))

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
        """Learn the tokens a sign-in answer carries, so that no later line shows them either."""
        try:
            body = response.json()
        except ValueError:
            return
        for found in (body, body.get("Token")) if isinstance(body, dict) else ():
            if isinstance(found, dict):
                self._hidden.update(str(found[name]) for name in self.TOKEN_FIELDS if found.get(name))


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
    """Builds the XapiClient for a command; `transport` replaces the network and `open_browser` the user's
    browser (tests, embedding)."""

    transport: httpx.BaseTransport | None = None
    open_browser: Callable[[str], Any] | None = None

    def make_client(
        self,
        credentials: Credentials,
        *,
        debug: bool = False,
        arguments: dict[str, Any] | None = None,
    ) -> XapiClient:
        """The client for `credentials`; `arguments` replace how it signs in (the `login` command's)."""
        signing_in = arguments if arguments is not None else credentials.sign_in_arguments()
        assert credentials.url
        httpx_args: dict[str, Any] = {}
        if self.transport is not None:
            httpx_args["transport"] = self.transport
        if debug:
            store = signing_in.get("token_store")
            held = store.load() if store is not None else None
            tokens = (held.access_token, held.refresh_token or "") if held else ()
            log = DebugLog(*credentials.secrets, *tokens)
            httpx_args["event_hooks"] = {"request": [log.request], "response": [log.response]}
        try:
            return XapiClient(credentials.url, httpx_args=httpx_args, **signing_in)
        except ValueError as exc:
            raise InputError(str(exc)) from None

"""How a token is obtained: the three ways a 3CX PBX signs a caller in, and the refresh of each.

Each grant builds requests and reads their answers; `_auth.TokenAuth` decides when to ask and shares the
result. A grant's `sign_in()` is a generator that yields requests and receives their answers, so one piece
of code serves the sync and the async client (httpx.Auth's model); it yields a `CodeQuestion` when it needs a
second-factor code, which each runner asks in its own way.
"""

from __future__ import annotations

import base64
import inspect
import json
from collections.abc import Generator
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote

import httpx

from ._auth_errors import (
    AccountLocked,
    AuthorizationCodeRejected,
    RefreshTokenRejected,
    SecondFactorRejected,
    SecondFactorRequired,
    SignInRequired,
    WrongCredentials,
)
from ._extensions import RETRY_SAFE
from .errors import AuthenticationError

if TYPE_CHECKING:
    from .client import CodePrompt

TOKEN_PATH = "/connect/token"
LOGIN_PATH = "/webclient/api/Login/GetAccessToken"
WEBCLIENT_ID = "Webclient"  # the client id the web client's own tokens are refreshed with
REFRESH_COOKIE = "RefreshTokenCookie"  # how a PBX also hands the web client its refresh token
LOGIN_SUCCESS = "AuthSuccess"


@dataclass(frozen=True)
class CodeQuestion:
    """Sign-in step: ask the user for a second-factor code; the runner sends back the answer (or None)."""

    prompt: CodePrompt

    def ask(self) -> str | None:
        if inspect.iscoroutinefunction(self.prompt):
            raise TypeError("security_code_prompt is a coroutine function: sign in with the async calls")
        return _code(self.prompt())

    async def ask_async(self) -> str | None:
        import asyncio  # here: only an async sign-in with a prompt needs it

        if inspect.iscoroutinefunction(self.prompt):
            return _code(await self.prompt())
        return _code(await asyncio.to_thread(self.prompt))


def _code(answer: object) -> str | None:
    return (answer.strip() or None) if isinstance(answer, str) else None


SignInFlow = Generator["httpx.Request | CodeQuestion", "httpx.Response | str | None", "Issued"]


@dataclass(frozen=True)
class Issued:
    """What a sign-in or a refresh answered."""

    access_token: str
    expires_in: object  # the answer's `expires_in`, as sent; the JWT's `exp` wins over it
    refresh_token: str | None

    def __repr__(self) -> str:
        return f"Issued(expires_in={self.expires_in!r})"


class Grant(Protocol):
    """One way to sign in. `secrets` are the values no message may show (also masked in --debug)."""

    @property
    def who(self) -> str: ...

    @property
    def secrets(self) -> tuple[str, ...]: ...

    def sign_in(self) -> SignInFlow: ...

    def refresh_request(self, refresh_token: str) -> httpx.Request | None: ...


class ClientCredentials:
    """An API client an admin created under Integrations > API: its id and secret, in the body or as Basic."""

    def __init__(self, root_url: str, client_id: str, client_secret: str, *, basic: bool = False) -> None:
        self.token_url = root_url + TOKEN_PATH
        self.client_id = client_id
        self._client_secret = client_secret
        self.basic = basic

    def __repr__(self) -> str:
        return f"ClientCredentials(client_id={self.client_id!r}, basic={self.basic!r})"

    @property
    def who(self) -> str:
        return f"client {self.client_id!r}"

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self._client_secret,)

    def sign_in(self) -> SignInFlow:
        form: dict[str, str] = {}
        headers: dict[str, str] = {}
        if self.basic:
            # RFC 6749 §2.3.1: id and secret are form-encoded before they are joined and base64-encoded.
            pair = f"{quote(self.client_id, safe='')}:{quote(self._client_secret, safe='')}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode("ascii")
        else:
            form.update(client_id=self.client_id, client_secret=self._client_secret)
        form["grant_type"] = "client_credentials"
        answer = yield _post(self.token_url, data=form, headers=headers)
        assert isinstance(answer, httpx.Response)
        return read_token_answer(answer, self.who, self.secrets, refused=WrongCredentials)

    def refresh_request(self, refresh_token: str) -> httpx.Request | None:
        return None  # client credentials are asked again; the PBX hands out no refresh token for them


class UserLogin:
    """A user's own sign-in, as the web client does it: username, password and an optional second factor."""

    def __init__(
        self,
        root_url: str,
        username: str,
        password: str,
        *,
        security_code: str | None = None,
        security_code_prompt: CodePrompt | None = None,
    ) -> None:
        self.root_url = root_url
        self.username = username
        self._password = password
        self._security_code = security_code or None
        self._prompt = security_code_prompt

    def __repr__(self) -> str:
        return f"UserLogin(username={self.username!r})"

    @property
    def who(self) -> str:
        return f"user {self.username!r}"

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(value for value in (self._password, self._security_code) if value)

    def sign_in(self) -> SignInFlow:
        if not self._password:
            raise SignInRequired(
                f"{self.who} has no password here and no refresh token left: sign in again (`threecx-xapi login`)",
                url=self.root_url + LOGIN_PATH,
            )
        code, self._security_code = self._security_code, None  # a one-time code is never sent twice
        asked = False
        while True:
            hidden = (*self.secrets, *([code] if code else []))
            answer = yield self._login_request(code)
            assert isinstance(answer, httpx.Response)
            body = _json_object(answer)
            status = str(body.get("Status") or "")
            if answer.status_code == 200 and status == LOGIN_SUCCESS:
                token = body.get("Token")
                issued = _issued(answer, token if isinstance(token, dict) else {}, refresh_from_cookie=True)
                if issued is None:
                    reason = "the PBX answered AuthSuccess without a token"
                    raise self._error(AuthenticationError, answer, reason, hidden)
                return issued
            if _wants_second_factor(status, body):
                if code:
                    reason = "the second-factor code was refused"
                    raise self._error(SecondFactorRejected, answer, reason, hidden)
                if self._prompt is not None and not asked:
                    asked = True
                    asked_code = yield CodeQuestion(self._prompt)
                    code = asked_code if isinstance(asked_code, str) else None
                    if code:
                        continue
                raise self._error(
                    SecondFactorRequired,
                    answer,
                    "the account asks for a second-factor code: pass security_code= or security_code_prompt= "
                    "(on the command line: THREECX_XAPI_SECURITY_CODE, or `threecx-xapi login`, which asks)",
                    hidden,
                )
            if _is_locked(status):
                raise self._error(AccountLocked, answer, "the account is locked or blocked", hidden)
            if answer.status_code == 200 or status:
                reason = "wrong username or password"
                raise self._error(WrongCredentials, answer, reason, hidden)
            raise self._error(AuthenticationError, answer, _reason(answer, body), hidden)

    def _login_request(self, code: str | None) -> httpx.Request:
        body = {"Username": self.username, "Password": self._password, "SecurityCode": code or ""}
        return _post(self.root_url + LOGIN_PATH, json=body)

    def _error(
        self, kind: type[AuthenticationError], answer: httpx.Response, reason: str, hidden: tuple[str, ...]
    ) -> AuthenticationError:
        status = _json_object(answer).get("Status")
        message = f"the PBX refused {self.who}: {reason}"
        # Refused in the body's Status rather than by HTTP: "200" in the message would read as a success.
        return auth_error(kind, message, answer, hidden, code=str(status) if status else None, in_body=True)

    def refresh_request(self, refresh_token: str) -> httpx.Request | None:
        return refresh_request(self.root_url + TOKEN_PATH, WEBCLIENT_ID, refresh_token, cookie=True)


class AuthorizationCode:
    """Tokens from the authorization code flow with PKCE: refreshed with the app's client id, never re-asked."""

    def __init__(self, root_url: str, client_id: str) -> None:
        self.token_url = root_url + TOKEN_PATH
        self.client_id = client_id

    def __repr__(self) -> str:
        return f"AuthorizationCode(client_id={self.client_id!r})"

    @property
    def who(self) -> str:
        return f"app {self.client_id!r}"

    @property
    def secrets(self) -> tuple[str, ...]:
        return ()

    def sign_in(self) -> SignInFlow:
        raise SignInRequired(
            f"{self.who} has no token to refresh: sign in again in the browser "
            "(XapiClient.sign_in_with_browser(), or `threecx-xapi login --browser`)",
            url=self.token_url,
        )
        yield  # pragma: no cover - makes this a generator like the others

    def exchange(self, code: str, code_verifier: str, redirect_uri: str) -> SignInFlow:
        """RFC 6749 §4.1.3 with RFC 7636's code_verifier."""
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": self.client_id,
            "code_verifier": code_verifier,
        }
        answer = yield _post(self.token_url, data=form)
        assert isinstance(answer, httpx.Response)
        return read_token_answer(answer, self.who, (code, code_verifier), refused=AuthorizationCodeRejected)

    def refresh_request(self, refresh_token: str) -> httpx.Request | None:
        return refresh_request(self.token_url, self.client_id, refresh_token)


def refresh_request(token_url: str, client_id: str, refresh_token: str, *, cookie: bool = False) -> httpx.Request:
    form = {"grant_type": "refresh_token", "client_id": client_id, "refresh_token": refresh_token}
    # The web client's PBX reads the refresh token from its cookie; the form field serves every other.
    headers = {"Cookie": f"{REFRESH_COOKIE}={refresh_token}"} if cookie else {}
    return _post(token_url, data=form, headers=headers)


def read_refresh_answer(answer: httpx.Response, who: str, refresh_token: str) -> Issued:
    """The refreshed tokens, or RefreshTokenRejected when the PBX refused the refresh token itself."""
    # A 400 or 401 refuses the refresh token itself (invalid_grant); a 5xx is the PBX failing, the token may be fine.
    refused = RefreshTokenRejected if answer.status_code in (400, 401) else AuthenticationError
    return read_token_answer(answer, who, (refresh_token,), refused=refused, refreshing=True)


def read_token_answer(
    answer: httpx.Response,
    who: str,
    hidden: tuple[str, ...],
    *,
    refused: type[AuthenticationError],
    refreshing: bool = False,
) -> Issued:
    """The tokens of a /connect/token answer, or `refused` with the OAuth error (RFC 6749 §5.2)."""
    body = _json_object(answer)
    issued = _issued(answer, body, refresh_from_cookie=True) if answer.status_code == 200 else None
    if issued is not None:
        return issued
    reason = "the answer carries no access_token" if answer.status_code == 200 else _reason(answer, body)
    if refreshing and issubclass(refused, RefreshTokenRejected):
        message = f"the PBX refused the refresh token of {who}: {reason}; sign in again"
    elif refreshing:
        message = f"the refresh of {who}'s token failed: {reason}"
    else:
        message = f"the token endpoint refused {who}: {reason}"
    code = body.get("error") if isinstance(body.get("error"), str) else None
    raise auth_error(refused, message, answer, hidden, code=code or None)


def auth_error(
    kind: type[AuthenticationError],
    message: str,
    answer: httpx.Response,
    hidden: tuple[str, ...],
    *,
    code: str | None = None,
    in_body: bool = False,
) -> AuthenticationError:
    """An error for a refused sign-in; the response is left out, since it may carry tokens. `in_body`: the
    refusal is the answer's Status, not its HTTP status, which is then left out when it is 200."""
    for value in hidden:
        if value:
            message = message.replace(value, "***")
    return kind(
        message,
        status_code=None if in_body and answer.status_code == 200 else answer.status_code,
        code=code,
        method=answer.request.method,
        url=str(answer.request.url),
        server_version=answer.headers.get("X-3CX-Version"),
    )


def _post(url: str, **content: Any) -> httpx.Request:
    # A 429 or 503 from the token or login endpoint issued nothing, so asking again is safe.
    return httpx.Request("POST", url, extensions={RETRY_SAFE: True}, **content)


def _json_object(answer: httpx.Response) -> dict[str, Any]:
    try:
        body = json.loads(answer.content) if answer.content else {}
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _issued(answer: httpx.Response, token: dict[str, Any], *, refresh_from_cookie: bool) -> Issued | None:
    value = token.get("access_token")
    if not isinstance(value, str) or not value:
        return None
    refresh = token.get("refresh_token")
    if not (isinstance(refresh, str) and refresh) and refresh_from_cookie:
        refresh = _cookie(answer, REFRESH_COOKIE)
    return Issued(value, token.get("expires_in"), refresh if isinstance(refresh, str) and refresh else None)


def _cookie(answer: httpx.Response, name: str) -> str | None:
    for header in answer.headers.get_list("set-cookie"):
        cookie: SimpleCookie = SimpleCookie()
        try:
            cookie.load(header)
        except CookieError:
            continue
        if name in cookie and cookie[name].value:
            return cookie[name].value
    return None


def _reason(answer: httpx.Response, body: dict[str, Any]) -> str:
    """RFC 6749 §5.2's error_description or error, an OData error's message, or the HTTP reason."""
    error = body.get("error")
    if isinstance(error, dict):  # an OData error body, e.g. from a proxy or a failing PBX
        error = error.get("message") or error.get("code")
    return str(body.get("error_description") or error or answer.reason_phrase or "refused")


# 3CX answers AuthSuccess and otherwise a Status naming the failure; the names below are read by their words,
# so a PBX version that spells them a little differently still gets the right error.
_SECOND_FACTOR_WORDS = ("twofactor", "2fa", "securitycode", "otp", "mfa")
_LOCKED_WORDS = ("lock", "block", "disabled", "suspend")


def _wants_second_factor(status: str, body: dict[str, Any]) -> bool:
    lowered = status.lower().replace("_", "")
    return any(word in lowered for word in _SECOND_FACTOR_WORDS) or (
        bool(body.get("TwoFactorAuth")) and not body.get("Token")
    )


def _is_locked(status: str) -> bool:
    return any(word in status.lower() for word in _LOCKED_WORDS)

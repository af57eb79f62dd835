"""The emulator's sign-in endpoints, none of which asks for a bearer token: `/connect/token` (client
credentials, refresh tokens, authorization codes), the web client's login and `/connect/authorize`."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping

from ._accounts import Accounts
from ._authorize import AUTHORIZE_PATH, Authorizations
from ._login import LOGIN_PATH, login
from ._tokens import TokenIssuer, oauth_error, read_form

TOKEN_PATH = "/connect/token"
# The names faults and recorded requests use for these endpoints.
SIGNIN_TARGETS = {TOKEN_PATH: "token", LOGIN_PATH: "login", AUTHORIZE_PATH: "authorize"}

Page = tuple[int, dict[str, str], bytes]


class SignIn:
    """Answers the sign-in endpoints over one TokenIssuer (which the XAPI routes ask about bearer tokens)."""

    def __init__(self, tokens: TokenIssuer, clock: Callable[[], float]) -> None:
        self.tokens = tokens
        self.accounts = Accounts(clock, tokens.client_id)
        self.authorizations = Authorizations(tokens, self.accounts)

    def answer(self, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes) -> Page:
        if path == AUTHORIZE_PATH:
            return self.authorizations.page(method, query, headers, body)
        if method != "POST":
            refused = {
                "error": {"code": "MethodNotAllowed", "message": f"{method} is not allowed on {path}", "details": []}
            }
            return 405, {"Allow": "POST", "Content-Type": "application/json"}, _json(refused)
        if path == LOGIN_PATH:
            status, payload, extra = login(self.tokens, self.accounts, headers, body)
        else:
            status, payload, extra = self._token(headers, body)
        return status, {"Content-Type": "application/json", "Cache-Control": "no-store", **extra}, _json(payload)

    def _token(self, headers: Mapping[str, str], body: bytes) -> tuple[int, dict[str, object], dict[str, str]]:
        form = read_form(headers, body)
        if form is None:
            return oauth_error(400, "invalid_request", "send the token request as a form (urlencoded or multipart)")
        grant_type = form.get("grant_type", "")
        if grant_type == "client_credentials":
            return self.tokens.client_credentials(form, headers.get("authorization"))
        if grant_type == "refresh_token":
            return self.tokens.refresh(form, headers)
        if grant_type == "authorization_code":
            return self.authorizations.exchange(form)
        return oauth_error(
            400,
            "unsupported_grant_type",
            "grant_type must be client_credentials, refresh_token or authorization_code",
        )


def _json(payload: Mapping[str, object]) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()

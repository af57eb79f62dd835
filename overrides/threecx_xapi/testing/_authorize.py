"""The emulator's `/connect/authorize`: authorization code with PKCE (RFC 7636, S256 required).

GET shows a sign-in form; POST of that form (Username, Password, SecurityCode) with the same query redirects to
the app's loopback `redirect_uri` with `code` and `state`. The code is used once, within a minute, by the app
that asked, with the same redirect_uri and a code_verifier whose S256 challenge matches.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit

from ._accounts import Accounts, Verdict
from ._tokens import Answer, TokenIssuer, oauth_error

AUTHORIZE_PATH = "/connect/authorize"
SCOPES = frozenset({"openid", "profile", "email", "offline_access"})
CODE_LIFETIME = 60.0
_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")  # RFC 7636 §4.1
_LOOPBACK_HOSTS = ("127.0.0.1", "[::1]", "localhost")

Page = tuple[int, dict[str, str], bytes]  # (status, headers, body)


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    challenge: str
    username: str
    scopes: tuple[str, ...]
    expires: float
    used: bool = False
    family: int | None = None


class Authorizations:
    """Authorization codes handed out and not yet exchanged."""

    def __init__(self, tokens: TokenIssuer, accounts: Accounts) -> None:
        self.tokens = tokens
        self.accounts = accounts
        self._codes: dict[str, Grant] = {}

    def page(self, method: str, query: str, headers: Mapping[str, str], body: bytes) -> Page:
        params = dict(parse_qsl(query, keep_blank_values=True))
        client_id, redirect_uri = params.get("client_id", ""), params.get("redirect_uri", "")
        if client_id not in self.accounts.apps:
            return _html(400, "Unknown client_id.")
        if not _loopback(redirect_uri):
            # Never redirect to an address that is not the app's own (RFC 6749 §4.1.2.1).
            return _html(400, "redirect_uri must be an http loopback address (RFC 8252 §7.3).")
        problem = _request_problem(params)
        if problem is not None:
            return _redirect(redirect_uri, {"error": problem[0], "error_description": problem[1]}, params)
        if method == "GET":
            return _html(200, "Sign in", form=query)
        if method != "POST":
            return 405, {"Allow": "GET, POST"}, b""
        fields = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        username = fields.get("Username", "")
        verdict = self.accounts.check(username, fields.get("Password", ""), fields.get("SecurityCode", ""))
        if verdict is not Verdict.SUCCESS:
            return _html(401, f"Sign-in refused: {verdict.value}.", form=query)
        code = secrets.token_urlsafe(32)
        scopes = tuple(params.get("scope", "").split())
        clock = self.tokens.clock
        self._codes[code] = Grant(
            client_id, redirect_uri, params["code_challenge"], username, scopes, clock() + CODE_LIFETIME
        )
        return _redirect(redirect_uri, {"code": code}, params)

    def exchange(self, form: Mapping[str, str]) -> Answer:
        grant = self._codes.get(form.get("code", ""))
        if grant is None or self.tokens.clock() >= grant.expires:
            return oauth_error(400, "invalid_grant", "The authorization code is unknown or expired")
        if grant.used:
            # RFC 6749 §4.1.2: a code used twice revokes what it was exchanged for.
            if grant.family is not None:
                self.tokens.revoke_family(grant.family)
            return oauth_error(400, "invalid_grant", "The authorization code was used already")
        if form.get("client_id") != grant.client_id or form.get("redirect_uri") != grant.redirect_uri:
            return oauth_error(400, "invalid_grant", "client_id or redirect_uri differ from the authorization request")
        verifier = form.get("code_verifier", "")
        if not _VERIFIER.fullmatch(verifier):
            return oauth_error(400, "invalid_request", "code_verifier must be 43 to 128 unreserved characters")
        if not hmac.compare_digest(_s256(verifier), grant.challenge):
            return oauth_error(400, "invalid_grant", "The code_verifier does not match the code_challenge")
        grant.used = True
        grant.family, body = self.tokens.sign_in(
            grant.username, grant.client_id, grant.scopes, refresh="offline_access" in grant.scopes
        )
        body["scope"] = " ".join(grant.scopes)
        return 200, body, {}


def _request_problem(params: Mapping[str, str]) -> tuple[str, str] | None:
    if params.get("response_type") != "code":
        return "unsupported_response_type", "response_type must be code"
    if not params.get("code_challenge"):
        return "invalid_request", "code_challenge is required (PKCE)"
    if params.get("code_challenge_method") != "S256":
        return "invalid_request", "code_challenge_method must be S256"
    scopes = set(params.get("scope", "").split())
    if "openid" not in scopes or not scopes <= SCOPES:
        return "invalid_scope", f"scope must include openid and be among {' '.join(sorted(SCOPES))}"
    return None


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _loopback(uri: str) -> bool:
    parts = urlsplit(uri)
    return parts.scheme == "http" and parts.netloc.rsplit(":", 1)[0] in _LOOPBACK_HOSTS and not parts.fragment


def _redirect(redirect_uri: str, result: dict[str, str], params: Mapping[str, str]) -> Page:
    if params.get("state"):
        result["state"] = params["state"]
    separator = "&" if urlsplit(redirect_uri).query else "?"
    return 302, {"Location": redirect_uri + separator + urlencode(result), "Cache-Control": "no-store"}, b""


def _html(status: int, message: str, *, form: str | None = None) -> Page:
    fields = ""
    if form is not None:
        fields = (
            f'<form method="post" action="{AUTHORIZE_PATH}?{html.escape(form)}">'
            '<input name="Username"><input name="Password" type="password"><input name="SecurityCode">'
            "<button>Sign in</button></form>"
        )
    page = f"<!doctype html><title>3CX</title><p>{html.escape(message)}</p>{fields}".encode()
    return status, {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}, page

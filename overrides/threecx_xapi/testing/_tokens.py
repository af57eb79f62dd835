"""The emulator's `/connect/token` and the tokens it hands out, as a PBX does.

- client credentials in the form (urlencoded or multipart, as 3CX's TypeScript sample sends) or as HTTP Basic
  (RFC 6749 §2.3.1); one active token per API client: a new token revokes the previous one;
- `refresh_token` (the web client's `Webclient` and PKCE apps): refresh tokens rotate, and a refresh token used
  twice revokes its whole family, access tokens included (OAuth 2.0 Security BCP §4.14);
- `authorization_code` with the PKCE check (see `_authorize`);
- errors as RFC 6749 §5.2: `{"error": "invalid_client", "error_description": ...}`.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import email.parser
import email.policy
import hmac
import itertools
import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, unquote

REFRESH_LIFETIME = 60 * 24 * 3600.0  # a PBX's refresh tokens last 60 days
REFRESH_COOKIE = "RefreshTokenCookie"
WEBCLIENT_ID = "Webclient"

Answer = tuple[int, dict[str, Any], dict[str, str]]  # (status, JSON body, extra headers)


def _segment(data: Mapping[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def oauth_error(status: int, error: str, description: str, headers: dict[str, str] | None = None) -> Answer:
    return status, {"error": error, "error_description": description}, headers or {}


def read_form(headers: Mapping[str, str], body: bytes) -> dict[str, str] | None:
    """A token request's fields from an urlencoded or a multipart/form-data body; None for another type."""
    content_type = headers.get("content-type", "application/x-www-form-urlencoded")
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind == "application/x-www-form-urlencoded":
        return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    if kind != "multipart/form-data":
        return None
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode("latin-1") + body
    )
    if not message.is_multipart():
        return None
    fields = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if isinstance(name, str):
            payload = part.get_payload(decode=True)
            fields[name] = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    return fields


def basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    """(client_id, client_secret) of an HTTP Basic header, each form-decoded (RFC 6749 §2.3.1)."""
    scheme, _, encoded = (authorization or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        pair = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, colon, secret = pair.partition(":")
    return (unquote(client_id.replace("+", " ")), unquote(secret.replace("+", " "))) if colon else None


def request_cookie(headers: Mapping[str, str], name: str) -> str | None:
    cookie: SimpleCookie = SimpleCookie()
    try:
        cookie.load(headers.get("cookie", ""))
    except CookieError:
        return None
    return cookie[name].value if name in cookie else None


@dataclass
class Family:
    """Every token of one sign-in: a refresh token used twice revokes them all."""

    subject: str
    client_id: str
    scopes: tuple[str, ...]
    revoked: bool = False


@dataclass
class RefreshToken:
    family: int
    expires: float
    used: bool = False


@dataclass
class TokenIssuer:
    """Issues and checks bearer tokens as a PBX does: a new client-credentials token revokes the previous one."""

    client_id: str
    client_secret: str = field(repr=False)
    lifetime: float
    clock: Callable[[], float]
    # PBXs before 20.0.9 counted `expires_in` in minutes.
    expires_in_minutes: bool = False
    issued: int = 0
    _active: dict[str, tuple[str, float]] = field(default_factory=dict, repr=False)
    _sessions: dict[str, tuple[int, float]] = field(default_factory=dict, repr=False)  # token -> (family, expiry)
    _refresh: dict[str, RefreshToken] = field(default_factory=dict, repr=False)
    _families: dict[int, Family] = field(default_factory=dict, repr=False)
    _family_ids: itertools.count[int] = field(default_factory=itertools.count, repr=False)

    def issue(self, form: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
        """(status, JSON body) for a client-credentials request's form fields."""
        status, body, _ = self.client_credentials(form, None)
        return status, body

    def client_credentials(self, form: Mapping[str, str], authorization: str | None) -> Answer:
        basic = basic_credentials(authorization)
        if basic is not None and ("client_secret" in form or "client_id" in form and form["client_id"] != basic[0]):
            return oauth_error(400, "invalid_request", "client credentials go in the body or as Basic, not both")
        client_id, secret = basic if basic is not None else (form.get("client_id", ""), form.get("client_secret", ""))
        known = hmac.compare_digest(client_id.encode(), self.client_id.encode())
        if not (known and hmac.compare_digest(secret.encode(), self.client_secret.encode())):
            # RFC 6749 §5.2: a client that tried HTTP Basic is answered 401 with a challenge.
            challenge = {"WWW-Authenticate": 'Basic realm="connect"'} if basic is not None else {}
            return oauth_error(
                401 if basic else 400, "invalid_client", "Unknown client or wrong client secret", challenge
            )
        token, expires = self._access_token(self.client_id, self.client_id)
        self._active[self.client_id] = (token, expires)
        return 200, self._token_body(token), {}

    def sign_in(
        self, subject: str, client_id: str, scopes: tuple[str, ...], *, refresh: bool = True
    ) -> tuple[int, dict[str, Any]]:
        """(family, token body) for a user's new sign-in: an access token and, with `refresh`, a refresh token."""
        family = next(self._family_ids)
        self._families[family] = Family(subject, client_id, scopes)
        return family, self._family_tokens(family, refresh=refresh)

    def refresh(self, form: Mapping[str, str], headers: Mapping[str, str]) -> Answer:
        presented = form.get("refresh_token") or request_cookie(headers, REFRESH_COOKIE) or ""
        record = self._refresh.get(presented)
        if record is None:
            return oauth_error(400, "invalid_grant", "The refresh token is unknown")
        family = self._families[record.family]
        if record.used:
            self.revoke_family(record.family)
            return oauth_error(400, "invalid_grant", "The refresh token was used already: this sign-in is revoked")
        if family.revoked:
            return oauth_error(400, "invalid_grant", "The refresh token was revoked")
        if self.clock() >= record.expires:
            return oauth_error(400, "invalid_grant", "The refresh token has expired")
        if form.get("client_id", "") != family.client_id:
            return oauth_error(400, "invalid_grant", "The refresh token was issued to another client")
        record.used = True
        body = self._family_tokens(record.family, refresh=True)
        return 200, body, self.refresh_cookie(body)

    def refresh_cookie(self, body: Mapping[str, Any]) -> dict[str, str]:
        refresh = body.get("refresh_token")
        return {"Set-Cookie": f"{REFRESH_COOKIE}={refresh}; Path=/; HttpOnly; SameSite=Strict"} if refresh else {}

    def revoke_family(self, family: int) -> None:
        self._families[family].revoked = True
        self._sessions = {token: held for token, held in self._sessions.items() if held[0] != family}

    def challenge(self, authorization: str | None) -> str | None:
        """None if `authorization` carries a live token, else the `WWW-Authenticate` ASP.NET's JwtBearer sends."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return "Bearer"  # no token at all: RFC 6750 §3.1 gives no error code
        session = self._sessions.get(token)
        if session is not None:
            held, expires = not self._families[session[0]].revoked, session[1]
        else:
            active = self._active.get(self.client_id)
            held = active is not None and hmac.compare_digest(token, active[0])
            expires = active[1] if active is not None else float("-inf")
        if not held:
            return 'Bearer error="invalid_token"'
        if self.clock() >= expires:
            if expires == float("-inf"):
                return 'Bearer error="invalid_token"'
            moment = datetime.datetime.fromtimestamp(expires, datetime.UTC).strftime("%m/%d/%Y %H:%M:%S")
            return f'Bearer error="invalid_token", error_description="The token expired at \'{moment}\'"'
        return None

    def expire_all(self) -> None:
        """Every issued access token expires now: the next call gets a 401 (refresh tokens still work)."""
        self._active = {client: (token, float("-inf")) for client, (token, _) in self._active.items()}
        self._sessions = {token: (family, float("-inf")) for token, (family, _) in self._sessions.items()}

    def _family_tokens(self, family: int, *, refresh: bool) -> dict[str, Any]:
        held = self._families[family]
        token, expires = self._access_token(held.subject, held.client_id)
        self._sessions[token] = (family, expires)
        body = self._token_body(token)
        if refresh:
            refresh_token = secrets.token_urlsafe(32)
            self._refresh[refresh_token] = RefreshToken(family, self.clock() + REFRESH_LIFETIME)
            body["refresh_token"] = refresh_token
        return body

    def _access_token(self, subject: str, client_id: str) -> tuple[str, float]:
        self.issued += 1
        now = self.clock()
        expires = now + self.lifetime
        claims = {"sub": subject, "client_id": client_id, "iat": int(now), "exp": int(expires), "jti": self.issued}
        token = ".".join([_segment({"alg": "HS256", "typ": "JWT"}), _segment(claims), secrets.token_urlsafe(16)])
        return token, expires

    def _token_body(self, token: str) -> dict[str, Any]:
        expires_in = int(self.lifetime // 60) if self.expires_in_minutes else int(self.lifetime)
        return {"access_token": token, "token_type": "Bearer", "expires_in": expires_in}

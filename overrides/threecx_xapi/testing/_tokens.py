"""The emulator's `/connect/token`: client credentials, JWT-shaped tokens, one active token per client."""

from __future__ import annotations

import base64
import hmac
import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


def _segment(data: Mapping[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


@dataclass
class TokenIssuer:
    """Issues and checks bearer tokens as a PBX does: a new token revokes the client's previous one."""

    client_id: str
    client_secret: str = field(repr=False)
    lifetime: float
    clock: Callable[[], float]
    # PBXs before 20.0.9 counted `expires_in` in minutes.
    expires_in_minutes: bool = False
    issued: int = 0
    _active: dict[str, tuple[str, float]] = field(default_factory=dict, repr=False)

    def issue(self, form: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
        """(status, JSON body) for a token request's form fields."""
        if form.get("grant_type") != "client_credentials":
            return 400, {
                "error": "unsupported_grant_type",
                "error_description": "grant_type must be client_credentials",
            }
        known = hmac.compare_digest(form.get("client_id", ""), self.client_id)
        if not (known and hmac.compare_digest(form.get("client_secret", ""), self.client_secret)):
            return 400, {"error": "invalid_client", "error_description": "Unknown client or wrong client secret"}
        self.issued += 1
        now = self.clock()
        expires = now + self.lifetime
        claims = {"sub": self.client_id, "iat": int(now), "exp": int(expires), "jti": self.issued}
        token = ".".join([_segment({"alg": "HS256", "typ": "JWT"}), _segment(claims), secrets.token_urlsafe(16)])
        self._active[self.client_id] = (token, expires)
        expires_in = int(self.lifetime // 60) if self.expires_in_minutes else int(self.lifetime)
        return 200, {"access_token": token, "token_type": "Bearer", "expires_in": expires_in}

    def is_valid(self, authorization: str | None) -> bool:
        scheme, _, token = (authorization or "").partition(" ")
        active = self._active.get(self.client_id)
        if scheme.lower() != "bearer" or active is None:
            return False
        return hmac.compare_digest(token, active[0]) and self.clock() < active[1]

    def expire_all(self) -> None:
        """Every issued token expires now: the next call gets a 401."""
        self._active = {client: (token, float("-inf")) for client, (token, _) in self._active.items()}

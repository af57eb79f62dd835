"""Time-based one-time passwords (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits), as authenticator apps make."""

from __future__ import annotations

import base64
import hmac
import secrets
import struct

STEP = 30
DIGITS = 6


def new_secret() -> str:
    """A base32 secret, as an authenticator app's QR code carries it."""
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii").rstrip("=")


def code_at(secret: str, moment: float, *, step: int = STEP, digits: int = DIGITS) -> str:
    """The code an authenticator app shows at `moment` (seconds since the epoch)."""
    return _code(secret, int(moment // step), digits)


def matching_step(secret: str, code: str, moment: float, *, window: int = 1) -> int | None:
    """The time step whose code is `code`, within `window` steps of `moment` (clock drift), else None."""
    current = int(moment // STEP)
    for counter in range(current - window, current + window + 1):
        if hmac.compare_digest(_code(secret, counter, DIGITS), code):
            return counter
    return None


def _code(secret: str, counter: int, digits: int) -> str:
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.digest(key, struct.pack(">Q", counter), "sha1")
    offset = digest[-1] & 0x0F  # RFC 4226 §5.3 dynamic truncation
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**digits).zfill(digits)

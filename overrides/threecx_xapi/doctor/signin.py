"""The sign-in checks: the token request and what its answer says, and the clock skew between PBX and here."""

from __future__ import annotations

from .._auth_errors import (
    AccountLocked,
    SecondFactorRejected,
    SecondFactorRequired,
    SignInRequired,
    WrongCredentials,
)
from ..errors import AuthenticationError, TransportError, XapiError
from ._model import FAIL, PASS, WARN, Diagnosis
from ._probe import Answer, Probe, TokenAnswer

FIRST_READ = ("Users", {"$top": "1", "$select": "Id"})  # the first GET: it needs a token, and it is cheap
SKEW_TOLERANCE = 30.0  # seconds of clock difference worth no mention
CREDENTIALS_FIX = (
    "copy the client id and secret again from the admin console (Integrations > API); "
    "generating a new secret there replaces the old one"
)


def check_signin(diagnosis: Diagnosis, probe: Probe, *, plain_http: bool = False) -> Answer | None:
    """Sign in with the client's own sign-in (the first GET asks for the token); the answer, or None."""
    tried = "sign-in (the token request, then one GET)"
    try:
        answer = probe.cached(*FIRST_READ)
    except AuthenticationError as exc:
        diagnosis.add("sign-in", tried, FAIL, str(exc), _refusal_fix(exc))
        return None
    except TransportError as exc:
        fix = (
            "this port may speak HTTPS: try the address with https://"
            if plain_http
            else "the address answered the checks above: is a proxy or a firewall in the way?"
        )
        diagnosis.add("sign-in", tried, FAIL, str(exc), fix)
        return None
    except XapiError as exc:
        diagnosis.add("sign-in", tried, FAIL, str(exc), "see the error; run again with --debug to see each request")
        return None
    token = probe.tokens[-1] if probe.tokens else None
    if answer.status == 401:
        diagnosis.add(
            "sign-in",
            tried,
            FAIL,
            "a token was issued but the API refused it (401)",
            "another program signing in with the same client id revokes this token (one active token per "
            "client): give each program its own API client",
        )
        return None
    if token is None:
        diagnosis.add("sign-in", tried, PASS, f"no token request needed (a token was at hand); GET {answer.status}")
        return answer
    lifetime = _lifetime(token)
    facts = [f"{token.kind} token"]
    if lifetime is not None:
        facts.append(
            f"valid {lifetime:.0f} s (exp - iat)" if token.issued_at is not None else f"valid {lifetime:.0f} s"
        )
        diagnosis.observed["token_lifetime"] = lifetime
    if token.expires_in is not None:
        minutes = _expires_in_minutes(token, lifetime)
        diagnosis.observed["expires_in_minutes"] = minutes
        unit = "minutes, as PBXs before 20.0.9 count it" if minutes else "seconds"
        facts.append(f"expires_in {token.expires_in:g} ({unit})")
    diagnosis.observed["token_kind"] = token.kind
    diagnosis.add("sign-in", tried, PASS, ", ".join(facts))
    return answer


# A user's sign-in failures, each with its fix; an API client's wrong secret is CREDENTIALS_FIX.
USER_FIXES: tuple[tuple[type[AuthenticationError], str], ...] = (
    (AccountLocked, "the account is locked after failed sign-ins: wait, or unlock the user in the admin console"),
    (
        SecondFactorRequired,
        "the account asks for a second-factor code: set THREECX_XAPI_SECURITY_CODE, or use `threecx-xapi login`",
    ),
    (SecondFactorRejected, "the second-factor code was wrong, expired or used: give a fresh one"),
    (SignInRequired, "no usable token and nothing to sign in with: sign in again with `threecx-xapi login`"),
    (WrongCredentials, "check the user's name (the extension number) and password, as for the web client"),
)


def _refusal_fix(error: AuthenticationError) -> str:
    if not (error.url or "").endswith("/connect/token"):
        for kind, fix in USER_FIXES:
            if isinstance(error, kind):
                return fix
    if error.status_code in (404, 405):
        return "no token endpoint at this address: use the PBX's own web address, as the admin console shows it"
    if error.status_code in (400, 401) or error.code in ("invalid_client", "unauthorized_client"):
        return CREDENTIALS_FIX
    if error.status_code == 403:
        return "the PBX refused this machine: check the console's IP restriction (Admin console > Security)"
    return "see the PBX's answer above; run again with --debug to see each request"


def _lifetime(token: TokenAnswer) -> float | None:
    if token.expires_at is None:
        return None
    start = token.issued_at if token.issued_at is not None else token.local_time
    return token.expires_at - start


def _expires_in_minutes(token: TokenAnswer, lifetime: float | None) -> bool:
    """Whether `expires_in` counts minutes (before 20.0.9): it then matches the JWT's life times 60."""
    assert token.expires_in is not None
    if lifetime is None or token.expires_in <= 0:
        return False
    return abs(token.expires_in * 60 - lifetime) < abs(token.expires_in - lifetime)


def check_clock(diagnosis: Diagnosis, probe: Probe) -> None:
    tried = "clock skew (the PBX's token iat and Date header against this machine)"
    readings = probe.clock_readings()
    if not readings:
        diagnosis.add("clock", tried, WARN, "no token iat and no Date header to compare", "")
        return
    offset = next(iter(readings.values()))  # the token's iat when there is one: tokens are what the skew affects
    diagnosis.observed["clock_offset"] = float(round(offset)) if abs(offset) >= 2 else 0.0
    direction = "ahead of" if offset > 0 else "behind"
    sources = ", ".join(f"{source} {seconds:+.0f} s" for source, seconds in readings.items())
    detail = f"the PBX's clock is {abs(offset):.0f} s {direction} this machine's ({sources})"
    if abs(offset) <= SKEW_TOLERANCE:
        diagnosis.add("clock", tried, PASS, detail)
        return
    diagnosis.add(
        "clock",
        tried,
        WARN,
        detail + "; tokens still last their whole life (the client counts exp - iat)",
        "synchronise the PBX's and this machine's clocks (NTP); until then, report periods and call times "
        f"are {abs(offset):.0f} s off between the two",
    )

"""Why a sign-in failed: each its own `AuthenticationError`, so a caller can tell a typo from a lockout.

AuthenticationError
├── WrongCredentials           the PBX refused the username and password (or the client secret)
├── AccountLocked              the account is locked or blocked: waiting, not retrying, helps
├── SecondFactorRequired       the account has a second factor and no code was given
├── SecondFactorRejected       the second-factor code was wrong, expired or used already
├── SignInRequired             no way to get a token without signing in again
│   └── RefreshTokenRejected   the PBX refused the refresh token (expired, revoked or reused)
├── AuthorizationCodeRejected  the code exchange failed (code_verifier mismatch, code used or expired)
├── AuthorizationDenied        the user or the PBX refused the authorization request
└── StateMismatch              the redirect's state is not the one sent: a forged or stale redirect
"""

from __future__ import annotations

from .errors import AuthenticationError

__all__ = [
    "AccountLocked",
    "AuthorizationCodeRejected",
    "AuthorizationDenied",
    "RefreshTokenRejected",
    "SecondFactorRejected",
    "SecondFactorRequired",
    "SignInRequired",
    "StateMismatch",
    "WrongCredentials",
]


class WrongCredentials(AuthenticationError):
    """The PBX refused the username and password."""


class AccountLocked(AuthenticationError):
    """The account is locked or blocked; signing in again now fails the same way."""


class SecondFactorRequired(AuthenticationError):
    """The account asks for a second factor: pass `security_code=` or `security_code_prompt=`."""


class SecondFactorRejected(AuthenticationError):
    """The second-factor code was wrong, expired or already used."""


class SignInRequired(AuthenticationError):
    """There is no token to refresh and no credentials to sign in with: sign in again."""


class RefreshTokenRejected(SignInRequired):
    """The PBX refused the refresh token; it is forgotten, and the next call signs in afresh if it can."""


class AuthorizationCodeRejected(AuthenticationError):
    """The authorization code exchange was refused (code_verifier mismatch, code used or expired)."""


class AuthorizationDenied(AuthenticationError):
    """The authorization request was refused (the redirect carried an `error`)."""


class StateMismatch(AuthenticationError):
    """The redirect's `state` is not the one this client sent: it is refused before any code exchange."""

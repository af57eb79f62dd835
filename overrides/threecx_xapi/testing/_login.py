"""The emulator's `/webclient/api/Login/GetAccessToken`: a user's own sign-in, as the 3CX web client does it.

`POST {"Username", "Password", "SecurityCode"}` answers 200 with a `Status`: `AuthSuccess` with a `Token`
(access and refresh token; the refresh token also as the `RefreshTokenCookie` cookie), else the reason
(`AuthFailed`, `UserLocked`, `SecurityCodeRequired`, `SecurityCodeInvalid`) and no token.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ._accounts import Accounts, Verdict
from ._tokens import WEBCLIENT_ID, Answer, TokenIssuer

LOGIN_PATH = "/webclient/api/Login/GetAccessToken"
WEBCLIENT_SCOPES = ("openid", "offline_access")


def login(tokens: TokenIssuer, accounts: Accounts, headers: Mapping[str, str], body: bytes) -> Answer:
    try:
        fields = json.loads(body) if body else None
    except ValueError:
        fields = None
    if not isinstance(fields, dict) or not all(isinstance(fields.get(name), str) for name in ("Username", "Password")):
        # ASP.NET's model validation answer for a body it cannot bind.
        return 400, {"title": "One or more validation errors occurred.", "status": 400}, {}
    code = fields.get("SecurityCode")
    verdict = accounts.check(fields["Username"], fields["Password"], code if isinstance(code, str) else "")
    answer: dict[str, Any] = {"Status": verdict.value, "Token": None, "TwoFactorAuth": None}
    if verdict in (Verdict.CODE_REQUIRED, Verdict.CODE_INVALID):
        answer["TwoFactorAuth"] = {"Required": True}
    if verdict is not Verdict.SUCCESS:
        return 200, answer, {}
    _, token = tokens.sign_in(fields["Username"], WEBCLIENT_ID, WEBCLIENT_SCOPES)
    answer["Token"] = token
    return 200, answer, tokens.refresh_cookie(token)

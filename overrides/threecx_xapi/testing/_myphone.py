"""The web client's `POST /webclient/api/MyPhone/session`, as PBXs since 20.0.8 answer it: a bearer token (a
user's, or an API client's naming the extension it acts for in `impersonate`) opens a MyPhone session, answered
with the session's key and the password of its WebSocket. What the session then serves (the MyPhone protobuf
RPC and WebSocket) is not emulated.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

SESSION_PATH = "/webclient/api/MyPhone/session"


def open_session(body: bytes, is_extension: Callable[[str], bool]) -> tuple[int, dict[str, Any]]:
    """(status, JSON body) for a session request; `is_extension(number)` says whether a user has that number."""
    try:
        fields = json.loads(body) if body else {}
    except ValueError:
        fields = None
    if not isinstance(fields, dict):
        # ASP.NET's model validation answer for a body it cannot bind.
        return 400, {"title": "One or more validation errors occurred.", "status": 400}
    named = {str(key).lower(): value for key, value in fields.items()}  # ASP.NET binds names in any case
    impersonate = named.get("impersonate")
    if impersonate is not None and (not isinstance(impersonate, str) or not is_extension(impersonate)):
        message = f"The extension {impersonate!r} to impersonate does not exist."
        return 400, {"error": {"code": "", "message": message, "details": []}}
    return 200, {"sessionKey": str(uuid.uuid4()), "pass": str(uuid.uuid4())}

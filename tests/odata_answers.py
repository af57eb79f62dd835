"""How a PBX words a query option it refuses: ASP.NET Core OData's EnableQuery wraps every such message."""

from __future__ import annotations

import httpx

QUERY_INVALID = "The query specified in the URI is not valid. "


def refused_query(response: httpx.Response, status: int = 400) -> str:
    """The message under the wrapping, after checking the status, the OData error body and the wrapping itself."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) >= {"code", "message", "details"}
    message = str(body["error"]["message"])
    assert message.startswith(QUERY_INVALID), message
    return message.removeprefix(QUERY_INVALID)

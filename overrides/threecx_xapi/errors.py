"""The exceptions threecx_xapi raises, one tree:

    XapiError                   any failed XAPI call: status, OData code/message/details/target, method, URL,
    │                           the PBX's X-3CX-Version
    ├── BadRequest              400
    ├── AuthenticationError     401, and any failure of the token endpoint (/connect/token)
    ├── PermissionDenied        403
    ├── NotFound                404 (from a PBX whose 3CX version lacks the operation, the message says so)
    ├── Conflict                409
    ├── RateLimited             429 (retry_after: seconds, when the PBX said)
    ├── ServerError             5xx
    ├── UnexpectedStatus        a status the operation does not declare (e.g. 2xx with another code)
    ├── UnexpectedContent       a success answer that is not what the operation returns: not JSON, cut short,
    │                           the wrong shape; names the operation, status and content type, shows the first
    │                           bytes (secrets masked) and carries the body as a `types.File` in `.file`
    └── TransportError          the PBX could not be reached or stopped answering (no status)

The shared runtime (`threecx_xapi.endpoint`) calls `raise_for_response(response)` for every status it does not
parse, and raises UnexpectedContent for a body it cannot read.
"""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, NoReturn

import httpx

if TYPE_CHECKING:
    from .types import File

__all__ = [
    "AuthenticationError",
    "BadRequest",
    "Conflict",
    "NotFound",
    "PermissionDenied",
    "RateLimited",
    "ServerError",
    "TransportError",
    "UnexpectedContent",
    "UnexpectedStatus",
    "XapiError",
    "raise_for_response",
]

# Patterns as text: re compiles and caches each on first use, so importing the runtime compiles none.
_SECRET_IN_URL = r"(?i)((?:access_token|client_secret|token)=)[^&\s]+"
_SECRET_IN_JSON = r'(?i)("[^"]*(?:password|secret|token|pin|code)[^"]*"\s*:\s*)("(?:[^"\\]|\\.)*"|[^,}\s]+)'
_MARKUP = r"(?is)<(head|script|style)\b.*?</\1\s*>|<[^>]*>"
_AUTH_PARAM = r'(\w+)="((?:[^"\\]|\\.)*)"'  # RFC 7235 auth-param with a quoted-string value


def _scrub(text: str) -> str:
    """Tokens and secrets never appear in exception text, even when a URL carries one."""
    return re.sub(_SECRET_IN_URL, r"\1***", text)


class XapiError(Exception):
    """A failed XAPI call. `str()` reads on its own: status, OData code and message, method and URL."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        code: str | None = None,
        details: list[dict[str, Any]] | None = None,
        target: str | None = None,
        method: str | None = None,
        url: str | None = None,
        server_version: str | None = None,
        response: httpx.Response | None = None,
    ) -> None:
        self.message = message
        self.status_code = status_code
        self.code = code
        self.details = details or []
        self.target = target
        self.method = method
        self.url = _scrub(url) if url else url
        self.server_version = server_version
        self.response = response
        super().__init__(self.__str__())

    def __str__(self) -> str:
        parts = [str(self.status_code)] if self.status_code is not None else []
        if self.code:
            parts.append(self.code)
        head = " ".join(parts)
        text = f"{head}: {self.message}" if head else self.message
        if self.target:
            text += f" (target: {self.target})"
        for detail in self.details[:3]:
            text += _detail_text(detail, self.message)
        if self.method and self.url:
            text += f" [{self.method} {self.url}]"
        return _scrub(text)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status_code={self.status_code!r}, code={self.code!r}, message={self.message!r})"

    @classmethod
    def from_response(cls, response: httpx.Response, *, reason: str | None = None) -> XapiError:
        """The exception for an error response, with the OData error body's fields when there is one; `reason`
        (what the client knows of why) follows the PBX's message."""
        error = _odata_error(response)
        message = str(error.get("message") or error.get("title") or response.reason_phrase or "request failed")
        if reason:
            message = f"{message}: {reason}"
        details = [item for item in error.get("details") or [] if isinstance(item, dict)]
        return cls(
            message,
            status_code=response.status_code,
            code=str(error["code"]) if error.get("code") else None,
            details=details,
            target=str(error["target"]) if error.get("target") else None,
            method=response.request.method,
            url=str(response.request.url),
            server_version=response.headers.get("X-3CX-Version"),
            response=response,
        )


class BadRequest(XapiError):
    """400: the PBX refused the request (bad OData literal, invalid body...)."""


class AuthenticationError(XapiError):
    """401, or the token endpoint refused the client credentials."""


class PermissionDenied(XapiError):
    """403: the client's role may not do this."""


class NotFound(XapiError):
    """404: no such entity or route."""


class Conflict(XapiError):
    """409: the change conflicts with the PBX's state (e.g. the number is taken)."""


class RateLimited(XapiError):
    """429: too many requests; `retry_after` is the wait the PBX asked for, in seconds."""

    @property
    def retry_after(self) -> float | None:
        return retry_after_seconds(self.response.headers.get("Retry-After")) if self.response is not None else None


class ServerError(XapiError):
    """5xx: the PBX failed."""


class UnexpectedStatus(XapiError):
    """A status the operation does not declare."""


class UnexpectedContent(XapiError):
    """A success status whose body the operation cannot read; `.file` holds the body, `.content_type` its type."""

    def __init__(self, message: str, *, operation_id: str, file: File, content_type: str | None, **kwargs: Any):
        self.operation_id = operation_id
        self.file = file
        self.content_type = content_type
        super().__init__(message, **kwargs)

    @classmethod
    def of(cls, operation_id: str, response: httpx.Response, reason: str) -> UnexpectedContent:
        """The error for `response`, with `reason` (what was expected) and the body's first bytes, masked."""
        from .types import File

        content_type = response.headers.get("Content-Type")
        file = File.from_headers(response.content, content_type, response.headers.get("Content-Disposition"))
        message = (
            f"{operation_id} got {response.status_code} with {content_type or 'no Content-Type'}: {reason}; "
            f"the body starts {body_preview(response.content)}"
        )
        return cls(
            message,
            operation_id=operation_id,
            file=file,
            content_type=content_type,
            status_code=response.status_code,
            method=response.request.method,
            url=str(response.request.url),
            server_version=response.headers.get("X-3CX-Version"),
            response=response,
        )


class TransportError(XapiError):
    """The PBX could not be reached, or the connection failed mid-request; chained from the httpx error."""

    @classmethod
    def from_exception(cls, exc: httpx.HTTPError, request: httpx.Request) -> TransportError:
        return cls(
            f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__,
            method=request.method,
            url=str(request.url),
        )


_BY_STATUS: dict[int, type[XapiError]] = {
    400: BadRequest,
    401: AuthenticationError,
    403: PermissionDenied,
    404: NotFound,
    409: Conflict,
    429: RateLimited,
}


def error_class(status_code: int) -> type[XapiError]:
    if status_code in _BY_STATUS:
        return _BY_STATUS[status_code]
    if status_code >= 500:
        return ServerError
    if status_code < 400:
        return UnexpectedStatus
    return XapiError


def raise_for_response(response: httpx.Response, *, reason: str | None = None) -> NoReturn:
    """Raise the exception that matches this response's status, filled from its OData error body."""
    response.read()
    raise error_class(response.status_code).from_response(response, reason=reason)


def retry_after_seconds(value: str | None) -> float | None:
    """`Retry-After` as seconds: a number of seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _detail_text(detail: dict[str, Any], message: str) -> str:
    """`; Number: the number is taken` for one entry of `details`, named by its code or target; nothing when it
    only repeats the message (ASP.NET repeats a field error there with its target)."""
    said = str(detail.get("message") or "")
    label = str(detail.get("code") or detail.get("target") or "")
    if not said or said == message:
        return ""
    return f"; {label}: {said}" if label else f"; {said}"


def _odata_error(response: httpx.Response) -> dict[str, Any]:
    """The `error` object of an OData error body, or what an ASP.NET error body of another shape says (a
    ProblemDetails' title and field errors, `{"Message": ...}`); empty when the body says nothing."""
    if not response.content:
        return _bearer_challenge(response)
    try:
        body = json.loads(response.content)
    except ValueError:  # UnicodeDecodeError included
        text = _plain_text(_text_of(response))
        return {"message": f"{response.reason_phrase}: {text}" if response.reason_phrase else text} if text else {}
    if not isinstance(body, dict):
        return {}
    error = body.get("error", body)
    if isinstance(error, str) and error:  # OAuth's shape: {"error": "invalid_request", "error_description": ...}
        description = body.get("error_description")
        return {"code": error, "message": description if isinstance(description, str) and description else error}
    if not isinstance(error, dict):
        return {}
    if "message" not in error and isinstance(error.get("Message"), str):
        return {"message": error["Message"]}
    fields = error.get("errors")
    if isinstance(fields, dict) and "details" not in error:  # ValidationProblemDetails: {"field": ["message"]}
        details = [
            {"target": name, "message": str(said)}
            for name, messages in fields.items()
            for said in (messages if isinstance(messages, list) else [messages])
        ]
        return {**error, "details": details}
    return error


def _bearer_challenge(response: httpx.Response) -> dict[str, Any]:
    """What a bodiless 401's `WWW-Authenticate: Bearer error=..., error_description=...` says (RFC 6750 §3), as
    ASP.NET's JwtBearer tells why a token was refused: "The token expired at '09/21/2026 14:14:20'"."""
    challenge = response.headers.get("WWW-Authenticate", "")
    if challenge[:6].lower() != "bearer":
        return {}
    params = {name.lower(): value.replace('\\"', '"') for name, value in re.findall(_AUTH_PARAM, challenge)}
    error = {"code": params["error"]} if params.get("error") else {}
    if params.get("error_description"):
        error["message"] = f"{response.reason_phrase}: {params['error_description']}"
    return error


def _text_of(response: httpx.Response) -> str:
    """The body as text in its declared charset, never failing: a wrong or unknown charset falls back to UTF-8."""
    try:
        return response.text
    except (UnicodeError, LookupError):
        return response.content.decode("utf-8", errors="replace")


def body_preview(content: bytes, limit: int = 120) -> str:
    """The first bytes of a body as a short printable string, secret JSON fields and URL tokens masked."""
    text = content[: limit * 2].decode("utf-8", errors="replace")
    text = _scrub(re.sub(_SECRET_IN_JSON, r'\1"***"', text))
    if len(text) > limit:
        text = text[:limit] + "…"
    return repr(text) if content else "empty (no bytes)"


def _plain_text(body: str, limit: int = 200) -> str:
    """A non-JSON error body (a proxy's HTML page, a stack trace) as one short line of text."""
    text = " ".join(html.unescape(re.sub(_MARKUP, " ", body)).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"

"""Typed errors: each status its exception, filled from the OData error body; no secret in any text or log."""

from __future__ import annotations

import logging
import re
from typing import Any

import httpx
import pytest
from threecx_xapi import (
    AuthenticationError,
    BadRequest,
    Conflict,
    NotFound,
    PermissionDenied,
    RateLimited,
    RetryPolicy,
    ServerError,
    TransportError,
    XapiError,
)
from threecx_xapi.api.users import get_user_by_number, list_user
from threecx_xapi.errors import UnexpectedStatus, raise_for_response
from xapi_fakes import CLIENT_SECRET, SERVER_VERSION, FakePbx

NO_RETRIES = RetryPolicy(max_attempts=1)
USER_URL = "https://pbx.example.com/xapi/v1/Users(Number='100')"
ODATA_ERROR = {
    "error": {
        "code": "WARNINGS.XAPI.ALREADY_EXISTS",
        "message": "Number:\nWARNINGS.XAPI.ALREADY_EXISTS",
        "target": "Number",
        "details": [{"code": "ALREADY_EXISTS", "message": "the number is taken", "target": "Number"}],
    }
}
STATUSES: list[tuple[int, type[XapiError]]] = [
    (400, BadRequest),
    (401, AuthenticationError),
    (403, PermissionDenied),
    (404, NotFound),
    (405, XapiError),
    (409, Conflict),
    (422, XapiError),
    (429, RateLimited),
    (500, ServerError),
    (502, ServerError),
    (503, ServerError),
    (202, UnexpectedStatus),
    (204, UnexpectedStatus),
    (302, UnexpectedStatus),
    (304, UnexpectedStatus),
]


def failing_pbx(status: int, **answer: Any) -> FakePbx:
    """A PBX whose every API answer is `status` (a 401 twice over, past the one refresh)."""
    pbx = FakePbx()
    for _ in range(2):
        pbx.answer(status, **answer)
    return pbx


@pytest.mark.parametrize(("status", "error_class"), STATUSES, ids=[str(status) for status, _ in STATUSES])
def test_each_status_raises_its_exception_with_the_odata_error_fields(
    status: int, error_class: type[XapiError]
) -> None:
    pbx = failing_pbx(status, json=ODATA_ERROR, headers={"Retry-After": "7"})
    with pbx.client(retry=NO_RETRIES) as client, pytest.raises(XapiError) as raised:
        get_user_by_number.sync("100", client=client)
    error = raised.value
    assert type(error) is error_class
    assert error.status_code == status
    assert error.code == "WARNINGS.XAPI.ALREADY_EXISTS"
    assert error.message == "Number:\nWARNINGS.XAPI.ALREADY_EXISTS"
    assert error.target == "Number"
    assert error.details == [{"code": "ALREADY_EXISTS", "message": "the number is taken", "target": "Number"}]
    assert error.method == "GET"
    assert httpx.URL(error.url or "") == httpx.URL(USER_URL)
    assert error.server_version == SERVER_VERSION
    text = str(error)
    for part in (str(status), error.code, "the number is taken", "(target: Number)", "[GET https://pbx.example.com/"):
        assert part in text


async def test_each_status_raises_its_exception_async() -> None:
    for status, error_class in STATUSES:
        pbx = failing_pbx(status, json=ODATA_ERROR)
        async with pbx.client(retry=NO_RETRIES) as client:
            with pytest.raises(error_class) as raised:
                await get_user_by_number.asyncio("100", client=client)
        assert raised.value.code == "WARNINGS.XAPI.ALREADY_EXISTS" and raised.value.method == "GET"


def test_rate_limited_carries_retry_after() -> None:
    pbx = failing_pbx(429, json=ODATA_ERROR, headers={"Retry-After": "7"})
    with pbx.client(retry=NO_RETRIES) as client, pytest.raises(RateLimited) as raised:
        list_user.sync(client=client)
    assert raised.value.retry_after == 7.0


def test_rate_limited_without_retry_after_says_none() -> None:
    pbx = failing_pbx(429, json=ODATA_ERROR)
    with pbx.client(retry=NO_RETRIES) as client, pytest.raises(RateLimited) as raised:
        list_user.sync(client=client)
    assert raised.value.retry_after is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"error": "server_error", "error_description": "The store is down."}, "The store is down."),
        ({"error": "server_error"}, "server_error"),
    ],
)
def test_an_oauth_shaped_error_body_gives_its_code_and_description(body: dict[str, Any], message: str) -> None:
    # What an identity layer in front of the API answers: RFC 6749's shape, not OData's.
    pbx = failing_pbx(500, json=body)
    with pbx.client(retry=NO_RETRIES) as client, pytest.raises(ServerError) as raised:
        list_user.sync(client=client)
    assert (raised.value.code, raised.value.message) == ("server_error", message)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ({"text": "Object reference not set to an instance of an object."}, "Object reference not set"),
        (
            {"text": "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"},
            "Internal Server Error: 502 Bad Gateway",
        ),
        ({"json": {"title": "One or more validation errors occurred.", "status": 400}}, "One or more validation"),
        ({"json": ["not", "an", "object"]}, "Internal Server Error"),
        ({"text": ""}, "Internal Server Error"),
    ],
    ids=["plain-text", "html", "problem-details", "json-list", "empty"],
)
def test_a_body_that_is_no_odata_error_still_gives_a_useful_message(answer: dict[str, Any], message: str) -> None:
    pbx = failing_pbx(500, **answer)
    with pbx.client(retry=NO_RETRIES) as client, pytest.raises(ServerError) as raised:
        list_user.sync(client=client)
    assert message in raised.value.message
    assert "<" not in str(raised.value)
    assert raised.value.code is None and raised.value.details == []


@pytest.mark.parametrize(
    ("answer", "text"),
    [
        (
            {
                "error": {
                    "code": "",
                    "message": "The query is not valid.",
                    "details": [{"code": "", "message": "Could not find a property named 'Foo'", "target": "$select"}],
                }
            },
            "400: The query is not valid.; $select: Could not find a property named 'Foo' [GET",
        ),
        (
            {
                "error": {
                    "code": "",
                    "message": "The queueDnStr field is required.",
                    "details": [{"code": "", "message": "The queueDnStr field is required.", "target": "queueDnStr"}],
                }
            },
            "400: The queueDnStr field is required. [GET",
        ),
        (
            {
                "title": "One or more validation errors occurred.",
                "status": 400,
                "errors": {"queueDnStr": ["The queueDnStr field is required."]},
            },
            "400: One or more validation errors occurred.; queueDnStr: The queueDnStr field is required. [GET",
        ),
        ({"Message": "An error has occurred."}, "400: An error has occurred. [GET"),
    ],
    ids=["detail-named-by-its-target", "detail-repeating-the-message", "validation-problem-details", "message"],
)
def test_error_details_read_as_one_line_in_every_shape_asp_net_answers(answer: dict[str, Any], text: str) -> None:
    pbx = failing_pbx(400, json=answer)
    with pbx.client(retry=NO_RETRIES) as client, pytest.raises(BadRequest) as raised:
        list_user.sync(client=client)
    assert str(raised.value).startswith(text)
    assert all(detail.get("message") for detail in raised.value.details)


@pytest.mark.parametrize(
    ("challenge", "code", "message"),
    [
        (
            'Bearer error="invalid_token", error_description="The token expired at \'09/21/2026 14:14:20\'"',
            "invalid_token",
            "Unauthorized: The token expired at '09/21/2026 14:14:20'",
        ),
        ('Bearer error="invalid_token"', "invalid_token", "Unauthorized"),
        ("Bearer", None, "Unauthorized"),
    ],
    ids=["expired", "invalid", "no-token"],
)
def test_a_bodiless_401_is_explained_by_its_bearer_challenge(challenge: str, code: str | None, message: str) -> None:
    """ASP.NET's JwtBearer answers a refused token with no body: why is in WWW-Authenticate (RFC 6750 section 3)."""
    pbx = failing_pbx(401, headers={"WWW-Authenticate": challenge})
    with pbx.client(retry=NO_RETRIES) as client, pytest.raises(AuthenticationError) as raised:
        list_user.sync(client=client)
    assert (raised.value.code, raised.value.message) == (code, message)


def test_a_long_error_page_is_cut_to_one_short_line() -> None:
    pbx = failing_pbx(500, text="<pre>\n" + "at Pbx.Handler()\n" * 500 + "</pre>")
    with pbx.client(retry=NO_RETRIES) as client, pytest.raises(ServerError) as raised:
        list_user.sync(client=client)
    assert len(raised.value.message) < 250 and "\n" not in raised.value.message


def test_detailed_calls_return_the_response_instead_of_raising() -> None:
    pbx = failing_pbx(404, json=ODATA_ERROR)
    with pbx.client() as client:
        response = get_user_by_number.sync_detailed("100", client=client)
    assert response.status_code == 404 and response.parsed is None
    assert response.headers["X-3CX-Version"] == SERVER_VERSION
    with pytest.raises(NotFound):
        raise_for_response(httpx.Response(404, json=ODATA_ERROR, request=pbx.requests[0]))


async def test_detailed_calls_return_the_response_instead_of_raising_async() -> None:
    pbx = failing_pbx(409, json=ODATA_ERROR)
    async with pbx.client() as client:
        response = await get_user_by_number.asyncio_detailed("100", client=client)
    assert response.status_code == 409 and response.parsed is None


def test_transport_errors_are_wrapped_with_the_method_and_url() -> None:
    pbx = FakePbx()
    pbx.fail(httpx.ReadTimeout("timed out"))
    with pbx.client() as client, pytest.raises(TransportError) as raised:
        list_user.sync(client=client, top=5)
    error = raised.value
    assert error.method == "GET" and error.url == "https://pbx.example.com/xapi/v1/Users?%24top=5"
    assert error.status_code is None
    assert str(error) == "ReadTimeout: timed out [GET https://pbx.example.com/xapi/v1/Users?%24top=5]"
    assert isinstance(error.__cause__, httpx.ReadTimeout)


def test_every_exception_is_an_xapi_error() -> None:
    for error_class in (*{cls for _, cls in STATUSES}, TransportError):
        assert issubclass(error_class, XapiError)


def secret_failures() -> list[tuple[str, FakePbx]]:
    """A PBX per failure path: every status, a dropped connection and a refusing token endpoint."""
    cases = [(f"status-{status}", failing_pbx(status, json=ODATA_ERROR)) for status, _ in STATUSES]
    dropped = FakePbx()
    dropped.fail(httpx.ReadError("connection reset"))
    refused = FakePbx()
    refused.token_route = lambda n: httpx.Response(
        401, json={"error": "invalid_client", "error_description": "Invalid client secret"}
    )
    return [*cases, ("dropped", dropped), ("token-refused", refused)]


@pytest.mark.parametrize(("case", "pbx"), secret_failures(), ids=[case for case, _ in secret_failures()])
def test_the_secret_and_the_token_are_in_no_exception_text_repr_or_debug_log(
    case: str, pbx: FakePbx, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="threecx_xapi")
    with pbx.client(retry=NO_RETRIES) as client, pytest.raises(XapiError) as raised:
        get_user_by_number.sync("100", client=client)
    error = raised.value
    texts = [str(error), repr(error), *map(str, error.args), repr(client), repr(client.auth), caplog.text]
    texts += [record.getMessage() for record in caplog.records]
    for text in texts:
        assert CLIENT_SECRET not in text
        for token in pbx.tokens:
            assert token not in text and token[-12:] not in text


def test_repr_of_the_client_names_the_pbx_and_the_client_id_only() -> None:
    pbx = FakePbx()
    with pbx.client() as client:
        list_user.sync(client=client)
        assert repr(client) == "XapiClient(base_url='https://pbx.example.com/xapi/v1', client_id='fake-client')"
        assert CLIENT_SECRET not in repr(client.auth) and pbx.tokens[0] not in repr(client.auth._token)
        assert CLIENT_SECRET not in repr(vars(client))  # nor in the reprs of what it holds


LOG_LINE = re.compile(r"^(GET|POST) (/\S*) -> (\d{3}|[A-Za-z]+) in \d+\.\d ms \(attempt (\d+)\)$")


def test_one_debug_line_per_request_with_method_path_status_elapsed_and_attempt(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="threecx_xapi")
    pbx = FakePbx()
    with pbx.client() as client:
        list_user.sync(client=client, filter_="Number eq '100'")
        pbx.answer(404, json=ODATA_ERROR)
        with pytest.raises(NotFound):
            get_user_by_number.sync("100", client=client)
    lines = [record.getMessage() for record in caplog.records if record.name == "threecx_xapi"]
    matches = [LOG_LINE.match(line) for line in lines]
    assert all(matches), lines
    assert [match.groups() for match in matches if match] == [
        ("POST", "/connect/token", "200", "1"),
        ("GET", "/xapi/v1/Users", "200", "1"),  # the path only: a query never reaches the log
        ("GET", "/xapi/v1/Users(Number='100')", "404", "1"),
    ]

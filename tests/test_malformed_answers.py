"""Whatever a PBX (or a proxy in front of it) answers, every operation raises only the project's exceptions.

Every operation of the registry gets every kind of malformed answer, at its declared success status, through its
public `sync` and `asyncio_detailed`: empty, truncated, not JSON, JSON of the wrong shape, a wrong or missing
Content-Type, a body labelled gzip that is not, gzip bytes labelled as plain JSON.
"""

from __future__ import annotations

import functools
import gzip
import typing
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from emulator_arguments import PERIOD_FROM, PERIOD_TO, build_model
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from threecx_xapi import RetryPolicy, XapiClient, XapiError, registry
from threecx_xapi.testing._fakedata import FakeData

OPERATIONS = registry.operations()
JSON = "application/json; odata.metadata=minimal"
GOOD = b'{"@odata.context": "x", "value": [{"Id": 1, "Number": "100", "AuthPassword": "hunter2"}]}'
MALFORMED: dict[str, tuple[bytes, dict[str, str]]] = {
    "empty": (b"", {"Content-Type": JSON}),
    "truncated": (GOOD[:40], {"Content-Type": JSON}),
    "not-json": (b"Service Unavailable <html>", {"Content-Type": JSON}),
    "invalid-utf8": (b'{"Name": "\xff\xfe"}', {"Content-Type": JSON}),
    "json-list": (b"[1, 2, 3]", {"Content-Type": JSON}),
    "json-string": (b'"Active"', {"Content-Type": JSON}),
    "json-null": (b"null", {"Content-Type": JSON}),
    "wrong-field-types": (b'{"Id": "one", "value": 5, "Number": [], "FirstName": {}}', {"Content-Type": JSON}),
    "html": (b"<html><body>Proxy login</body></html>", {"Content-Type": "text/html"}),
    "no-content-type": (b"<html></html>", {}),
    "octet-stream": (GOOD, {"Content-Type": "application/octet-stream"}),
    "gzip-mislabelled": (GOOD, {"Content-Type": JSON, "Content-Encoding": "gzip"}),
    "gzip-unlabelled": (gzip.compress(GOOD), {"Content-Type": JSON}),
}


def _value(parameter: registry.Parameter, position: int) -> Any:
    values = {
        "Edm.String": "100",
        "Edm.Boolean": True,
        "Edm.Guid": uuid.UUID(int=1),
        "Edm.DateTimeOffset": PERIOD_FROM if position == 0 else PERIOD_TO,
    }
    return 1 if parameter.edm_type.startswith("Edm.Int") else values[parameter.edm_type]


def arguments(operation: registry.Operation) -> dict[str, Any]:
    return _arguments(operation.operation_id)


@functools.cache
def _arguments(operation_id: str) -> dict[str, Any]:
    """Valid keyword arguments for any operation: every path parameter, and a schema-valid body."""
    operation = registry.get(operation_id)
    kwargs: dict[str, Any] = {}
    for position, parameter in enumerate(operation.path_parameters):
        kwargs[parameter.python_name] = _value(parameter, position)
    if operation.request_body is not None:
        body_type = typing.get_type_hints(operation.load().sync)["body"]
        schema = operation.request_body["schema"]
        data = FakeData(registry.schemas(), seed=7).value(schema or {}, salt=operation.operation_id, row=1)
        kwargs["body"] = build_model(body_type, data)
    return kwargs


class Answers:
    """A PBX stand-in answering each API request with the current body, headers and status."""

    def __init__(self) -> None:
        self.status, self.body, self.headers = 200, b"", {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/connect/token":
            return httpx.Response(200, json={"access_token": "t0ken", "token_type": "Bearer", "expires_in": 3600})
        return httpx.Response(self.status, content=self.body, headers=self.headers)


@pytest.fixture(scope="module")
def answers() -> Answers:
    return Answers()


@pytest.fixture(scope="module")
def client(answers: Answers) -> Iterator[XapiClient]:
    transport = httpx.MockTransport(answers)
    with XapiClient(
        "https://pbx.example.com",
        "id",
        "secret",
        retry=RetryPolicy(max_attempts=1),
        httpx_args={"transport": transport, "async_transport": transport},
    ) as xapi:
        yield xapi


def _call(operation: registry.Operation, client: XapiClient) -> None:
    try:
        operation.load().sync(client=client, **arguments(operation))
    except XapiError:
        pass  # the project's own exceptions (UnexpectedContent, TransportError, ...) are the point


async def _acall(operation: registry.Operation, client: XapiClient) -> None:
    try:
        await operation.load().asyncio_detailed(client=client, **arguments(operation))
    except XapiError:
        pass


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.operation_id)
def test_every_malformed_answer_to_every_operation_is_a_project_error(
    operation: registry.Operation, client: XapiClient, answers: Answers
) -> None:
    answers.status = operation.response["status"]
    for body, headers in MALFORMED.values():
        answers.body, answers.headers = body, headers
        _call(operation, client)


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    operation=st.sampled_from(OPERATIONS),
    body=st.one_of(st.binary(max_size=64), st.sampled_from([GOOD[:n] for n in range(len(GOOD))])),
    content_type=st.sampled_from([None, JSON, "application/json", "text/csv", "text/plain; charset=utf-16", ""]),
    encoding=st.sampled_from([None, "gzip", "deflate", "br", "identity"]),
    status_offset=st.sampled_from([0, 0, 0, 1, -200 + 400, 300]),
)
async def test_any_answer_to_any_operation_raises_only_project_errors(
    operation: registry.Operation,
    body: bytes,
    content_type: str | None,
    encoding: str | None,
    status_offset: int,
    client: XapiClient,
    answers: Answers,
) -> None:
    answers.status = operation.response["status"] + status_offset
    answers.body = body
    answers.headers = {
        name: value for name, value in (("Content-Type", content_type), ("Content-Encoding", encoding)) if value
    }
    _call(operation, client)
    await _acall(operation, client)

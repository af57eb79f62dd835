"""One operation call from command-line text: checked completely before anything is sent.

`prepare()` turns `--param NAME=VALUE`, `--body` and the OData options into the keyword arguments of the
generated function, each converted to its declared type (values.py); the generated function encodes them
exactly as for a library call. `fetch()` runs the call and gives the response as pages of JSON rows.
"""

from __future__ import annotations

import inspect
import itertools
import json
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from .. import models, registry
from ..client import XapiClient
from ..paging import iterate
from ..registry import Operation, Parameter
from .errors import InputError
from .output import Row
from .values import to_python

DEFAULT_PAGE_SIZE = 100
# The options with their own flags, and the OData parameter each one sets.
OPTION_PARAMETERS = {"select": "$select", "filter": "$filter", "orderby": "$orderby", "top": "$top", "skip": "$skip"}


@dataclass(frozen=True)
class PreparedCall:
    operation: Operation
    module: ModuleType
    arguments: dict[str, Any] = field(repr=False)
    all_pages: bool = False


def find_operation(operation_id: str) -> Operation:
    try:
        return registry.get(operation_id)
    except KeyError as exc:
        raise InputError(str(exc.args[0])) from None


def _parameter(operation: Operation, name: str) -> Parameter:
    """By document name (`periodFrom`, `$top`), Python name (`period_from`, `filter_`) or option name (`top`)."""
    for candidate in (name, f"${name}"):
        try:
            return operation.parameter(candidate)
        except KeyError:
            continue
    known = ", ".join(parameter.name for parameter in operation.parameters) or "none"
    raise InputError(f"{operation.operation_id} has no parameter {name!r} (it takes: {known})")


def _split(assignment: str) -> tuple[str, str]:
    name, equals, value = assignment.partition("=")
    if not equals or not name:
        raise InputError(f"--param {assignment!r} is not NAME=VALUE")
    return name.strip(), value


def read_body(text: str, operation: Operation, stdin: Callable[[], str]) -> Any:
    """The request body from JSON text, `@file` or `@-` (stdin), as the operation's model."""
    if operation.request_body is None:
        raise InputError(f"{operation.operation_id} takes no body")
    source = "--body"
    if text.startswith("@"):
        source = text[1:]
        try:
            text = stdin() if source == "-" else Path(source).read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot read the body from {source}: {exc.strerror or exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"bad JSON body ({source}): {exc}") from None
    model_name = operation.request_body["model"]
    if not isinstance(data, dict):
        raise InputError(f"the body of {operation.operation_id} must be a JSON object ({model_name})")
    model = getattr(models, model_name)
    try:
        parsed = model.from_dict(data)
        parsed.to_dict()  # every field's type is checked here, before anything is sent
        return parsed
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(f"the body does not fit {model_name}: {type(exc).__name__}: {exc}") from None


def prepare(
    operation_id: str,
    assignments: Sequence[str],
    options: Mapping[str, str | None],
    *,
    body: str | None = None,
    all_pages: bool = False,
    stdin: Callable[[], str] = lambda: sys.stdin.read(),
) -> PreparedCall:
    """The checked call, or an InputError naming what is wrong; nothing is sent."""
    operation = find_operation(operation_id)
    arguments: dict[str, Any] = {}
    given = [_split(assignment) for assignment in assignments]
    given += [(OPTION_PARAMETERS[option], value) for option, value in options.items() if value is not None]
    for name, text in given:
        parameter = _parameter(operation, name)
        if parameter.python_name in arguments:
            raise InputError(f"parameter {parameter.name!r} is given twice")
        arguments[parameter.python_name] = to_python_or_fail(text, parameter)
    missing = [p.name for p in operation.parameters if p.required and p.python_name not in arguments]
    if missing:
        raise InputError(
            f"{operation.operation_id} needs {', '.join(missing)} (--param NAME=VALUE; see docs/operations.md)"
        )
    module = operation.load()
    if body is not None:
        arguments["body"] = read_body(body, operation, stdin)
    elif body_required(operation, module):
        raise InputError(f"{operation.operation_id} needs a body: --body JSON or --body @file.json")
    if all_pages:
        names = {parameter.name for parameter in operation.parameters}
        if not {"$top", "$skip"} <= names:
            raise InputError(f"--all pages with $top/$skip, which {operation.operation_id} does not take")
        if arguments.get("top", DEFAULT_PAGE_SIZE) < 1:
            raise InputError("--top is the page size with --all and must be at least 1")
    try:
        # A dry run of the operation's encoder: every literal the request would carry, built without sending.
        module.ENDPOINT.encode(arguments)
    except (TypeError, ValueError) as exc:
        raise InputError(str(exc)) from None
    return PreparedCall(operation, module, arguments, all_pages)


def body_required(operation: Operation, module: ModuleType) -> bool:
    """The document's flag, or the generated signature where it asks for a body the document calls optional."""
    if operation.request_body is None:
        return False
    parameter = inspect.signature(module.sync).parameters["body"]
    return bool(operation.request_body["required"]) or parameter.default is inspect.Parameter.empty


def to_python_or_fail(text: str, parameter: Parameter) -> Any:
    try:
        return to_python(text, parameter)
    except ValueError as exc:
        raise InputError(str(exc)) from None


def as_json(value: Any) -> Any:
    """A parsed response (a model, a list of them, a plain value) as JSON data with the document's names."""
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, list):
        return [as_json(item) for item in value]
    return value


def _plain(row: Any) -> Any:
    """A row without OData control information (`@odata.etag`, `@odata.context`): what a user asked for."""
    if isinstance(row, dict):
        return {name: value for name, value in row.items() if not name.startswith("@odata.")}
    return row


def _chunks(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
    while page := list(itertools.islice(rows, size)):
        yield page


@dataclass(frozen=True)
class FileResult:
    """A file the PBX answered (a recording, a script, a report as CSV): its bytes and what the PBX called it."""

    payload: bytes = field(repr=False)
    file_name: str | None
    mime_type: str | None

    def describe(self) -> str:
        parts = [self.mime_type or "unknown type", self.file_name, f"{len(self.payload):,} bytes"]
        return ", ".join(part for part in parts if part)


@dataclass(frozen=True)
class Result:
    """The rows of a response, in pages; `collection` when they are a collection's `value` items.

    `file` is set when the answer is a file; `no_content` when the call succeeded without a body (204).
    """

    collection: bool
    pages: Iterator[list[Row]]
    file: FileResult | None = None
    no_content: bool = False


def as_file(value: Any) -> FileResult | None:
    """A file answer (anything with `payload`, `file_name` and `mime_type`, such as threecx_xapi.types.File)."""
    if not all(hasattr(value, name) for name in ("payload", "file_name", "mime_type")):
        return None
    payload = value.payload
    data = payload if isinstance(payload, bytes | bytearray | memoryview) else payload.read()
    return FileResult(bytes(data), value.file_name, value.mime_type)


def fetch(call: PreparedCall, client: XapiClient) -> Result:
    """Run the call: with `all_pages` page by page (lazily, one page held), else one request now."""
    if call.all_pages:
        arguments = dict(call.arguments)
        page_size = arguments.pop("top", DEFAULT_PAGE_SIZE)
        items = iterate(call.module, client=client, page_size=page_size, **arguments)
        return Result(True, _chunks((_plain(as_json(item)) for item in items), page_size))
    value = call.module.sync(client=client, **call.arguments)
    answered_file = as_file(value)
    if answered_file is not None:
        return Result(False, iter([]), file=answered_file)
    if value is None:
        return Result(False, iter([]), no_content=True)
    data = as_json(value)
    if isinstance(data, dict) and isinstance(data.get("value"), list):
        return Result(True, iter([[_plain(row) for row in data["value"]]]))
    return Result(False, iter([[_plain(data)]]))


# What a call without an answer body did, by method: `updated Users(29)`.
DONE_VERBS = {"PATCH": "updated", "PUT": "replaced", "DELETE": "deleted", "POST": "done:", "GET": "no content:"}


def done_message(call: PreparedCall) -> str:
    """One line saying what a successful call without a body did, with the path it addressed."""
    path, _params, _headers, _body = call.module.ENDPOINT.encode(call.arguments)  # the path the request went to
    return f"{DONE_VERBS.get(call.operation.method, 'done:')} {path.lstrip('/')}"

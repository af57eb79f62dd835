"""The emulator's one request handler. The HTTP server and the in-process transport both call `handle`."""

from __future__ import annotations

import dataclasses
import datetime
import json
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote

from openapi_schema_validator import OAS30Validator

from .. import registry
from ._entities import EntitySet, discover, json_value
from ._fakedata import FakeData, collection_items, resolve
from ._filter import FilterError
from ._query import collection
from ._routes import Match, RouteError, Router
from ._signin import SIGNIN_TARGETS, SignIn
from ._tokens import TokenIssuer

API_PATH = "/xapi/v1"
TOKEN_PATH = "/connect/token"
TOKEN_TARGET = "token"  # the name faults use for the token endpoint


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    delay: float = 0.0  # seconds the adapter waits before answering
    drop: bool = False  # the adapter closes the connection instead of answering


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # percent-decoded, with the query
    operation_id: str | None
    status: int


@dataclass
class Fault:
    target: str  # an operationId, "token", or "*" for every request
    status: int | None
    retry_after: float | None
    delay: float
    drop: bool
    remaining: int | None  # None: every matching request


@dataclass(frozen=True)
class Settings:
    seed: int
    client_id: str
    client_secret: str = dataclasses.field(repr=False)
    token_lifetime: float
    expires_in_minutes: bool
    collection_size: int
    server_version: str
    clock: Callable[[], float] = time.time


def error_body(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": []}}


class Handler:
    """Tokens, faults, routing, entity sets, singletons and generated function results, behind one lock."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.schemas = registry.schemas()
        self.router = Router(registry.operations())
        self.fake = FakeData(self.schemas, settings.seed)
        self.tokens = TokenIssuer(
            settings.client_id,
            settings.client_secret,
            settings.token_lifetime,
            settings.clock,
            expires_in_minutes=settings.expires_in_minutes,
        )
        self.signin = SignIn(self.tokens, settings.clock)
        self.faults: list[Fault] = []
        self.requests: list[RecordedRequest] = []
        self.lock = threading.RLock()
        self._sets = discover(registry.operations(), self.schemas)
        self._seeded: set[str] = set()
        self._singletons: dict[str, dict[str, Any]] = {}
        self._singleton_schemas = _singleton_schemas(registry.operations(), self.schemas)
        self._validators: dict[str, OAS30Validator] = {}

    def entity_set(self, name: str) -> EntitySet | None:
        entity_set = self._sets.get(name)
        if entity_set is not None and name not in self._seeded:
            self._seeded.add(name)
            entity_set.seed(self.fake, self.settings.collection_size)
        return entity_set

    def handle(self, method: str, raw_path: str, query: str, headers: Mapping[str, str], body: bytes) -> Reply:
        method = method.upper()
        with self.lock:
            target, match = self._target(method, raw_path)
            fault = self._fault(target)
            if fault is not None and fault.status is not None:
                reply = self._reply(fault.status, error_body("Injected", f"fault injected for {target}"))
                if fault.retry_after is not None:
                    reply.headers["Retry-After"] = f"{fault.retry_after:g}"
            else:
                reply = self._answer(method, raw_path, match, query, headers, body)
            if fault is not None:
                reply = dataclasses.replace(reply, delay=fault.delay, drop=fault.drop)
            shown = unquote(raw_path) + (f"?{unquote(query)}" if query else "")
            self.requests.append(RecordedRequest(method, shown, target, reply.status))
            return reply

    def _target(self, method: str, raw_path: str) -> tuple[str | None, Match | RouteError]:
        """The operation a request addresses (its id, or "token"), or why none is."""
        if raw_path in SIGNIN_TARGETS:
            return SIGNIN_TARGETS[raw_path], RouteError(
                405, "MethodNotAllowed", f"{method} is not allowed on {raw_path}"
            )
        if not raw_path.startswith(API_PATH + "/"):
            return None, RouteError(404, "NotFound", f"no resource at {unquote(raw_path)}")
        try:
            match = self.router.match(method, raw_path[len(API_PATH) :])
        except RouteError as exc:
            return None, exc
        return match.operation.operation_id, match

    def _answer(
        self,
        method: str,
        raw_path: str,
        match: Match | RouteError,
        query: str,
        headers: Mapping[str, str],
        body: bytes,
    ) -> Reply:
        if raw_path in SIGNIN_TARGETS:  # no bearer token is asked of the sign-in endpoints, whatever the method
            status, extra, content = self.signin.answer(method, raw_path, query, headers, body)
            return Reply(status, {"X-3CX-Version": self.settings.server_version, **extra}, content)
        if not self.tokens.is_valid(headers.get("authorization")):
            reply = self._reply(401, error_body("Unauthorized", "missing, expired or revoked bearer token"))
            reply.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
            return reply
        try:
            if isinstance(match, RouteError):
                raise match
            return self._reply(*self._dispatch(match, dict(parse_qsl(query, keep_blank_values=True)), body))
        except RouteError as exc:
            return self._reply(exc.status, error_body(exc.code, exc.message))
        except FilterError as exc:
            return self._reply(400, error_body("BadRequest", str(exc)))

    def _fault(self, target: str | None) -> Fault | None:
        """The first fault for this target that has uses left, using one of them."""
        for fault in self.faults:
            if fault.target in ("*", target) and fault.remaining != 0:
                if fault.remaining is not None:
                    fault.remaining -= 1
                return fault
        return None

    def _reply(self, status: int, payload: Any) -> Reply:
        headers = {"X-3CX-Version": self.settings.server_version, "OData-Version": "4.0"}
        if payload is None:
            return Reply(status, headers, b"")
        headers["Content-Type"] = "application/json; odata.metadata=minimal"
        return Reply(status, headers, json.dumps(payload, separators=(",", ":")).encode())

    def _dispatch(self, match: Match, options: dict[str, str], body: bytes) -> tuple[int, Any]:
        operation = match.operation
        status = int(operation.response["status"])
        payload = self._request_body(match, body)
        first = match.segments[0]
        entity_set = self.entity_set(first.name)
        whole_path = len(match.segments) == 1 and first.arguments is None
        if entity_set is not None and match.keys:
            entity = entity_set.find(match.keys)  # a bound operation of a missing entity is a 404 too
            if len(match.segments) == 1:
                return status, self._entity(operation.method, entity_set, entity, payload, options)
        elif entity_set is not None and whole_path:
            if operation.method == "POST":
                return status, entity_set.create(payload or {})
            return status, collection(entity_set, options)
        elif whole_path and first.name in self._singleton_schemas:
            singleton = self._singleton(first.name)
            if operation.method == "PATCH":
                singleton.update(payload or {})
                return status, None
            return status, singleton
        return self._generated(match, status, options, entity_set)

    def _entity(
        self,
        method: str,
        entity_set: EntitySet,
        entity: dict[str, Any],
        payload: dict[str, Any] | None,
        options: dict[str, str],
    ) -> dict[str, Any] | None:
        if method == "PATCH":
            entity_set.update(entity, payload or {})
            return None
        if method == "DELETE":
            entity_set.delete(entity)
            return None
        if "$select" in options:
            return {name: entity.get(name) for name in options["$select"].split(",")}
        return entity

    def _singleton(self, name: str) -> dict[str, Any]:
        """Settings such as /AISettings: generated once, then changed by PATCH."""
        if name not in self._singletons:
            self._singletons[name] = self.fake.value(self._singleton_schemas[name], salt=name)
        return self._singletons[name]

    def _generated(
        self, match: Match, status: int, options: dict[str, str], entity_set: EntitySet | None
    ) -> tuple[int, Any]:
        schema = match.operation.response["schema"]
        if schema is None:
            return status, None
        items = collection_items(self.schemas, schema)
        if items is not None and entity_set is not None and items == entity_set.item_schema and not match.arguments:
            # A parameterless collection function of a set over its own type, e.g. Users/Pbx.ExportExtensions().
            return status, collection(entity_set, options)
        fake = self.fake
        period = _period(match.arguments)
        if period is not None:
            fake = dataclasses.replace(fake, period=period)
        salt = match.operation.operation_id + json.dumps(
            {name: json_value(value) for name, value in match.arguments.items()}, sort_keys=True, default=str
        )
        if items is not None:
            rows = fake.rows(items, self.settings.collection_size, salt=salt)
            _carry_arguments(match.arguments, resolve(self.schemas, items), rows)
            return status, collection(sorted(rows, key=_first_moment), options)
        value = fake.value(schema, salt=salt)
        _carry_arguments(match.arguments, resolve(self.schemas, schema), [value])
        return status, value

    def _request_body(self, match: Match, body: bytes) -> dict[str, Any] | None:
        declared = match.operation.request_body
        if declared is None:
            return None
        try:
            payload = json.loads(body) if body else None
        except ValueError as exc:
            raise RouteError(400, "BadRequest", f"the request body is not JSON: {exc}") from None
        if payload is None and declared.get("required"):
            raise RouteError(400, "BadRequest", "the request body is required")
        validator = self._validator(match.operation.operation_id, declared["schema"])
        error = next(iter(validator.iter_errors(payload)), None) if payload is not None else None
        if error is not None:
            where = "/".join(str(part) for part in error.absolute_path) or "(body)"
            raise RouteError(400, "BadRequest", f"the request body is invalid at {where}: {error.message}")
        return payload if isinstance(payload, dict) else {"value": payload}

    def _validator(self, operation_id: str, schema: dict[str, Any]) -> OAS30Validator:
        if operation_id not in self._validators:
            self._validators[operation_id] = schema_validator(self.schemas, schema)
        return self._validators[operation_id]


def schema_validator(schemas: Mapping[str, Any], schema: Mapping[str, Any]) -> OAS30Validator:
    """A validator for one schema of the document (its `$ref`s resolved in `components.schemas`)."""
    return OAS30Validator({"components": {"schemas": schemas}, "allOf": [schema]})


def _singleton_schemas(operations: Iterable[registry.Operation], schemas: dict[str, Any]) -> dict[str, Any]:
    """Top-level resources read as one object (`GET /AISettings`), by name."""
    found = {}
    for operation in operations:
        schema = operation.response["schema"]
        path = operation.path.strip("/")
        if operation.method == "GET" and "/" not in path and "(" not in path and schema is not None:
            if collection_items(schemas, schema) is None:
                found[path] = schema
    return found


def _first_moment(row: Any) -> str:
    """Report rows come in time order, by their first date-time (ISO text sorts as time)."""
    if isinstance(row, dict):
        for value in row.values():
            if isinstance(value, str) and value[:4].isdigit() and value[4:5] == "-" and "T" in value:
                return value
    return ""


def _period(arguments: Mapping[str, Any]) -> tuple[datetime.datetime, datetime.datetime] | None:
    """Report functions take a period: the rows they return fall inside it."""
    moments = sorted(value for value in arguments.values() if isinstance(value, datetime.datetime))
    if len(moments) < 2 or moments[0] >= moments[-1]:
        return None
    return moments[0], moments[-1]


# A parameter that names numbers (queueDnStr, queueDns, ringGroupDns, trunkDns, groupNumber) filters a report
# by its subject (queue, ringgroup, trunk, group); the rows hold that subject's number as QueueNo, QueueDn,
# QueueDnNumber, TrunkNumber, ... or, when there is no such property, as the bare subject (Queue).
_ARGUMENT_SUFFIXES = ("dnstr", "dns", "dn", "number", "no")
_ROW_SUFFIXES = ("no", "dn", "dnnumber", "number")


def _carry_arguments(arguments: Mapping[str, Any], schema: Mapping[str, Any], rows: list[Any]) -> None:
    """Rows of a filtered report carry the filter: `queueDnStr='800,801'` gives rows of queues 800 and 801.

    A string argument whose name ends in a number suffix is copied into the rows' plain string properties
    named for the same subject; a comma-separated list is spread over the rows in turn; '' (all) is left out.
    """
    properties = {
        name: sub
        for name, sub in schema.get("properties", {}).items()
        if sub.get("type") == "string" and not {"enum", "format", "pattern", "maxLength"} & set(sub)
    }
    for name, value in arguments.items():
        lowered = name.lower()
        suffix = next((end for end in _ARGUMENT_SUFFIXES if lowered.endswith(end) and lowered != end), None)
        values = [part.strip() for part in value.split(",") if part.strip()] if isinstance(value, str) else []
        if suffix is None or not values:
            continue
        subject = lowered[: -len(suffix)]
        numbered = {subject + end for end in _ROW_SUFFIXES}
        targets = [key for key in properties if key.lower() in numbered]
        targets = targets or [key for key in properties if key.lower() == subject]
        for index, row in enumerate(rows):
            if isinstance(row, dict):
                row.update(dict.fromkeys(targets, values[index % len(values)]))

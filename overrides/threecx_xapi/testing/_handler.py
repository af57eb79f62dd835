"""The emulator's one request handler. The HTTP server and the in-process transport both call `handle`."""

from __future__ import annotations

import dataclasses
import datetime
import functools
import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode

import msgspec
from openapi_schema_validator import OAS30Validator

from .. import registry
from ..odata import literal
from . import _behaviour, _formats
from ._bodies import nullable_schemas, undeclared_property
from ._documents import entity_sets, metadata, openapi_document, service_document
from ._entities import EntitySet, discover, json_value
from ._fakedata import FakeData, collection_items, resolve
from ._files import file_answer, report_csv
from ._filter import FilterError
from ._full_metadata import Model as FullModel
from ._full_metadata import with_full_metadata
from ._myphone import SESSION_PATH, open_session
from ._numbering import NumberingPlan
from ._query import (
    EntityType,
    Paging,
    check_options,
    collection,
    entity_type,
    expand_items,
    expand_value,
    projection,
    query_options,
    select_fields,
    unevaluated_option,
)
from ._reports import ReportRows
from ._routes import Match, RouteError, Router, entity_segment
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
    top_limit: int | None = 100  # entity sets refuse a larger $top, as a PBX does; None: no cap
    max_page_size: int | None = None  # server-driven paging: pages of at most this many rows, with a next link
    report_size: int | None = None  # rows of a report function; None: collection_size
    forbidden: Mapping[str, str] = dataclasses.field(default_factory=dict)  # area ("Users", "*") -> 403 message
    clock_offset: float = 0.0  # seconds the PBX's clock is ahead of this machine's (tokens, Date header)
    operations: frozenset[str] | None = None  # None: every operation of the document; else only these

    def pbx_clock(self) -> float:
        return self.clock() + self.clock_offset


@dataclass(frozen=True)
class Call:
    """One request as the handler reads it."""

    method: str
    raw_path: str
    query: str
    headers: Mapping[str, str]
    body: bytes
    path: str = ""  # the path as the router read it (`/callhistoryview` is `/CallHistoryView`), for area rules


@dataclass(frozen=True)
class Route:
    """A resource outside the operation registry (token endpoint, documents): one place registers them all."""

    answer: Callable[[Call], Reply]
    needs_token: bool = True


def error_body(code: str, message: str, target: str | None = None) -> dict[str, Any]:
    details = [{"code": code, "message": message, "target": target}] if target else []
    return {"error": {"code": code, "message": message, "details": details}}


# The names faults and recorded requests use for the routes outside the registry that have one.
TARGETS = {**SIGNIN_TARGETS, SESSION_PATH: "myphone_session"}
_COUNT = "/$count"  # the path suffix asking for a collection's number of entities
_MALFORMED_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_BULK_DELETE = re.compile(r"Pbx\.(Bulk\w*Delete|BatchDelete|Delete\w*ById)$")
_FILE_MODEL = "IActionResult"


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
            settings.pbx_clock,
            expires_in_minutes=settings.expires_in_minutes,
        )
        self.signin = SignIn(self.tokens, settings.pbx_clock)
        self.faults: list[Fault] = []
        self.requests: list[RecordedRequest] = []
        self.lock = threading.RLock()
        self.download_format = "json"  # what Download* reports answer: "json" rows, or "csv" as the web UI exports
        self._sets = discover(registry.operations(), self.schemas)
        plan = NumberingPlan(lambda: {name: self._sets[name] for name in self._seeded})
        for entity_set in self._sets.values():
            entity_set.plan = plan
        self._types = {name: entity_type(self.schemas, found.item_schema) for name, found in self._sets.items()}
        self._seeded: set[str] = set()
        self._singletons: dict[str, dict[str, Any]] = {}
        self._singleton_schemas = _singleton_schemas(registry.operations(), self.schemas)
        self._singleton_types: dict[str, EntityType] = {}
        self._validators: dict[str, OAS30Validator] = {}
        self._reports: dict[str, ReportRows] = {}
        self._row_types: dict[str, EntityType] = {}  # report rows' types, for checking their query options
        self.routes: dict[str, Route] = {
            **{path: Route(self._signin, needs_token=False) for path in SIGNIN_TARGETS},
            API_PATH + "/swagger.yaml": Route(self._swagger, needs_token=False),
            API_PATH: Route(self._service_document),
            API_PATH + "/": Route(self._service_document),
            API_PATH + "/$metadata": Route(self._metadata),
            SESSION_PATH: Route(self._myphone_session),
        }

    def entity_set(self, name: str) -> EntitySet | None:
        entity_set = self._sets.get(name)
        if entity_set is not None and name not in self._seeded:
            self._seeded.add(name)
            entity_set.seed(self.fake, self.settings.collection_size)
            _seed_links(name, entity_set, self)
        return entity_set

    def handle(self, method: str, raw_path: str, query: str, headers: Mapping[str, str], body: bytes) -> Reply:
        call = Call(method.upper(), raw_path, query, headers, body)
        with self.lock:
            target, match, path = self._target(call.method, raw_path)
            call = dataclasses.replace(call, path=path)
            fault = self._fault(target)
            if fault is not None and fault.status is not None:
                reply = self._reply(fault.status, error_body("Injected", f"fault injected for {target}"))
                if fault.retry_after is not None:
                    reply.headers["Retry-After"] = f"{fault.retry_after:g}"
            else:
                reply = self._answer(call, match)
            if reply.headers.get("Content-Type") == _formats.MINIMAL:
                reply = self._formatted(reply, _formats.metadata_level(call.headers, query))
            if fault is not None:
                reply = dataclasses.replace(reply, delay=fault.delay, drop=fault.drop)
            shown = unquote(raw_path) + (f"?{unquote(query)}" if query else "")
            self.requests.append(RecordedRequest(call.method, shown, target, reply.status))
            return reply

    def _formatted(self, reply: Reply, level: _formats.Level) -> Reply:
        """A minimal JSON answer with the control information the request asked for (none, or full)."""
        if level == "minimal":
            return reply
        decoded = msgspec.json.decode(reply.body)
        if level == "none":
            body, content_type = _formats.without_metadata(decoded), _formats.NONE
        else:
            body, content_type = with_full_metadata(decoded, self._full_model), _formats.FULL
        return dataclasses.replace(reply, headers={**reply.headers, "Content-Type": content_type}, body=_encode(body))

    @functools.cached_property
    def _full_model(self) -> FullModel:
        keyed = {name: (_type_of(found.item_schema), found.key) for name, found in self._sets.items()}
        singletons = {name: _type_of(schema) for name, schema in self._singleton_schemas.items()}
        listed = entity_sets(self.schemas, self._sets, self._singleton_schemas)
        return FullModel.build(self.schemas, keyed, listed, singletons)

    def _target(self, method: str, raw_path: str) -> tuple[str | None, Match | RouteError | Route, str]:
        """The operation a request addresses (its id, or "token"), or why none is; and the path as routed."""
        route = self.routes.get(raw_path)
        if route is not None:
            return TARGETS.get(raw_path), route, raw_path
        if not raw_path.startswith(API_PATH + "/"):
            return None, RouteError(404, "NotFound", f"no resource at {unquote(raw_path)}"), raw_path
        counted = raw_path.endswith(_COUNT)  # `/Users/$count`: the count of what GET /Users lists
        path = raw_path[len(API_PATH) :].removesuffix(_COUNT)
        try:
            match = self.router.match("GET" if counted else method, path)
        except RouteError as exc:
            return None, exc, raw_path
        routed = "/".join([API_PATH, *(segment.text for segment in match.segments)]) + (_COUNT if counted else "")
        answered = self.settings.operations
        if answered is not None and match.operation.operation_id not in answered:
            return None, RouteError(404, "NotFound", f"no resource at {unquote(raw_path)}"), raw_path
        answer = Route(functools.partial(self._count, match)) if counted else match
        return match.operation.operation_id, answer, routed

    def _answer(self, call: Call, match: Match | RouteError | Route) -> Reply:
        challenge = (
            None
            if isinstance(match, Route) and not match.needs_token
            else self.tokens.challenge(call.headers.get("authorization"))
        )
        if challenge is not None:  # ASP.NET's JwtBearer answers with no body, only the challenge
            return self._reply(401, None, {"WWW-Authenticate": challenge})
        refusal = _behaviour.forbidden_reason(self.settings.forbidden, call.path or call.raw_path)
        if refusal is not None:
            return self._reply(403, error_body("", refusal))
        try:
            if isinstance(match, Route):
                return match.answer(call)
            if isinstance(match, RouteError):
                raise match
            malformed = _MALFORMED_ESCAPE.search(call.raw_path) or _MALFORMED_ESCAPE.search(call.query)
            if malformed is not None:
                raise RouteError(400, "", f"The URI contains a malformed percent escape at {malformed.start()}.")
            options = query_options(parse_qsl(call.query, keep_blank_values=True))
            unevaluated = unevaluated_option(options)
            if unevaluated is not None:
                raise RouteError(501, "NotImplemented", f"The emulator does not evaluate {unevaluated}.")
            return self._dispatch(call, match, options)
        except RouteError as exc:
            return self._reply(exc.status, error_body(exc.code, exc.message, exc.target))
        except FilterError as exc:
            return self._reply(400, error_body("", _QUERY_INVALID + str(exc)))

    def _fault(self, target: str | None) -> Fault | None:
        """The first fault for this target that has uses left, using one of them."""
        for fault in self.faults:
            if fault.target in ("*", target) and fault.remaining != 0:
                if fault.remaining is not None:
                    fault.remaining -= 1
                return fault
        return None

    def _reply(self, status: int, payload: Any, headers: Mapping[str, str] | None = None) -> Reply:
        answer = {
            "X-3CX-Version": self.settings.server_version,
            "OData-Version": "4.0",
            "Date": _behaviour.date_header(self.settings.pbx_clock()),
            **(headers or {}),
        }
        if payload is None:
            return Reply(status, answer, b"")
        answer["Content-Type"] = _formats.MINIMAL
        return Reply(status, answer, _encode(payload))

    # -- routes outside the registry ---------------------------------------------------------------------

    def _signin(self, call: Call) -> Reply:
        """The sign-in endpoints (token, login, authorize): no bearer token is asked of them, whatever the method."""
        status, extra, content = self.signin.answer(call.method, call.raw_path, call.query, call.headers, call.body)
        return Reply(status, {"X-3CX-Version": self.settings.server_version, **extra}, content)

    def _not_allowed(self, call: Call, allowed: str) -> Reply:
        body = error_body("MethodNotAllowed", f"{call.method} is not allowed on {call.raw_path}")
        return self._reply(405, body, {"Allow": allowed})

    def _myphone_session(self, call: Call) -> Reply:
        if call.method != "POST":
            return self._not_allowed(call, "POST")
        users = self.entity_set("Users")
        rows = users.rows.values() if users is not None else ()
        status, body = open_session(call.body, lambda number: any(row.get("Number") == number for row in rows))
        return self._reply(status, body)

    def _count(self, match: Match, call: Call) -> Reply:
        """`/Users/$count`, `/CallHistoryView/$count`: how many rows of the collection `$filter` and `$search` keep,
        as plain text, as ASP.NET Core OData answers it (the other query options do not apply to a count)."""
        if call.method != "GET":
            return self._not_allowed(call, "GET")
        options = query_options(parse_qsl(call.query, keep_blank_values=True))
        kept = {option: value for option, value in options.items() if option in ("$filter", "$search")}
        listed = dataclasses.replace(call, raw_path=call.raw_path[: -len(_COUNT)], query="")
        try:
            reply = self._dispatch(listed, match, {**kept, "$count": "true", "$top": "0"})
        except RouteError as exc:
            if exc.message != _NOT_A_COLLECTION:  # one entity or a singleton has no $count segment: a 404 below
                raise
            reply = Reply(200, {}, b"")
        if reply.status != 200:
            return reply
        page = msgspec.json.decode(reply.body) if reply.headers.get("Content-Type") == _formats.MINIMAL else None
        count = page.get("@odata.count") if isinstance(page, dict) else None
        if not isinstance(count, int):
            raise RouteError(404, "NotFound", f"no resource at {unquote(call.raw_path)}: it is no collection")
        headers = {"X-3CX-Version": self.settings.server_version, "OData-Version": "4.0"}
        return Reply(200, {**headers, "Content-Type": "text/plain"}, str(count).encode())

    def _swagger(self, call: Call) -> Reply:
        headers = {"X-3CX-Version": self.settings.server_version, "Content-Type": "application/yaml"}
        return Reply(200, headers, _openapi_document())

    def _service_document(self, call: Call) -> Reply:
        return self._reply(200, service_document(_base(call), self._all_sets, self._singleton_schemas))

    @functools.cached_property
    def _all_sets(self) -> list[str]:
        return list(entity_sets(self.schemas, self._sets, self._singleton_schemas))

    def _metadata(self, call: Call) -> Reply:
        headers = {"X-3CX-Version": self.settings.server_version, "OData-Version": "4.0"}
        headers["Content-Type"] = "application/xml"
        return Reply(200, headers, self._csdl())

    @functools.cached_property
    def _csdl_bytes(self) -> bytes:
        return metadata(self.schemas, self._sets, self._singleton_schemas)

    def _csdl(self) -> bytes:
        return self._csdl_bytes

    # -- operations ---------------------------------------------------------------------------------------

    def _dispatch(self, call: Call, match: Match, options: dict[str, str]) -> Reply:
        operation = match.operation
        status = int(operation.response["status"])
        if operation.request_body is not None and call.body and not _is_json(call.headers.get("content-type", "")):
            return self._reply(415, None)  # MVC's UnsupportedContentTypeFilter: no formatter reads it, no body
        payload = self._request_body(match, call.body)
        first = match.segments[0]
        entity_set = self.entity_set(first.name)
        whole_path = len(match.segments) == 1 and first.arguments is None
        context = _base(call) + "/$metadata#"
        if entity_set is not None and match.keys:
            entity = entity_set.find(match.keys)  # a bound operation of a missing entity is a 404 too
            if len(match.segments) == 1:
                return self._entity(call, entity_set, entity, payload, options, status, context)
            if len(match.segments) == 2 and match.segments[1].arguments is None:
                rows = self._navigation(first.name, entity, match.segments[1].name)
                if rows is not None:  # its context names the path, as ASP.NET Core OData's: Users(1)/Groups
                    path = f"{first.text}/{match.segments[1].name}"
                    leads_to = self._types[first.name].target(match.segments[1].name)  # options name its type's
                    return self._reply(status, self._page(call, rows, options, None, context + path, row_type=leads_to))
        elif entity_set is not None and whole_path:
            if operation.method == "POST":
                created = entity_set.create(payload or {}, self.fake)
                self._link(first.name, created, payload or {})
                return self._created(call, entity_set, created, status, context)
            declared = check_options(options, self._types[first.name])
            body = self._page(call, entity_set, options, entity_set, context + first.name + projection(declared))
            return self._reply(status, body)
        elif whole_path and first.name in self._singleton_schemas:
            singleton = self._singleton(first.name)
            if operation.method == "PATCH":
                singleton.update(payload or {})
                return self._reply(status, None)
            options = _single_entity_options(options, self._singleton_type(first.name))
            named = context + first.name + projection(options)
            return self._reply(status, select_fields({"@odata.context": named, **singleton}, options))
        if entity_set is not None and _BULK_DELETE.search(operation.path) and isinstance(payload, dict):
            missing = self._bulk_delete(entity_set, payload)
            items = collection_items(self.schemas, operation.response["schema"] or {})
            if items is not None:  # Users/Pbx.BatchDelete: an error row for each entity it could not delete
                item_name = items.get("$ref", "").rsplit("/", 1)[-1]
                rows = [{"Error": f"{entity_set.name}({literal(key)}) does not exist"} for key in missing]
                return self._reply(status, {"@odata.context": f"{context}Collection({item_name})", "value": rows})
        return self._generated(call, match, status, options, entity_set, context)

    def _entity(
        self,
        call: Call,
        entity_set: EntitySet,
        entity: dict[str, Any],
        payload: dict[str, Any] | None,
        options: dict[str, str],
        status: int,
        context: str,
    ) -> Reply:
        etag = entity_set.etag(entity)
        method = call.method
        if_match = call.headers.get("if-match")
        if method in ("PATCH", "PUT", "DELETE") and if_match not in (None, "*") and etag not in _tags(if_match):
            raise RouteError(412, "", f"The entity has changed since it was read: ETag {etag}, If-Match {if_match}.")
        if method == "PATCH":
            entity_set.update(entity, payload or {})
            self._link(entity_set.name, entity, payload or {})
            if _prefers(call, "return=representation"):
                # AspNetCore OData's Updated() answers so; whether 3CX's controllers return it is not known.
                body = {"@odata.context": f"{context}{entity_set.name}/$entity", **self._shaped(entity_set, entity, {})}
                return self._reply(200, body, {"ETag": entity_set.etag(entity)})
            return self._reply(status, None, {"ETag": entity_set.etag(entity)})
        if method == "DELETE":
            entity_set.delete(entity)
            return self._reply(status, None)
        if_none_match = call.headers.get("if-none-match")
        if if_none_match is not None and (if_none_match == "*" or etag in _tags(if_none_match)):
            return self._reply(304, None, {"ETag": etag})
        options = _single_entity_options(options, self._types[entity_set.name])
        named = f"{context}{entity_set.name}{projection(options)}/$entity"
        body = {"@odata.context": named, **self._shaped(entity_set, entity, options)}
        return self._reply(status, select_fields(body, options), {"ETag": etag})

    def _created(self, call: Call, entity_set: EntitySet, created: dict[str, Any], status: int, context: str) -> Reply:
        """A POST's answer as AspNetCore OData's Created() gives it: Location always; with `Prefer: return=minimal`
        a 204 with OData-EntityId instead of the entity (it writes no Preference-Applied)."""
        location = f"{_base(call)}/{entity_segment(entity_set.name, created[entity_set.key])}"
        headers = {"ETag": entity_set.etag(created), "Location": location}
        if _prefers(call, "return=minimal"):
            return self._reply(204, None, {**headers, "OData-EntityId": location})
        body = {"@odata.context": f"{context}{entity_set.name}/$entity", **self._shaped(entity_set, created, {})}
        return self._reply(status, body, headers)

    def _singleton_type(self, name: str) -> EntityType:
        if name not in self._singleton_types:
            self._singleton_types[name] = entity_type(self.schemas, self._singleton_schemas[name])
        return self._singleton_types[name]

    def _shaped(self, entity_set: EntitySet, entity: Mapping[str, Any], options: Mapping[str, str]) -> dict[str, Any]:
        """An entity as answered: its ETag, its stored fields, and the navigation properties `$expand` names."""
        row: dict[str, Any] = {"@odata.etag": entity_set.etag(entity)}  # type: ignore[arg-type]
        row.update(
            (name, value) for name, value in entity.items() if name not in self._types[entity_set.name].navigation
        )
        entity_type_ = self._types[entity_set.name]
        for name, nested in expand_items(options):
            value, count = expand_value(
                self._navigation(entity_set.name, entity, name), nested, entity_type_.target(name)
            )
            row[name] = value
            if count is not None:
                row[f"{name}@odata.count"] = count
        return row

    def _page(
        self,
        call: Call,
        rows: Iterable[Mapping[str, Any]],
        options: dict[str, str],
        entity_set: EntitySet | None,
        context: str,
        *,
        function_result: bool = False,
        row_type: EntityType | None = None,
    ) -> dict[str, Any]:
        paging = Paging(
            top_limit=self.settings.top_limit
            if _behaviour.top_capped(call.path or call.raw_path, function_result=function_result)
            else None,
            page_size=self.settings.max_page_size,
            next_link=lambda following: (
                f"{_base(call)}{call.raw_path[len(API_PATH) :]}?{urlencode(following, quote_via=quote)}"
            ),
        )
        entity = self._types[entity_set.name] if entity_set is not None else row_type
        shape = (lambda row, declared: self._shaped(entity_set, row, declared)) if entity_set is not None else None
        body = collection(rows, options, entity, paging=paging, shape=shape)
        return {"@odata.context": context, **body}

    def _singleton(self, name: str) -> dict[str, Any]:
        """Settings such as /AISettings: generated once, then changed by PATCH."""
        if name not in self._singletons:
            self._singletons[name] = self.fake.value(self._singleton_schemas[name], salt=name)
        return self._singletons[name]

    def _generated(
        self,
        call: Call,
        match: Match,
        status: int,
        options: dict[str, str],
        entity_set: EntitySet | None,
        context: str,
    ) -> Reply:
        operation = match.operation
        schema = operation.response["schema"]
        if schema is None:
            return self._reply(status, None)
        if operation.response["model"] == _FILE_MODEL:
            if operation.method != "GET":
                return Reply(status, {"X-3CX-Version": self.settings.server_version, "Content-Length": "0"}, b"")
            answer = file_answer(operation.operation_id, match.arguments)
            return Reply(status, {"X-3CX-Version": self.settings.server_version, **answer.headers()}, answer.content)
        items = collection_items(self.schemas, schema)
        if items is not None and entity_set is not None and items == entity_set.item_schema and not match.arguments:
            # A parameterless collection function of a set over its own type, e.g. Users/Pbx.ExportExtensions().
            return self._reply(status, self._page(call, entity_set, options, entity_set, context + entity_set.name))
        first_number = self._first_free_number(operation.operation_id, entity_set)
        if items is not None:
            rows = self._report(match, items)
            item_name = items.get("$ref", "").rsplit("/", 1)[-1]
            row_type = self._row_types.get(item_name)
            if row_type is None and item_name in self.schemas:
                row_type = self._row_types[item_name] = entity_type(self.schemas, items)
            # A whole entity set listed (GET /CallHistoryView) is named by its set, as ODL's context URLs name one.
            listed = len(match.segments) == 1 and match.segments[0].arguments is None
            named = match.segments[0].name if listed and match.segments[0].name in self._all_sets else None
            page = self._page(
                call,
                rows,
                options,
                None,
                context + (named or f"Collection({item_name})"),
                function_result=True,
                row_type=row_type,
            )
            if operation.operation_id.startswith("Download") and self.download_format == "csv":
                answer = report_csv(operation.operation_id, page["value"])
                headers = {"X-3CX-Version": self.settings.server_version, **answer.headers()}
                return Reply(status, headers, answer.content)
            return self._reply(status, page)
        value = self.fake.value(schema, salt=_salt(match))
        _carry_arguments(match.arguments, resolve(self.schemas, schema), [value])
        type_name = schema.get("$ref", "").rsplit("/", 1)[-1]
        if first_number is not None and isinstance(value, dict):
            value["Number"] = first_number
            value.pop("Id", None)
        if not isinstance(value, dict):
            return self._reply(status, {"@odata.context": context + type_name, "value": value})
        return self._reply(status, {"@odata.context": context + type_name, **value} if type_name else value)

    def _first_free_number(self, operation_id: str, entity_set: EntitySet | None) -> str | None:
        """InitTrunk, InitFax and GetFirstAvailable*Number hand out a number no one holds."""
        if entity_set is None or entity_set.plan is None:
            return None
        if operation_id.startswith("GetFirstAvailable") or operation_id in ("InitTrunk", "InitFax"):
            return entity_set.plan.first_free(entity_set.name)
        return None

    def _report(self, match: Match, items: dict[str, Any]) -> ReportRows:
        """A report's rows for these arguments, made once and then read page by page."""
        salt = _salt(match)
        rows = self._reports.get(salt)
        if rows is None:
            fake = self.fake
            period = _period(match.arguments)
            if period is not None:
                fake = dataclasses.replace(fake, period=period)
            flat = resolve(self.schemas, items)
            count = (
                self.settings.report_size if self.settings.report_size is not None else self.settings.collection_size
            )
            if period is not None and period[0] >= period[1]:
                count = 0  # now..now, or a period ending before it starts: nothing happened in it
            if not self._names_a_group(match.arguments):
                count = 0
            rows = ReportRows(
                fake,
                items,
                count,
                salt=salt,
                carry=lambda templates: _carry_arguments(match.arguments, flat, templates),
            )
            if len(self._reports) > 64:
                self._reports.clear()
            self._reports[salt] = rows
        return rows

    def _names_a_group(self, arguments: Mapping[str, Any]) -> bool:
        """A report of one group's extensions (groupNumber, no extension filter) has rows only for a group that exists.

        As seen on a PBX: `groupNumber=''` is no "all" there but a 200 with no rows, like an unknown group's number.
        """
        if "groupNumber" not in arguments or "extensionDns" in arguments:
            return True
        return any(group.get("Number") == arguments["groupNumber"] for group in self.entity_set("Groups") or ())

    # -- navigation properties held in rows: Users(1)/Groups, Groups(1)/Members, Queues(1)/Agents -----------

    def _navigation(self, set_name: str, entity: Mapping[str, Any], name: str) -> Any:
        """A navigation property's value: a list of entities, or one entity (None when it has none)."""
        if name not in self._types[set_name].navigation:
            return None
        if set_name == "Groups" and name == "Members":
            users = self.entity_set("Users")
            return [
                {**membership, "Number": user.get("Number"), "Name": _full_name(user), "MemberName": _full_name(user)}
                for user in (users or ())
                for membership in user.get("Groups") or ()
                if membership.get("GroupId") == entity.get("Id")
            ]
        value = entity.get(name)
        if isinstance(value, Mapping):
            return dict(value)  # single-valued: an object, as a PBX answers `$expand=Rights`
        return [dict(item) for item in value] if isinstance(value, list) else self._empty_navigation(set_name, name)

    def _empty_navigation(self, set_name: str, name: str) -> list[Any] | None:
        """No value stored: an empty list for a collection, null for a single entity."""
        properties = resolve(self.schemas, self._sets[set_name].item_schema).get("properties", {})
        return [] if resolve(self.schemas, properties.get(name, {})).get("type") == "array" else None

    def _link(self, set_name: str, entity: dict[str, Any], payload: Mapping[str, Any]) -> None:
        """PATCHing a group's Members changes its users' Groups, as the PBX keeps one membership list."""
        if set_name != "Groups" or "Members" not in payload:
            return
        entity.pop("Members", None)
        wanted = {str(member.get("Number")): member for member in payload["Members"] or () if isinstance(member, dict)}
        for user in self.entity_set("Users") or ():
            groups = [group for group in user.get("Groups") or () if group.get("GroupId") != entity["Id"]]
            member = wanted.get(str(user.get("Number")))
            if member is not None:
                groups.append({"GroupId": entity["Id"], "Name": entity.get("Name"), "Rights": member.get("Rights")})
            user["Groups"] = groups

    def _bulk_delete(self, entity_set: EntitySet, payload: Mapping[str, Any]) -> list[Any]:
        """Users/Pbx.BatchDelete, Fax/Pbx.BulkFaxDelete, ...: every entity the `ids` name is gone; the keys of
        those that were not there."""
        missing = []
        for key in payload.get("ids") or payload.get("Ids") or ():
            entity = entity_set.rows.get(key)
            if entity is None:
                missing.append(key)
            else:
                entity_set.delete(entity)
        return missing

    def _request_body(self, match: Match, body: bytes) -> dict[str, Any] | None:
        declared = match.operation.request_body
        if declared is None:
            return None
        try:  # msgspec refuses what a PBX's JSON reader refuses: lone surrogates, NaN, bytes that are no UTF-8
            payload = msgspec.json.decode(body) if body else None
        except msgspec.DecodeError as exc:
            raise RouteError(400, "BadRequest", f"the request body is not valid JSON: {exc}") from None
        except RecursionError:  # msgspec stops at the interpreter's depth, far deeper than a PBX reads
            raise RouteError(400, "BadRequest", _TOO_DEEP) from None
        if _depth(payload) > MAX_BODY_DEPTH:
            raise RouteError(400, "BadRequest", _TOO_DEEP)
        if payload is None and declared.get("required"):
            raise RouteError(400, "BadRequest", "the request body is required")
        if payload is not None:
            unknown = undeclared_property(self.schemas, declared["schema"], payload)
            if unknown is not None:
                where, name, type_name = unknown
                action = match.segments[-1].name
                if not where and action.startswith("Pbx."):  # an action's body holds its parameters
                    message = (
                        f"The parameter '{name}' in the request payload is not a valid parameter for the "
                        f"operation '{action[4:]}'."
                    )
                else:
                    message = (
                        f"The property '{name}' does not exist on type '{type_name}'. Make sure to only use "
                        "property names that are defined by the type or mark the type as open type."
                    )
                raise RouteError(400, "", message, target=where or name)
        validator = self._validator(match.operation.operation_id, declared["schema"])
        error = _deepest(next(iter(validator.iter_errors(payload)), None)) if payload is not None else None
        if error is not None:
            where = "/".join(str(part) for part in error.absolute_path) or "(body)"
            raise RouteError(400, "BadRequest", f"the request body is invalid at {where}: {_broken_rule(error)}")
        return payload if isinstance(payload, dict) else {"value": payload}

    def _validator(self, operation_id: str, schema: dict[str, Any]) -> OAS30Validator:
        if operation_id not in self._validators:
            self._validators[operation_id] = schema_validator(self.schemas, schema)
        return self._validators[operation_id]


_encode = msgspec.json.Encoder().encode  # a report page is a megabyte: encoded in C


# EnableQuery answers every query option it refuses in SRResources.UriQueryStringInvalid's words.
_QUERY_INVALID = "The query specified in the URI is not valid. "
# EnableQuery's ValidateSelectExpandOnly.
_NOT_A_COLLECTION = (
    _QUERY_INVALID + "The requested resource is not a collection. Query options "
    "$filter, $orderby, $count, $skip, and $top can be applied only on collections."
)
_COLLECTION_OPTIONS = ("$filter", "$orderby", "$count", "$skip", "$top")


def _single_entity_options(options: Mapping[str, str], entity: EntityType) -> dict[str, str]:
    """Only $select and $expand apply to one entity or a singleton: the options with the type's declared names."""
    declared = check_options(options, entity)
    if any(option in options for option in _COLLECTION_OPTIONS):
        raise RouteError(400, "", _NOT_A_COLLECTION)
    return declared


# ASP.NET Core's JSON reader stops at 64 levels (MaxDepth); nothing XAPI takes comes near it.
MAX_BODY_DEPTH = 64
_TOO_DEEP = f"the request body is nested deeper than {MAX_BODY_DEPTH} levels"


def _depth(value: Any) -> int:
    """How deep objects and arrays nest in a decoded JSON value, counted without recursion."""
    deepest, pending = 0, [(value, 0)]
    while pending:
        item, level = pending.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level + 1)
            pending.extend((child, level + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def _deepest(error: Any) -> Any:
    """Into anyOf/allOf, the alternative's error that got furthest: Hours/Type, not "Hours does not match anyOf"."""
    while error is not None and error.context:
        error = max(error.context, key=lambda sub: len(sub.absolute_path))
    return error


def _broken_rule(error: Any) -> str:
    """A schema error in JSON's words (`true`, `null`), not the validator's Python ones (`True`, `None`)."""
    shown = msgspec.json.encode(error.instance).decode()
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    if error.validator == "type":
        return f"{shown} is not of type '{error.validator_value}'"
    if error.validator == "nullable":
        return "null is not allowed here"
    if error.validator == "enum":
        return f"{shown} is not one of {msgspec.json.encode(error.validator_value).decode()}"
    return f"{shown} does not match the document's schema ({error.validator})"


def _is_json(content_type: str) -> bool:
    """Whether a request body's media type is one ASP.NET Core OData's JSON input formatter reads."""
    media_type = content_type.partition(";")[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


def _prefers(call: Call, preference: str) -> bool:
    """AspNetCore OData finds `return=minimal` or `return=representation` anywhere in Prefer, in any case."""
    return preference in call.headers.get("prefer", "").lower()


def _tags(header: str) -> list[str]:
    return [part.strip() for part in header.split(",")]


def _full_name(user: Mapping[str, Any]) -> str:
    return " ".join(str(user[name]) for name in ("FirstName", "LastName") if user.get(name))


def _salt(match: Match) -> str:
    return match.operation.operation_id + json.dumps(
        {name: json_value(value) for name, value in match.arguments.items()}, sort_keys=True, default=str
    )


def _type_of(schema: Mapping[str, Any]) -> str:
    return str(schema.get("$ref", "")).rsplit("/", 1)[-1]


def _base(call: Call) -> str:
    """The service root as the client addressed it (the Host header), e.g. http://127.0.0.1:5001/xapi/v1."""
    return f"http://{call.headers.get('host') or '127.0.0.1'}{API_PATH}"


@functools.cache
def _openapi_document() -> bytes:
    return openapi_document()


def _seed_links(name: str, entity_set: EntitySet, handler: Handler) -> None:
    """Seeded users belong to the seeded groups and queues have seeded users as agents, as on a PBX."""
    if name == "Users":
        groups = handler.entity_set("Groups")
        first = next(iter(groups), None) if groups is not None else None
        for user in entity_set:
            user["Groups"] = (
                [{"GroupId": first["Id"], "Name": first.get("Name"), "Rights": {"RoleName": "users"}}] if first else []
            )
    elif name == "Queues":
        users = list(handler.entity_set("Users") or ())
        for index, queue in enumerate(entity_set):
            agents = users[index % max(len(users), 1) :][:2]
            queue["Agents"] = [
                {"Id": user["Id"], "Number": user.get("Number"), "Name": _full_name(user)} for user in agents
            ]


def schema_validator(schemas: Mapping[str, Any], schema: Mapping[str, Any]) -> OAS30Validator:
    """A validator for one schema of the document (its `$ref`s resolved in `components.schemas`).

    `allOf: [$ref]` beside `nullable: true` takes null, as the document means (OAS 3.0 alone would refuse it).
    """
    return OAS30Validator(
        {"components": {"schemas": nullable_schemas(schemas)}, "allOf": [nullable_schemas({"s": schema})["s"]]}
    )


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


def _period(arguments: Mapping[str, Any]) -> tuple[datetime.datetime, datetime.datetime] | None:
    """Report functions take a period (its first and last date-time arguments): the rows they return fall inside it."""
    moments = [value for value in arguments.values() if isinstance(value, datetime.datetime)]
    if len(moments) < 2:
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

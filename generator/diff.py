"""What changed between two XAPI documents, and what of it may break a caller.

`compare(old, new)` is a pure function over two parsed documents and returns a `DocumentDiff`;
`render_markdown` and `render_json` turn one into text. Operations are matched by operationId,
parameters by (name, location), schemas by their components.schemas name, fields by property name.

Types are compared as the generator reads them: a `number` with an integer format is an integer.
An inline request body or response schema (an action's parameters, a collection's `value`) is compared
field by field under its operation; a named schema is compared once, under components.schemas.

Breaking, for a caller of the old document: an operation removed or moved to another method or path,
a parameter removed or retyped (type, format, nullable or required), a new required parameter, a request
body retyped or newly required, a success response retyped (except from no content), a schema removed,
a field removed or retyped, a new required field, an enum member removed. Retyped means a different Python
type: every integer format (none, int32, int64, uint8) is a Python int, so a format change alone is listed
but does not break.
"""

from __future__ import annotations

import dataclasses
import json
import re
import sys
import types
import typing
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from .document import parse_document, read_source, sha256_of, shown, version_from_manifest
from .lock import SpecLock
from .refs import ref_target, resolve, success_response
from .transforms import in_openapi_30_forms, integer_for_int32_numbers, is_openapi_31, iter_operations

Document = dict[str, Any]
NO_BODY = "none"
OPTIONAL_BODY = " (optional)"
BREAKING_MARK = " **(breaking)**"
_INTEGER_FORMAT = re.compile(r"\binteger\([^)]*\)")


def same_python_type(old: str, new: str) -> bool:
    """Whether two described types generate the same Python type: integer formats all read as int."""
    return _INTEGER_FORMAT.sub("integer", old) == _INTEGER_FORMAT.sub("integer", new)


_SCHEMA_REF = "#/components/schemas/"


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str
    type: str
    required: bool


@dataclass(frozen=True)
class ParameterRetyped:
    old: Parameter
    new: Parameter

    @property
    def breaking(self) -> bool:
        return self.old.required != self.new.required or not same_python_type(self.old.type, self.new.type)


@dataclass(frozen=True)
class Changed:
    """A value that differs between the documents: a body, a response, a method and path."""

    old: str
    new: str


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    required: bool


@dataclass(frozen=True)
class FieldRetyped:
    old: Field
    new: Field

    @property
    def breaking(self) -> bool:
        return self.old.required != self.new.required or not same_python_type(self.old.type, self.new.type)


@dataclass(frozen=True)
class SchemaChanges:
    name: str
    fields_added: tuple[Field, ...] = ()
    fields_removed: tuple[Field, ...] = ()
    fields_retyped: tuple[FieldRetyped, ...] = ()
    enum_added: tuple[str, ...] = ()
    enum_removed: tuple[str, ...] = ()


@dataclass(frozen=True)
class OperationChanges:
    operation: Operation
    moved_from: Operation | None = None
    parameters_added: tuple[Parameter, ...] = ()
    parameters_removed: tuple[Parameter, ...] = ()
    parameters_retyped: tuple[ParameterRetyped, ...] = ()
    request_body: Changed | None = None
    request_body_fields: SchemaChanges | None = None
    response: Changed | None = None
    response_fields: SchemaChanges | None = None


@dataclass(frozen=True)
class DocumentDiff:
    old_version: str
    new_version: str
    operations_added: tuple[Operation, ...] = ()
    operations_removed: tuple[Operation, ...] = ()
    operations_changed: tuple[OperationChanges, ...] = ()
    schemas_added: tuple[str, ...] = ()
    schemas_removed: tuple[str, ...] = ()
    schemas_changed: tuple[SchemaChanges, ...] = ()

    def breaking_changes(self) -> tuple[str, ...]:
        """One line per change that may break a caller of the old document."""
        return tuple(_breaking_lines(self))

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DocumentDiff:
        return _decode(cls, data)


# --- describing the parts of a document ---------------------------------------------------------


def _ref_name(ref: str) -> str:
    try:
        return ref_target(ref)[1]
    except ValueError:
        return ref


def type_of(schema: Any) -> str:
    """A schema as one short type: `integer(int32)`, `array[Pbx.User]`, `Pbx.Route | null`."""
    if not isinstance(schema, dict):
        return "any"
    alternatives = list(dict.fromkeys(_alternatives(schema)))
    return " | ".join(alternatives) or "any"


def _alternatives(schema: dict[str, Any]) -> Iterator[str]:
    if "$ref" in schema:
        yield _ref_name(str(schema["$ref"]))
    all_of = [type_of(member) for member in schema.get("allOf", [])]
    if all_of:
        yield " & ".join(all_of)
    for member in [*schema.get("oneOf", []), *schema.get("anyOf", [])]:
        yield from _alternatives(member) if isinstance(member, dict) else ()
    kind = schema.get("type")
    if kind == "array":
        yield f"array[{type_of(schema.get('items'))}]"
    elif kind == "object" and all_of:
        pass  # `type: object` beside allOf says nothing the members do not
    elif isinstance(kind, str):
        yield f"{kind}({schema['format']})" if "format" in schema else kind
    if schema.get("nullable") is True:
        yield "null"


def _resolve(document: Document, node: Any) -> Any:
    """A reference followed; one that names no component reads as an empty one, so a broken document still diffs."""
    try:
        return resolve(document, node)
    except (KeyError, ValueError):
        return {}


def _content_schema(body: Any) -> dict[str, Any] | None:
    """The JSON schema of a body or response, None when it has no content."""
    content = body.get("content") if isinstance(body, dict) else None
    if not isinstance(content, dict) or not content:
        return None
    media = content.get("application/json") or next(iter(content.values()))
    schema = media.get("schema") if isinstance(media, dict) else None
    return schema if isinstance(schema, dict) else {}


def _content_type(body: Any) -> str:
    schema = _content_schema(body)
    return NO_BODY if schema is None else type_of(schema)


def _is_inline(schema: dict[str, Any] | None) -> bool:
    return schema is not None and "$ref" not in schema


def _compare_inline(
    owner: str, old_document: Document, old: dict[str, Any] | None, new_document: Document, new: dict[str, Any] | None
) -> SchemaChanges | None:
    """Field changes of an inline body or response; a named schema is compared under components.schemas, and a
    switch between inline and named is the body's or response's own change."""
    if not (_is_inline(old) and _is_inline(new)):
        return None
    return _compare_fields(owner, fields_of(old_document, old, owner), fields_of(new_document, new, owner))


def parameters_of(document: Document, operation: dict[str, Any]) -> dict[tuple[str, str], Parameter]:
    found: dict[tuple[str, str], Parameter] = {}
    for raw in operation.get("parameters", []):
        parameter = _resolve(document, raw)
        name, location = str(parameter.get("name", "")), str(parameter.get("in", ""))
        required = bool(parameter.get("required", False))
        found[(name, location)] = Parameter(name, location, type_of(parameter.get("schema")), required)
    return found


def _request_body(document: Document, operation: dict[str, Any]) -> dict[str, Any]:
    body = _resolve(document, operation.get("requestBody", {}))
    return body if isinstance(body, dict) else {}


def request_body_of(document: Document, operation: dict[str, Any]) -> str:
    """The request body's type, `Pbx.User (optional)` when not required, `none` without one."""
    body = _request_body(document, operation)
    described = _content_type(body)
    return described if body.get("required", False) or described == NO_BODY else described + OPTIONAL_BODY


def _success_response(document: Document, operation: dict[str, Any]) -> tuple[str, Any]:
    try:
        found = success_response(document, operation)
    except (KeyError, ValueError):
        return "", {}
    return (str(found[0]), found[1]) if found is not None else ("", {})


def response_of(document: Document, operation: dict[str, Any]) -> str:
    """The first 2xx response: its status and JSON schema, `204 none` for no content."""
    status, response = _success_response(document, operation)
    return f"{status} {_content_type(response)}" if status else NO_BODY


# A field name -> the field and the schema that declares it (a base, through allOf, or the schema itself).
Declared = dict[str, tuple[Field, str]]


def fields_of(document: Document, schema: Any, owner: str) -> Declared:
    """Every field of a schema, inherited ones included: 3CX moves fields into shared bases between releases."""
    found: Declared = {}
    _collect_fields(document, schema, owner, found, frozenset({owner}))
    return found


def _collect_fields(document: Document, schema: Any, owner: str, found: Declared, seen: frozenset[str]) -> None:
    if not isinstance(schema, dict):
        return
    if str(schema.get("$ref", "")).startswith(_SCHEMA_REF):
        base = _ref_name(schema["$ref"])
        if base not in seen:
            base_schema = _resolve(document, {"$ref": schema["$ref"]})
            _collect_fields(document, base_schema, base, found, seen | {base})
    for part in schema.get("allOf", []):
        _collect_fields(document, part, owner, found, seen)
    required = set(schema.get("required", []))
    for name, prop in schema.get("properties", {}).items():
        found[name] = (Field(name, type_of(prop), name in required), owner)


def enum_of(schema: dict[str, Any]) -> list[str]:
    return [str(member) for member in schema.get("enum", [])]


def operations_of(document: Document) -> dict[str, tuple[Operation, dict[str, Any]]]:
    found: dict[str, tuple[Operation, dict[str, Any]]] = {}
    for path, method, operation in iter_operations(document):
        operation_id = str(operation.get("operationId") or f"{method.upper()} {path}")
        found[operation_id] = (Operation(operation_id, method.upper(), path), operation)
    return found


def version_of(document: Document) -> str:
    return str(document.get("info", {}).get("version", "unknown"))


# --- comparing ------------------------------------------------------------------------------------


def compare(old: Document, new: Document, *, old_version: str = "", new_version: str = "") -> DocumentDiff:
    """Everything that changed from `old` to `new`, sorted by name; versions default to `info.version`."""
    old_version, new_version = old_version or version_of(old), new_version or version_of(new)
    if is_openapi_31(old) or is_openapi_31(new):
        # One dialect: `type: [string, "null"]` in 3.1 is `nullable: true` in 3.0, no change of type.
        old, new = in_openapi_30_forms(old), in_openapi_30_forms(new)
    old, new = integer_for_int32_numbers(old), integer_for_int32_numbers(new)  # as the generator reads them
    old_operations, new_operations = operations_of(old), operations_of(new)
    old_schemas = old.get("components", {}).get("schemas", {})
    new_schemas = new.get("components", {}).get("schemas", {})
    operations_changed = (
        _compare_operation(old, new, old_operations[name], new_operations[name])
        for name in sorted(old_operations.keys() & new_operations.keys())
    )
    schemas_changed = (_compare_schema(name, old, new) for name in sorted(old_schemas.keys() & new_schemas.keys()))
    return DocumentDiff(
        old_version=old_version,
        new_version=new_version,
        operations_added=tuple(new_operations[name][0] for name in sorted(new_operations.keys() - old_operations)),
        operations_removed=tuple(old_operations[name][0] for name in sorted(old_operations.keys() - new_operations)),
        operations_changed=tuple(change for change in operations_changed if change is not None),
        schemas_added=tuple(sorted(new_schemas.keys() - old_schemas.keys())),
        schemas_removed=tuple(sorted(old_schemas.keys() - new_schemas.keys())),
        schemas_changed=tuple(change for change in schemas_changed if change is not None),
    )


def _compare_operation(
    old_document: Document,
    new_document: Document,
    old: tuple[Operation, dict[str, Any]],
    new: tuple[Operation, dict[str, Any]],
) -> OperationChanges | None:
    (old_operation, old_raw), (new_operation, new_raw) = old, new
    old_parameters = parameters_of(old_document, old_raw)
    new_parameters = parameters_of(new_document, new_raw)
    common = sorted(old_parameters.keys() & new_parameters.keys())
    changes = OperationChanges(
        operation=new_operation,
        moved_from=old_operation if old_operation != new_operation else None,
        parameters_added=tuple(new_parameters[key] for key in sorted(new_parameters.keys() - old_parameters)),
        parameters_removed=tuple(old_parameters[key] for key in sorted(old_parameters.keys() - new_parameters)),
        parameters_retyped=tuple(
            ParameterRetyped(old_parameters[key], new_parameters[key])
            for key in common
            if old_parameters[key] != new_parameters[key]
        ),
        request_body=_changed(request_body_of(old_document, old_raw), request_body_of(new_document, new_raw)),
        request_body_fields=_compare_inline(
            "request body",
            old_document,
            _content_schema(_request_body(old_document, old_raw)),
            new_document,
            _content_schema(_request_body(new_document, new_raw)),
        ),
        response=_changed(response_of(old_document, old_raw), response_of(new_document, new_raw)),
        response_fields=_compare_inline(
            "response",
            old_document,
            _content_schema(_success_response(old_document, old_raw)[1]),
            new_document,
            _content_schema(_success_response(new_document, new_raw)[1]),
        ),
    )
    return changes if changes != OperationChanges(operation=new_operation) else None


def _compare_schema(name: str, old_document: Document, new_document: Document) -> SchemaChanges | None:
    old = old_document["components"]["schemas"][name]
    new = new_document["components"]["schemas"][name]
    old_fields, new_fields = fields_of(old_document, old, name), fields_of(new_document, new, name)
    fields = _compare_fields(name, old_fields, new_fields) or SchemaChanges(name=name)
    old_enum = enum_of(old) if isinstance(old, dict) else []
    new_enum = enum_of(new) if isinstance(new, dict) else []
    changes = dataclasses.replace(
        fields,
        enum_added=tuple(member for member in new_enum if member not in old_enum),
        enum_removed=tuple(member for member in old_enum if member not in new_enum),
    )
    return changes if changes != SchemaChanges(name=name) else None


def _compare_fields(name: str, old: Declared, new: Declared) -> SchemaChanges | None:
    """Field changes of `name`; a change a base schema declares in both documents is left to that base."""
    old_owners = {owner for _field, owner in old.values()}
    new_owners = {owner for _field, owner in new.values()}
    added = [new[key] for key in sorted(new.keys() - old.keys())]
    removed = [old[key] for key in sorted(old.keys() - new.keys())]
    common = [(old[key], new[key]) for key in sorted(old.keys() & new.keys()) if old[key][0] != new[key][0]]
    changes = SchemaChanges(
        name=name,
        fields_added=tuple(field_ for field_, owner in added if owner == name or owner not in old_owners),
        fields_removed=tuple(field_ for field_, owner in removed if owner == name or owner not in new_owners),
        fields_retyped=tuple(
            FieldRetyped(old_field, new_field)
            for (old_field, old_owner), (new_field, new_owner) in common
            if old_owner == name or old_owner != new_owner
        ),
    )
    return changes if changes != SchemaChanges(name=name) else None


def _changed(old: str, new: str) -> Changed | None:
    return Changed(old, new) if old != new else None


# --- breaking changes -----------------------------------------------------------------------------


def _breaking_lines(diff: DocumentDiff) -> Iterator[str]:
    for operation in diff.operations_removed:
        yield f"operation {operation.operation_id} removed ({operation.method} {operation.path})"
    for change in diff.operations_changed:
        yield from _breaking_operation_lines(change)
    for name in diff.schemas_removed:
        yield f"schema {name} removed"
    for schema in diff.schemas_changed:
        yield from _breaking_field_lines(f"schema {schema.name}", schema)
        for member in schema.enum_removed:
            yield f"schema {schema.name}: enum member {member} removed"


def _breaking_field_lines(owner: str, changes: SchemaChanges) -> Iterator[str]:
    for added in changes.fields_added:
        if added.required:
            yield f"{owner}: new required field {added.name}"
    for removed in changes.fields_removed:
        yield f"{owner}: field {removed.name} removed"
    for retyped in (retyped for retyped in changes.fields_retyped if retyped.breaking):
        yield f"{owner}: field {retyped.old.name} {describe_field(retyped.old)} -> {describe_field(retyped.new)}"


def is_breaking_body(change: Changed) -> bool:
    """A body retyped or newly required breaks a caller; one that became optional or appeared optional does not."""
    old, new = change.old.removesuffix(OPTIONAL_BODY), change.new.removesuffix(OPTIONAL_BODY)
    newly_required = not change.new.endswith(OPTIONAL_BODY) and change.new != NO_BODY
    return (old != new and old != NO_BODY) or (newly_required and change.old.endswith((OPTIONAL_BODY, NO_BODY)))


def is_breaking_response(change: Changed) -> bool:
    """A response that had content and changed breaks a caller reading it."""
    return not change.old.endswith(NO_BODY)


def _breaking_operation_lines(change: OperationChanges) -> Iterator[str]:
    name = change.operation.operation_id
    if change.moved_from is not None:
        old, new = change.moved_from, change.operation
        yield f"operation {name} moved from {old.method} {old.path} to {new.method} {new.path}"
    for parameter in change.parameters_removed:
        yield f"operation {name}: parameter {parameter.name} ({parameter.location}) removed"
    for parameter in change.parameters_added:
        if parameter.required:
            yield f"operation {name}: new required parameter {parameter.name} ({parameter.location})"
    for retyped in (retyped for retyped in change.parameters_retyped if retyped.breaking):
        yield (
            f"operation {name}: parameter {retyped.old.name} ({retyped.old.location}) "
            f"{describe_parameter(retyped.old)} -> {describe_parameter(retyped.new)}"
        )
    if change.request_body is not None and is_breaking_body(change.request_body):
        yield f"operation {name}: request body {change.request_body.old} -> {change.request_body.new}"
    if change.request_body_fields is not None:
        yield from _breaking_field_lines(f"operation {name}: request body", change.request_body_fields)
    if change.response is not None and is_breaking_response(change.response):
        yield f"operation {name}: response {change.response.old} -> {change.response.new}"
    if change.response_fields is not None:
        yield from _breaking_field_lines(f"operation {name}: response", change.response_fields)


def describe_parameter(parameter: Parameter) -> str:
    return f"{parameter.type}, required" if parameter.required else parameter.type


def describe_field(field_: Field) -> str:
    return f"{field_.type}, required" if field_.required else field_.type


# --- JSON round trip ------------------------------------------------------------------------------

T = TypeVar("T")


def _decode(cls: type[T], data: Mapping[str, Any]) -> T:
    """A dataclass from `dataclasses.asdict` output that went through JSON (lists for tuples)."""
    hints = typing.get_type_hints(cls)
    values = {item.name: _decode_value(hints[item.name], data[item.name]) for item in dataclasses.fields(cls)}  # type: ignore[arg-type]
    return cls(**values)


def _decode_value(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        hint = next(arg for arg in typing.get_args(hint) if arg is not type(None))
        origin = typing.get_origin(hint)
    if origin is tuple:
        return tuple(_decode_value(typing.get_args(hint)[0], item) for item in value)
    if dataclasses.is_dataclass(hint):
        return _decode(hint, value)  # type: ignore[arg-type]
    return value


# --- rendering ------------------------------------------------------------------------------------


def render_json(diff: DocumentDiff) -> str:
    """The diff's fields, plus `breaking`: the lines `--fail-on-breaking` prints."""
    data = {**diff.to_dict(), "breaking": list(diff.breaking_changes())}
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def render_markdown(diff: DocumentDiff, *, heading_level: int = 1) -> str:
    """The diff for people: operations, then schemas; breaking changes are marked."""
    h = "#" * heading_level
    lines = [f"{h} XAPI {diff.old_version} -> {diff.new_version}", "", summary_line(diff), ""]
    if diff.operations_added:
        lines += [f"{h}# Operations added", "", *_operation_table(diff.operations_added), ""]
    if diff.operations_removed:
        lines += [f"{h}# Operations removed (breaking)", "", *_operation_table(diff.operations_removed), ""]
    if diff.operations_changed:
        lines += [f"{h}# Operations changed", ""]
        for change in diff.operations_changed:
            lines += [f"- `{change.operation.operation_id}` ({_endpoint(change.operation)})"]
            lines += [f"  - {line}" for line in _operation_change_lines(change)]
        lines.append("")
    if diff.schemas_added:
        lines += [f"{h}# Schemas added", "", _code_list(diff.schemas_added), ""]
    if diff.schemas_removed:
        lines += [f"{h}# Schemas removed (breaking)", "", _code_list(diff.schemas_removed), ""]
    if diff.schemas_changed:
        lines += [f"{h}# Schemas changed", ""]
        for schema in diff.schemas_changed:
            lines += [f"- `{schema.name}`", *(f"  - {line}" for line in _schema_change_lines(schema))]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def summary_line(diff: DocumentDiff) -> str:
    breaking = len(diff.breaking_changes())
    return (
        f"Operations: {len(diff.operations_added)} added, {len(diff.operations_removed)} removed, "
        f"{len(diff.operations_changed)} changed. Schemas: {len(diff.schemas_added)} added, "
        f"{len(diff.schemas_removed)} removed, {len(diff.schemas_changed)} changed. "
        f"Breaking changes: {breaking}."
    )


def _endpoint(operation: Operation) -> str:
    return f"`{operation.method} {operation.path}`"


def _operation_table(operations: Iterable[Operation]) -> list[str]:
    rows = [f"| `{op.operation_id}` | {op.method} | `{op.path}` |" for op in operations]
    return ["| operationId | method | path |", "| --- | --- | --- |", *rows]


def _code_list(names: Iterable[str]) -> str:
    return ", ".join(f"`{name}`" for name in names)


def _operation_change_lines(change: OperationChanges) -> Iterator[str]:
    if change.moved_from is not None:
        yield f"moved from {_endpoint(change.moved_from)}{BREAKING_MARK}"
    for parameter in change.parameters_added:
        mark = _mark(parameter.required)
        yield f"parameter added: `{parameter.name}` ({parameter.location}) `{describe_parameter(parameter)}`{mark}"
    for parameter in change.parameters_removed:
        yield f"parameter removed: `{parameter.name}` ({parameter.location}){BREAKING_MARK}"
    for retyped in change.parameters_retyped:
        yield (
            f"parameter retyped: `{retyped.old.name}` ({retyped.old.location}) "
            f"`{describe_parameter(retyped.old)}` -> `{describe_parameter(retyped.new)}`{_mark(retyped.breaking)}"
        )
    if change.request_body is not None:
        mark = _mark(is_breaking_body(change.request_body))
        yield f"request body: `{change.request_body.old}` -> `{change.request_body.new}`{mark}"
    if change.request_body_fields is not None:
        yield from (f"request body {line}" for line in _field_change_lines(change.request_body_fields))
    if change.response is not None:
        mark = _mark(is_breaking_response(change.response))
        yield f"response: `{change.response.old}` -> `{change.response.new}`{mark}"
    if change.response_fields is not None:
        yield from (f"response {line}" for line in _field_change_lines(change.response_fields))


def _mark(breaking: bool) -> str:
    return BREAKING_MARK if breaking else ""


def _field_change_lines(changes: SchemaChanges) -> Iterator[str]:
    for added in changes.fields_added:
        mark = _mark(added.required)
        yield f"field added: `{added.name}` `{describe_field(added)}`{mark}"
    for removed in changes.fields_removed:
        yield f"field removed: `{removed.name}`{BREAKING_MARK}"
    for retyped in changes.fields_retyped:
        old, new = describe_field(retyped.old), describe_field(retyped.new)
        yield f"field retyped: `{retyped.old.name}` `{old}` -> `{new}`{_mark(retyped.breaking)}"


def _schema_change_lines(schema: SchemaChanges) -> Iterator[str]:
    yield from _field_change_lines(schema)
    if schema.enum_added:
        yield f"enum members added: {_code_list(schema.enum_added)}"
    if schema.enum_removed:
        yield f"enum members removed: {_code_list(schema.enum_removed)}{BREAKING_MARK}"


# --- command line ---------------------------------------------------------------------------------


PINNED = "pinned"  # names the lock's document, so an upgrade can be checked before it is pulled


def load(source: str) -> tuple[Document, str]:
    """The document at a path or URL (or the pinned one), with its 3CX version or its name."""
    if source == PINNED:
        lock = SpecLock.read()
        data, found_at = lock.fetch()
        return parse_document(data, source=found_at), lock.xapi_version
    data, headers = read_source(source)  # a SourceError is one line: the URL, what failed, what to do
    document = parse_document(data, source=source)
    if headers is not None:
        return document, headers.get("X-3CX-Version") or shown(source)
    return document, version_from_manifest(Path(source), sha256_of(data)) or Path(source).name


def run(old_source: str, new_source: str, *, as_json: bool = False, fail_on_breaking: bool = False) -> int:
    """Print the diff; with `fail_on_breaking`, list the breaking changes on stderr and return 1 if any."""
    (old, old_version), (new, new_version) = load(old_source), load(new_source)
    diff = compare(old, new, old_version=old_version, new_version=new_version)
    print(render_json(diff) if as_json else render_markdown(diff), end="")
    breaking = diff.breaking_changes()
    if fail_on_breaking and breaking:
        print(f"{len(breaking)} breaking changes:", *(f"  {line}" for line in breaking), sep="\n", file=sys.stderr)
        return 1
    return 0

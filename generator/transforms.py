"""Small, pure transforms of the XAPI document, one per quirk, applied before generation.

Each transform takes the document (a dict) and returns a new one; the input is never mutated.
`TRANSFORMS` lists them in the order they run, each with the one-line reason it exists.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator
from typing import Any

from .refs import resolve

Document = dict[str, Any]
Transform = Callable[[Document], Document]

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# Marks a path parameter whose `nullable: true` was lifted; the registry and templates read it back.
NULLABLE_MARK = "x-threecx-nullable"


def iter_operations(document: Document) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Yield (path, method, operation) for every operation of the document."""
    for path, item in document.get("paths", {}).items():
        for method in HTTP_METHODS:
            operation = item.get(method)
            if isinstance(operation, dict):
                yield path, method, operation


# OpenAPI 3.1 (JSON Schema 2020-12) constructs, normalised to the 3.0 forms the rest of the generator reads.
# Each rewrites one schema at a time, innermost first; `_each_schema` finds every schema of the document.

_SCHEMA_MEMBERS = ("items", "not", "additionalProperties")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SCHEMA_MAPS = ("properties", "patternProperties", "$defs")
SchemaFix = Callable[[dict[str, Any]], dict[str, Any]]


def _fix_schema(schema: Any, fix: SchemaFix) -> Any:
    if not isinstance(schema, dict):
        return schema
    schema = dict(schema)
    for key in _SCHEMA_MEMBERS:
        if key in schema:
            schema[key] = _fix_schema(schema[key], fix)
    for key in _SCHEMA_LISTS:
        if isinstance(schema.get(key), list):
            schema[key] = [_fix_schema(member, fix) for member in schema[key]]
    for key in _SCHEMA_MAPS:
        if isinstance(schema.get(key), dict):
            schema[key] = {name: _fix_schema(member, fix) for name, member in schema[key].items()}
    return fix(schema)


def _fix_content(item: Any, fix: SchemaFix) -> None:
    """The schemas of a parameter, header, request body or response (in place, on a copy)."""
    if not isinstance(item, dict):
        return
    if "schema" in item:
        item["schema"] = _fix_schema(item["schema"], fix)
    for media in item.get("content", {}).values():
        if isinstance(media, dict) and "schema" in media:
            media["schema"] = _fix_schema(media["schema"], fix)
    for header in item.get("headers", {}).values():
        _fix_content(header, fix)


def _each_schema(document: Document, fix: SchemaFix) -> Document:
    """A copy of the document with `fix` applied to every schema: components, parameters, bodies, responses."""
    result = copy.deepcopy(document)
    components = result.get("components", {})
    if isinstance(components.get("schemas"), dict):
        components["schemas"] = {name: _fix_schema(schema, fix) for name, schema in components["schemas"].items()}
    for kind in ("parameters", "headers", "requestBodies", "responses"):
        for item in components.get(kind, {}).values():
            _fix_content(item, fix)
    for item in result.get("paths", {}).values():
        for parameter in item.get("parameters", []) if isinstance(item, dict) else ():
            _fix_content(parameter, fix)
    for _path, _method, operation in iter_operations(result):
        for parameter in operation.get("parameters", []):
            _fix_content(parameter, fix)
        _fix_content(operation.get("requestBody"), fix)
        for response in operation.get("responses", {}).values():
            _fix_content(response, fix)
    return result


def _is_null_schema(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("type") == "null" and len(schema) == 1


def _nullable_type(schema: dict[str, Any]) -> dict[str, Any]:
    kinds = schema.get("type")
    if not isinstance(kinds, list) or "null" not in kinds:
        return schema
    others = [kind for kind in kinds if kind != "null"]
    if len(others) != 1:
        return schema  # a union of several types stays a union; `null` alone stays `null`
    return {**schema, "type": others[0], "nullable": True}


def nullable_from_type_lists(document: Document) -> Document:
    """3.1 writes `type: [string, "null"]`; the registry, the key rule and the templates read `nullable: true`."""
    return _each_schema(document, _nullable_type)


def _enum_without_null(schema: dict[str, Any]) -> dict[str, Any]:
    values = schema.get("enum")
    if not isinstance(values, list) or None not in values:
        return schema
    return {**schema, "enum": [value for value in values if value is not None], "nullable": True}


def nullable_from_null_enum_values(document: Document) -> Document:
    """3.1 lists null among a nullable enum's values; 3.0 marks the enum nullable (a None member is no member)."""
    return _each_schema(document, _enum_without_null)


def _nullable_alternative(schema: dict[str, Any]) -> dict[str, Any]:
    for key in ("anyOf", "oneOf"):
        members = schema.get(key)
        if not isinstance(members, list) or not any(_is_null_schema(member) for member in members):
            continue
        others = [member for member in members if not _is_null_schema(member)]
        rest = {name: value for name, value in schema.items() if name != key}
        if len(others) != 1:
            return {**rest, key: others, "nullable": True}
        (only,) = others
        if "$ref" in only:
            return {**rest, "allOf": [only], "nullable": True}  # the 3.0 spelling of a nullable reference
        return {**rest, **only, "nullable": True}
    return schema


def nullable_from_null_alternatives(document: Document) -> Document:
    """3.1 writes a nullable reference as `anyOf: [$ref, {type: "null"}]`; 3.0 and our models read allOf + nullable."""
    return _each_schema(document, _nullable_alternative)


def _ref_without_siblings(schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    members = schema.get("allOf")
    if ref is None and schema.get("type") == "object" and isinstance(members, list) and len(members) == 1:
        if set(members[0]) == {"$ref"}:  # `allOf: [$ref]` with the type repeated beside it: the reference decides
            return {name: value for name, value in schema.items() if name != "type"}
    if not isinstance(ref, str) or len(schema) == 1:
        return schema
    siblings = {name: value for name, value in schema.items() if name != "$ref"}
    if siblings.get("type") == "object":
        del siblings["type"]  # a type repeated beside `$ref`: the referenced schema alone decides it
    return {**siblings, "allOf": [{"$ref": ref}, *siblings.pop("allOf", [])]}


def all_of_for_ref_siblings(document: Document) -> Document:
    """3.1 allows keywords beside `$ref`, which 3.0 readers drop; `allOf: [$ref]` keeps them, as 3.0 writes it."""
    return _each_schema(document, _ref_without_siblings)


def _single_example(schema: dict[str, Any]) -> dict[str, Any]:
    examples = schema.get("examples")
    if not isinstance(examples, list):
        return schema
    rest = {name: value for name, value in schema.items() if name != "examples"}
    return {**rest, "example": examples[0]} if examples else rest


def _parameters(document: Document) -> Iterator[dict[str, Any]]:
    yield from document.get("components", {}).get("parameters", {}).values()
    for _path, _method, operation in iter_operations(document):
        yield from operation.get("parameters", [])


def example_from_examples(document: Document) -> Document:
    """3.1 schemas list `examples`; openapi-python-client reads one `example` (a parameter's own, as 3.0 has it)."""
    result = copy.deepcopy(document)
    for parameter in _parameters(result):
        schema = parameter.get("schema")
        if not isinstance(schema, dict) or "example" in parameter or "examples" in parameter:
            continue
        examples = schema.get("examples")
        if isinstance(examples, list) and examples:
            parameter["example"] = examples[0]
            parameter["schema"] = {name: value for name, value in schema.items() if name != "examples"}
    return _each_schema(result, _single_example)


def _enum_for_const(schema: dict[str, Any]) -> dict[str, Any]:
    if "const" not in schema or "enum" in schema:
        return schema
    rest = {name: value for name, value in schema.items() if name != "const"}
    return {**rest, "enum": [schema["const"]]}


def enum_from_const(document: Document) -> Document:
    """3.1 writes a one-member OData enum as `const`; `enum: [value]` generates the same enum class as the 3.0 form."""
    return _each_schema(document, _enum_for_const)


def _inclusive_bounds(schema: dict[str, Any]) -> dict[str, Any]:
    result = dict(schema)
    for exclusive, bound, step in (("exclusiveMinimum", "minimum", 1), ("exclusiveMaximum", "maximum", -1)):
        value = result.get(exclusive)
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        if result.get("type") == "integer" and isinstance(value, int):
            result[bound] = value + step  # the same integers, as an inclusive bound the query checks read
            del result[exclusive]
        else:
            result[bound], result[exclusive] = value, True
    return result


def boolean_exclusive_bounds(document: Document) -> Document:
    """3.1 writes `exclusiveMinimum: 0` as a number; the templates read `minimum` (3.0: a bound and a boolean)."""
    return _each_schema(document, _inclusive_bounds)


OPENAPI_31_TRANSFORMS: tuple[Transform, ...] = (
    nullable_from_type_lists,
    nullable_from_null_enum_values,
    nullable_from_null_alternatives,
    all_of_for_ref_siblings,
    example_from_examples,
    enum_from_const,
    boolean_exclusive_bounds,
)


def in_openapi_30_forms(document: Document) -> Document:
    """The document with its 3.1 constructs in their 3.0 forms (the rest as it is): one dialect to compare."""
    for transform in OPENAPI_31_TRANSFORMS:
        document = transform(document)
    return document


def is_openapi_31(document: Document) -> bool:
    return str(document.get("openapi", "")).startswith("3.1")


_KEY_SEGMENT = re.compile(r"(?:^|/)([^/.(]+)\(([^)]*)\)")


def key_parameter_names(path: str) -> set[str]:
    """The path parameters that are entity keys: in `Name(...)` segments, not in namespaced `Pbx.Function(...)`."""
    return {name for _segment, keys in _KEY_SEGMENT.findall(path) for name in re.findall(r"\{([^}]+)\}", keys)}


def non_null_keys(document: Document) -> Document:
    """The document marks alternate keys nullable, but OData has no null key (keyPredicate): a key is never None."""
    result = copy.deepcopy(document)
    for path, _method, operation in iter_operations(result):
        keys = key_parameter_names(path)
        for parameter in operation.get("parameters", []):
            if parameter.get("in") == "path" and parameter.get("name") in keys and "schema" in parameter:
                # A new schema dict: a YAML alias may share this one with a function parameter that keeps null.
                parameter["schema"] = {k: v for k, v in parameter["schema"].items() if k != "nullable"}
    return result


# What a PBX answers to null for a report's string parameter, and what it takes instead (the web client sends '').
EMPTY_FOR_ALL = (
    "A PBX refuses null here (400 \"The {name} field is required.\"): pass a value, or '' for all, as the 3CX web "
    "client does."
)


def is_report_string_parameter(path: str, parameter: dict[str, Any]) -> bool:
    """The one rule: a nullable string parameter of a report function (`/Report.../Pbx.Function(...)`)."""
    schema = parameter.get("schema", {})
    nullable = schema.get("nullable") or parameter.get(NULLABLE_MARK)
    return (
        path.startswith("/Report")
        and parameter.get("in") == "path"
        and parameter.get("name") not in key_parameter_names(path)
        and schema.get("type", "string") == "string"
        and "format" not in schema
        and bool(nullable)
    )


def empty_string_for_report_parameters(document: Document) -> Document:
    """Real PBXs refuse null for a report's string parameter and take '' for all: its description says so."""
    result = copy.deepcopy(document)
    for path, _method, operation in iter_operations(result):
        for parameter in operation.get("parameters", []):
            if is_report_string_parameter(path, parameter):
                note = EMPTY_FOR_ALL.format(name=parameter["name"])
                description = str(parameter.get("description", "")).rstrip().rstrip(".")
                parameter["description"] = f"{description}. {note}" if description else note
    return result


def lift_nullable_path_strings(document: Document) -> Document:
    """Path strings marked nullable: openapi-python-client drops such operations; the OData encoder sends `null`."""
    result = copy.deepcopy(document)
    for _path, _method, operation in iter_operations(result):
        for parameter in operation.get("parameters", []):
            if parameter.get("in") != "path":
                continue
            schema = parameter.get("schema", {})
            if schema.pop("nullable", False):
                parameter[NULLABLE_MARK] = True
    return result


def integer_for_int32_numbers(document: Document) -> Document:
    """XAPI types some int32 keys as `number`; an OData Int32 literal and a Python int are what they are."""
    result = copy.deepcopy(document)

    def fix(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "number" and node.get("format") in ("int32", "int64"):
                node["type"] = "integer"
            for value in node.values():
                fix(value)
        elif isinstance(node, list):
            for value in node:
                fix(value)

    fix(result)
    return result


def inline_parameter_refs(document: Document) -> Document:
    """Shared `$top`/`$skip`/... parameters are `$ref`s; inlining them lets every operation be read on its own."""
    result = copy.deepcopy(document)
    for _path, _method, operation in iter_operations(result):
        if "parameters" in operation:
            operation["parameters"] = [
                copy.deepcopy(resolve(result, parameter)) for parameter in operation["parameters"]
            ]
    return result


class ModelNameCollision(ValueError):
    """Two schemas of the document would give models of one name once their namespace is dropped."""


def entity_name(schema_key: str) -> str:
    """The model name of a schema: its key without the namespace (`Pbx.User` -> `User`)."""
    return schema_key.rsplit(".", 1)[-1]


def name_models_after_entities(document: Document) -> Document:
    """Models are named after the title when there is one, else the key (`PbxUser` beside `Contact`): one rule."""
    result = copy.deepcopy(document)
    schemas: dict[str, Any] = result.get("components", {}).get("schemas", {})
    claimed: dict[str, str] = {}
    for key in schemas:
        # Module names are snake_case, so `DNProperty` and `DnProperty` would collide too.
        folded = entity_name(key).lower().replace("_", "")
        if folded in claimed:
            raise ModelNameCollision(
                f"schemas {claimed[folded]!r} and {key!r} would both be the model {entity_name(key)!r}: "
                "name them in the generator before generating this document"
            )
        claimed[folded] = key
    for key, schema in schemas.items():
        if not isinstance(schema, dict):
            continue
        title = schema.get("title")
        if isinstance(title, str) and title != entity_name(key) and not schema.get("description"):
            schema["description"] = title  # the document's title stays readable in the model's docstring
        schema["title"] = entity_name(key)
    return result


TRANSFORMS: tuple[Transform, ...] = (
    *OPENAPI_31_TRANSFORMS,
    inline_parameter_refs,
    non_null_keys,
    empty_string_for_report_parameters,
    lift_nullable_path_strings,
    integer_for_int32_numbers,
    name_models_after_entities,
)


def apply_all(document: Document) -> Document:
    """Run every transform, in order."""
    for transform in TRANSFORMS:
        document = transform(document)
    return document

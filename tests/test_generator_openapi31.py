"""OpenAPI 3.1 documents generate the same package as their 3.0 form.

Microsoft.OpenApi.OData, which writes the XAPI document, can write OpenAPI 3.1. Each 3.1 construct is
normalised by one transform (generator/transforms.py) before openapi-python-client reads the document;
the last test converts the pinned document to 3.1, generates both forms and compares what users call.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from openapi31 import to_openapi_31

from generator.build import generate
from generator.diff import compare
from generator.document import parse_document
from generator.lock import SpecLock
from generator.transforms import (
    OPENAPI_31_TRANSFORMS,
    TRANSFORMS,
    all_of_for_ref_siblings,
    apply_all,
    boolean_exclusive_bounds,
    enum_from_const,
    example_from_examples,
    nullable_from_null_alternatives,
    nullable_from_null_enum_values,
    nullable_from_type_lists,
)
from generator.verify import run as verify

REF = {"$ref": "#/components/schemas/Pbx.Route"}


def _with_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A document holding `schema` as a component, a model property, a path parameter and a response."""
    return json.loads(json.dumps(_holding(schema)))  # one copy in each place, as a parsed document has it


def _holding(schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "paths": {
            "/Users({Id})": {
                "get": {
                    "operationId": "GetUser",
                    "parameters": [{"name": "Id", "in": "path", "schema": schema}],
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": schema}}}},
                }
            }
        },
        "components": {
            "schemas": {"Plain": schema, "Pbx.User": {"type": "object", "properties": {"Field": schema}}},
            "parameters": {"top": {"name": "$top", "in": "query", "schema": schema}},
        },
    }


def _places(document: dict[str, Any]) -> list[Any]:
    operation = document["paths"]["/Users({Id})"]["get"]
    components = document["components"]
    return [
        components["schemas"]["Plain"],
        components["schemas"]["Pbx.User"]["properties"]["Field"],
        operation["parameters"][0]["schema"],
        operation["responses"]["200"]["content"]["application/json"]["schema"],
        components["parameters"]["top"]["schema"],
    ]


CASES = [
    (nullable_from_type_lists, {"type": ["string", "null"]}, {"type": "string", "nullable": True}),
    (nullable_from_type_lists, {"type": ["null", "integer"], "format": "int32"}, None),
    (nullable_from_type_lists, {"type": ["integer", "string"]}, "unchanged"),
    (nullable_from_type_lists, {"type": "null"}, "unchanged"),
    (
        nullable_from_null_enum_values,
        {"type": "string", "enum": ["-INF", "INF", "NaN", None]},
        {"type": "string", "enum": ["-INF", "INF", "NaN"], "nullable": True},
    ),
    (nullable_from_null_enum_values, {"type": "string", "enum": ["No", "Yes"]}, "unchanged"),
    (nullable_from_null_alternatives, {"anyOf": [REF, {"type": "null"}]}, {"allOf": [REF], "nullable": True}),
    (nullable_from_null_alternatives, {"oneOf": [{"type": "null"}, REF]}, {"allOf": [REF], "nullable": True}),
    (
        nullable_from_null_alternatives,
        {"anyOf": [{"type": "number", "format": "float"}, {"type": "null"}], "description": "Rate"},
        {"description": "Rate", "type": "number", "format": "float", "nullable": True},
    ),
    (
        nullable_from_null_alternatives,
        {"oneOf": [{"type": "number"}, {"type": "string"}, {"type": "null"}]},
        {"oneOf": [{"type": "number"}, {"type": "string"}], "nullable": True},
    ),
    (nullable_from_null_alternatives, {"anyOf": [{"type": "number"}, {"type": "string"}]}, "unchanged"),
    (
        all_of_for_ref_siblings,
        {**REF, "description": "Break route", "x-ms-navigationProperty": True},
        {"description": "Break route", "x-ms-navigationProperty": True, "allOf": [REF]},
    ),
    (
        all_of_for_ref_siblings,
        {**REF, "type": "object", "nullable": True},
        {"nullable": True, "allOf": [REF]},
    ),
    (all_of_for_ref_siblings, REF, "unchanged"),
    (
        all_of_for_ref_siblings,
        {"allOf": [REF], "type": "object", "nullable": True},
        {"allOf": [REF], "nullable": True},
    ),
    (all_of_for_ref_siblings, {"allOf": [REF, {"type": "object"}], "type": "object"}, "unchanged"),
    (example_from_examples, {"type": "string", "examples": []}, {"type": "string"}),
    (enum_from_const, {"type": "string", "const": "Active"}, {"type": "string", "enum": ["Active"]}),
    (boolean_exclusive_bounds, {"type": "integer", "exclusiveMinimum": 0}, {"type": "integer", "minimum": 1}),
    (boolean_exclusive_bounds, {"type": "integer", "exclusiveMaximum": 100}, {"type": "integer", "maximum": 99}),
    (
        boolean_exclusive_bounds,
        {"type": "number", "exclusiveMinimum": 0.5},
        {"type": "number", "minimum": 0.5, "exclusiveMinimum": True},
    ),
    (boolean_exclusive_bounds, {"type": "integer", "minimum": 0, "exclusiveMinimum": True}, "unchanged"),
]


@pytest.mark.parametrize(
    ("transform", "schema", "expected"), CASES, ids=[f"{case[0].__name__}-{i}" for i, case in enumerate(CASES)]
)
def test_each_31_construct_becomes_its_30_form_wherever_a_schema_stands(
    transform: Any, schema: dict[str, Any], expected: Any
) -> None:
    original = _with_schema(schema)
    snapshot = json.dumps(original, sort_keys=True)
    result = transform(original)
    if expected is None:
        expected = {"type": "integer", "format": "int32", "nullable": True}
    elif expected == "unchanged":
        expected = schema
    assert _places(result) == [expected] * 5
    assert json.dumps(original, sort_keys=True) == snapshot, "the input is not mutated"


def test_schema_examples_become_the_one_example_a_parameter_or_schema_has_in_30() -> None:
    result = example_from_examples(_with_schema({"type": "integer", "examples": [50, 100]}))
    example, plain = {"type": "integer", "example": 50}, {"type": "integer"}
    assert _places(result) == [example, example, plain, example, plain]
    operation = result["paths"]["/Users({Id})"]["get"]
    assert operation["parameters"][0]["example"] == 50, "a parameter's example is its own in 3.0"
    assert result["components"]["parameters"]["top"]["example"] == 50


def test_nested_schemas_are_normalised_innermost_first() -> None:
    nested = {
        "type": "object",
        "properties": {
            "Forwards": {"type": ["array", "null"], "items": {"anyOf": [REF, {"type": "null"}]}},
            "Rate": {"oneOf": [{"type": ["number", "null"], "format": "float"}, {"type": ["string", "null"]}]},
        },
    }
    result = apply_all(_with_schema(nested))
    properties = result["components"]["schemas"]["Plain"]["properties"]
    assert properties["Forwards"] == {"type": "array", "nullable": True, "items": {"allOf": [REF], "nullable": True}}
    assert properties["Rate"] == {
        "oneOf": [{"type": "number", "format": "float", "nullable": True}, {"type": "string", "nullable": True}]
    }


@pytest.mark.parametrize(
    "schema",
    [
        {**REF, "type": ["object", "null"], "x-ms-navigationProperty": True},
        {"allOf": [REF], "type": ["object", "null"], "x-ms-navigationProperty": True},
        {"anyOf": [REF, {"type": "null"}], "x-ms-navigationProperty": True},
        {"oneOf": [{"type": "null"}, REF], "x-ms-navigationProperty": True},
    ],
)
def test_each_spelling_of_a_nullable_ref_with_siblings_is_the_30_nullable_reference(schema: dict[str, Any]) -> None:
    result = apply_all(_with_schema(schema))
    expected = {"allOf": [REF], "nullable": True, "x-ms-navigationProperty": True}
    component, other = _places(result)[:2]
    assert component == {**expected, "title": "Plain"}  # a component schema is titled with its model's name
    assert other == expected


def test_the_31_transforms_run_before_the_transforms_that_read_nullable() -> None:
    assert TRANSFORMS[: len(OPENAPI_31_TRANSFORMS)] == OPENAPI_31_TRANSFORMS
    document = _with_schema({"type": ["string", "null"]})
    document["paths"]["/Users/Pbx.Find(text={text})"] = {
        "get": {
            "operationId": "Find",
            "parameters": [{"name": "text", "in": "path", "schema": {"type": ["string", "null"]}}],
        }
    }
    result = apply_all(document)
    function_parameter = result["paths"]["/Users/Pbx.Find(text={text})"]["get"]["parameters"][0]
    assert function_parameter["x-threecx-nullable"] is True, "a function parameter keeps null, from a 3.1 type list"
    key = result["paths"]["/Users({Id})"]["get"]["parameters"][0]
    assert "x-threecx-nullable" not in key and key["schema"] == {"type": "string"}, "a key never takes null"


def _constructs(node: Any, found: set[str]) -> set[str]:
    if isinstance(node, dict):
        if "nullable" in node:
            found.add("nullable")
        if isinstance(node.get("type"), list):
            found.add("type list")
        if node.get("type") == "null":
            found.add("type null")
        if isinstance(node.get("enum"), list) and None in node["enum"]:
            found.add("null enum value")
        if "$ref" in node and len(node) > 1:
            found.add("$ref with siblings")
        for value in node.values():
            _constructs(value, found)
    elif isinstance(node, list):
        for value in node:
            _constructs(value, found)
    return found


@pytest.fixture(scope="module")
def pinned_document() -> dict[str, Any]:
    data, source = SpecLock.read().fetch()
    return parse_document(data, source=source)


def test_the_31_form_of_the_pinned_document_uses_31_constructs_only(pinned_document: dict[str, Any]) -> None:
    converted = to_openapi_31(pinned_document)
    assert converted["openapi"] == "3.1.0"
    assert _constructs(converted, set()) == {"type list", "type null", "$ref with siblings", "null enum value"}
    assert _constructs(pinned_document, set()) == {"nullable"}, "the pinned document is left as it was"


def test_a_document_and_its_31_form_differ_in_nothing_the_diff_reports(pinned_document: dict[str, Any]) -> None:
    converted = to_openapi_31(pinned_document)
    path, item = next(iter(converted["paths"].items()))
    shrunk = {**converted, "paths": {key: value for key, value in converted["paths"].items() if key != path}}

    same = compare(pinned_document, converted)
    changed = compare(pinned_document, shrunk)

    assert (same.operations_changed, same.schemas_changed, same.breaking_changes()) == ((), (), ())
    removed = {operation["operationId"] for operation in item.values() if isinstance(operation, dict)}
    assert {operation.operation_id for operation in changed.operations_removed} == removed  # a real change shows


# Prints {operation_id: [signature of sync, signature of asyncio]} of the package generated into argv[1]
# (a default's object address, which differs between processes, left out).
SIGNATURES = """
import importlib, inspect, json, re, sys
sys.path = [path for path in sys.path if not path.rstrip("/").endswith("generated_client")]
sys.path.insert(0, sys.argv[1])
import threecx_xapi
assert threecx_xapi.__path__[-1].startswith(sys.argv[1]), threecx_xapi.__path__
found = {}
for entry in json.load(open(sys.argv[2], encoding="utf-8"))["operations"]:
    module = importlib.import_module(entry["module"])
    signatures = [str(inspect.signature(module.sync)), str(inspect.signature(module.asyncio))]
    found[entry["operation_id"]] = [re.sub(r" object at 0x[0-9a-f]+", "", text) for text in signatures]
print(json.dumps(found))
"""


def _signatures(output: Path) -> dict[str, list[str]]:
    registry = output / "threecx_xapi" / "api" / "operations.json"
    done = subprocess.run(
        [sys.executable, "-c", SIGNATURES, str(output.resolve()), str(registry)],
        check=True,
        capture_output=True,
        text=True,
    )
    signatures: dict[str, list[str]] = json.loads(done.stdout)
    return signatures


@pytest.mark.slow  # generates the whole pinned document twice
def test_the_31_form_of_the_pinned_document_generates_the_same_package(
    pinned_document: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lock = SpecLock.read()
    spec_30 = tmp_path / "xapi-30.json"
    spec_31 = tmp_path / "xapi-31.json"
    spec_30.write_text(json.dumps(pinned_document), encoding="utf-8")
    spec_31.write_text(json.dumps(to_openapi_31(pinned_document)), encoding="utf-8")

    from_30 = generate(spec_30, tmp_path / "from-30", xapi_version=lock.xapi_version)
    from_31 = generate(spec_31, tmp_path / "from-31", xapi_version=lock.xapi_version)

    assert from_31.documented == from_31.generated == lock.operations
    assert verify(spec_31, tmp_path / "from-31") == 0
    assert f"documented {lock.operations}, generated {lock.operations}" in capsys.readouterr().out

    def registry(generated: Any) -> list[dict[str, Any]]:
        operations: list[dict[str, Any]] = json.loads(
            (generated.package_dir / "api" / "operations.json").read_text(encoding="utf-8")
        )["operations"]
        return operations

    assert registry(from_31) == registry(from_30)
    signatures_30 = _signatures(tmp_path / "from-30")
    assert len(signatures_30) == lock.operations
    assert _signatures(tmp_path / "from-31") == signatures_30
    schemas = [
        json.loads((generated.package_dir / "models" / "schemas.json").read_text(encoding="utf-8"))
        for generated in (from_30, from_31)
    ]
    assert schemas[0] == schemas[1]

"""Each document transform does its one job and leaves its input untouched."""

from __future__ import annotations

import copy
from typing import Any

from generator.document import parse_document
from generator.transforms import (
    NULLABLE_MARK,
    TRANSFORMS,
    apply_all,
    inline_parameter_refs,
    integer_for_int32_numbers,
    lift_nullable_path_strings,
)


def _document() -> dict[str, Any]:
    return {
        "openapi": "3.0.4",
        "paths": {
            "/Users(Number={Number})": {
                "description": "a path item description, not an operation",
                "get": {
                    "operationId": "GetUserByNumber",
                    "parameters": [
                        {"name": "Number", "in": "path", "schema": {"type": "string", "nullable": True}},
                        {"$ref": "#/components/parameters/top"},
                    ],
                },
            },
            "/Queues({Id})": {
                "get": {
                    "operationId": "GetQueue",
                    "parameters": [
                        {"name": "Id", "in": "path", "schema": {"type": "number", "format": "int32"}},
                        {"name": "Note", "in": "query", "schema": {"type": "string", "nullable": True}},
                    ],
                }
            },
        },
        "components": {"parameters": {"top": {"name": "$top", "in": "query", "schema": {"type": "integer"}}}},
    }


def test_nullable_path_strings_lose_nullable_and_keep_a_mark() -> None:
    original = _document()
    result = lift_nullable_path_strings(original)
    number = result["paths"]["/Users(Number={Number})"]["get"]["parameters"][0]
    assert number["schema"] == {"type": "string"}
    assert number[NULLABLE_MARK] is True
    query = result["paths"]["/Queues({Id})"]["get"]["parameters"][1]
    assert query["schema"]["nullable"] is True, "only path parameters are lifted"
    assert original == _document(), "the input is not mutated"


def test_int32_numbers_become_integers() -> None:
    result = integer_for_int32_numbers(_document())
    assert result["paths"]["/Queues({Id})"]["get"]["parameters"][0]["schema"] == {"type": "integer", "format": "int32"}


def test_parameter_refs_are_inlined() -> None:
    result = inline_parameter_refs(_document())
    assert result["paths"]["/Users(Number={Number})"]["get"]["parameters"][1] == {
        "name": "$top",
        "in": "query",
        "schema": {"type": "integer"},
    }


def test_every_transform_has_a_one_line_reason_and_apply_all_runs_them_all() -> None:
    for transform in TRANSFORMS:
        assert transform.__doc__ and "\n" not in transform.__doc__.strip(), transform.__name__
    document = _document()
    snapshot = copy.deepcopy(document)
    result = apply_all(document)
    assert document == snapshot
    user = result["paths"]["/Users(Number={Number})"]["get"]["parameters"]
    assert NULLABLE_MARK not in user[0] and user[1]["name"] == "$top", "a key is never null"


def test_yaml_enum_member_no_stays_a_string() -> None:
    document = parse_document(
        b"openapi: 3.0.4\npaths:\n  /x:\n    get: {}\ncomponents:\n  schemas:\n    A:\n      enum: [No, Basic, true]\n",
        source="inline",
    )
    assert document["components"]["schemas"]["A"]["enum"] == ["No", "Basic", True]

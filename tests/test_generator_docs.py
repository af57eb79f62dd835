"""docs/operations.md is what `python -m generator docs` writes, and names every operation as generated."""

from __future__ import annotations

import copy
import importlib
import inspect
import json
import re
from typing import Any

import pytest
from threecx_xapi import registry

from generator import docs

REGISTRY: dict[str, Any] = json.loads(docs.DEFAULT_REGISTRY.read_text(encoding="utf-8"))


def _words(text: str) -> str:
    return " ".join(text.split())


def test_the_committed_page_is_up_to_date() -> None:
    assert docs.DEFAULT_PAGE.read_text(encoding="utf-8") == docs.render(REGISTRY), "run make generate"


def test_check_fails_on_a_stale_page(tmp_path: Any) -> None:
    page = tmp_path / "operations.md"
    page.write_text("stale\n", encoding="utf-8")
    assert docs.run(docs.DEFAULT_REGISTRY, page, check=True) == 1
    assert docs.run(docs.DEFAULT_REGISTRY, page) == 0
    assert docs.run(docs.DEFAULT_REGISTRY, page, check=True) == 0


def test_every_operation_has_one_section_under_its_tag() -> None:
    text = docs.render(REGISTRY)
    headings = [line for line in text.splitlines() if line.startswith("### ")]
    assert [heading[4:] for heading in headings] == [
        operation.operation_id
        for tag in sorted({op.tag for op in registry.operations()}, key=str.casefold)
        for operation in registry.operations()
        if operation.tag == tag
    ]


def test_tags_are_alphabetical_whatever_the_document_order() -> None:
    reordered = copy.deepcopy(REGISTRY)
    reordered["operations"].sort(key=lambda operation: operation["tag"], reverse=True)
    tags = [line for line in docs.render(reordered).splitlines() if line.startswith("## ")]
    assert tags == [line for line in docs.render(REGISTRY).splitlines() if line.startswith("## ")]
    assert tags[1:] == sorted(tags[1:], key=str.casefold)


def test_the_python_call_names_the_module_and_the_required_parameters() -> None:
    assert (
        docs.python_call(REGISTRY["operations"][_index("GetUserByNumber")])
        == "threecx_xapi.api.users.get_user_by_number.sync(number=..., client=client)"
    )
    assert docs.python_call(REGISTRY["operations"][_index("CreateUser")]) == (
        "threecx_xapi.api.users.create_user.sync(body=User(...), client=client)"
    )
    assert docs.cli_call(REGISTRY["operations"][_index("CreateUser")]) == (
        "threecx-xapi call CreateUser --body @body.json"
    )


def _index(operation_id: str) -> int:
    return next(i for i, op in enumerate(REGISTRY["operations"]) if op["operation_id"] == operation_id)


def test_parameter_meanings_come_from_the_document_and_stay_in_their_cell() -> None:
    fake = copy.deepcopy(REGISTRY)
    operation = fake["operations"][_index("GetUserByNumber")]
    operation["parameters"][0]["description"] = "The number | or\nname"
    fake["operations"] = [operation]
    assert "| `Number` | `number` | path | Edm.String | yes | The number \\| or name |" in docs.render(fake)
    assert "OData options: `$select`, `$expand`." in docs.render(fake)


def test_a_response_without_a_model_is_still_documented_as_json() -> None:
    fake = copy.deepcopy(REGISTRY)
    operation = fake["operations"][_index("GetUserByNumber")]
    ref = {"$ref": "#/components/schemas/Pbx.VectorStores"}
    operation["response"] = {"status": 200, "model": None, "schema": {"allOf": [ref], "nullable": True}}
    fake["operations"] = [operation]
    assert "Returns (200): JSON (document schema `Pbx.VectorStores`)." in docs.render(fake)
    operation["response"] = {"status": 204, "model": None, "schema": None}
    assert "Returns (204): nothing." in docs.render(fake)


@pytest.fixture(scope="module")
def modules() -> dict[str, Any]:
    return {operation.operation_id: operation.load() for operation in registry.operations()}


def test_every_documented_python_call_binds_to_the_generated_function(modules: dict[str, Any]) -> None:
    for operation in REGISTRY["operations"]:
        call = docs.python_call(operation)
        assert call.startswith(operation["module"] + ".sync(")
        names = re.findall(r"(\w+)=", call)
        inspect.signature(modules[operation["operation_id"]].sync).bind(**dict.fromkeys(names))


def test_generated_docstrings_carry_the_summary_and_each_parameter_description(modules: dict[str, Any]) -> None:
    for operation in registry.operations():
        for function in ("sync", "asyncio"):  # the *_detailed twins point to these
            docstring = _words(getattr(modules[operation.operation_id], function).__doc__ or "")
            assert docstring.startswith(_words(operation.summary)), (operation.operation_id, function)
            for parameter in operation.parameters:
                line = f"{parameter.python_name} "
                assert line in docstring and _words(parameter.description) in docstring, (
                    operation.operation_id,
                    parameter.name,
                )


def test_module_import_paths_in_the_page_exist() -> None:
    for operation in REGISTRY["operations"][:25]:
        assert importlib.util.find_spec(operation["module"]) is not None

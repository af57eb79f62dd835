"""Generation stops with openapi-python-client's own reasons when it would leave an operation out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from generator.build import GenerationError, render
from generator.verify import generated_operations

# The path names no {Id}, so openapi-python-client cannot place the path parameter and drops the operation.
DOCUMENT = yaml.safe_load("""
openapi: 3.0.4
info: {title: XAPI, version: 1.0.0}
paths:
  /Users:
    get:
      operationId: ListUser
      responses:
        "200": {description: ok}
  /Users/byid:
    get:
      operationId: GetUser
      parameters:
        - {name: Id, in: path, required: true, schema: {type: integer}}
      responses:
        "200": {description: ok}
""")


def test_an_operation_openapi_python_client_would_drop_fails_generation_naming_it(tmp_path: Path) -> None:
    with pytest.raises(GenerationError, match="openapi-python-client reported") as raised:
        render(DOCUMENT, tmp_path / "threecx_xapi", source="test document")
    assert "GET /Users/byid" in str(raised.value) and "will not be generated" in str(raised.value)


def _endpoint(package: Path, name: str, calls: list[str]) -> dict[str, str]:
    module = package / "api" / "users" / f"{name}.py"
    module.parent.mkdir(parents=True, exist_ok=True)
    functions = "".join(
        f"async def {call}() -> None: ...\n" if call.startswith("asyncio") else f"def {call}() -> None: ...\n"
        for call in calls
    )
    module.write_text(functions)
    return {"module": f"threecx_xapi.api.users.{name}", "method": "GET", "path": f"/{name}"}


def test_verify_counts_an_operation_of_the_registry_only_with_all_four_calls(tmp_path: Path) -> None:
    entries = [
        _endpoint(tmp_path, "whole", ["sync", "sync_detailed", "asyncio", "asyncio_detailed"]),
        _endpoint(tmp_path, "no_async", ["sync", "sync_detailed"]),
        {"module": "threecx_xapi.api.users.absent", "method": "GET", "path": "/absent"},
    ]
    (tmp_path / "api" / "operations.json").write_text(json.dumps({"operations": entries}))
    assert generated_operations(tmp_path) == {("GET", "/whole"): 1}

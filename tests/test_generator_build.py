"""Generation stops with openapi-python-client's own reasons when it would leave an operation out."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from generator.build import GenerationError, render

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

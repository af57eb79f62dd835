"""Every operation of the pinned document, called through its generated function against the emulator over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import threecx_xapi.models
from emulator_arguments import arguments
from threecx_xapi import XapiClient, registry
from threecx_xapi.testing import Emulator
from threecx_xapi.types import File

# Deletes go last, on the last seeded entity, so the calls before them find every entity they address.
OPERATIONS = sorted(registry.operations(), key=lambda operation: operation.method == "DELETE")


@pytest.fixture(scope="module")
def pbx() -> Iterator[Emulator]:
    with Emulator(collection_size=4) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def client(pbx: Emulator) -> Iterator[XapiClient]:
    with XapiClient(pbx.url, pbx.client_id, pbx.client_secret) as xapi:
        yield xapi


def test_the_registry_holds_the_pinned_document() -> None:
    assert len(OPERATIONS) == threecx_xapi._pinned.OPERATION_COUNT == 601


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda item: item.operation_id)
def test_operation(operation: registry.Operation, pbx: Emulator, client: XapiClient) -> None:
    kwargs = arguments(operation, pbx, entity_index=-1 if operation.method == "DELETE" else 0)

    response = operation.load().sync_detailed(client=client, **kwargs)

    assert response.status_code == operation.response["status"], response.content[:300]
    assert pbx.requests[-1].operation_id == operation.operation_id
    model = operation.response["model"]
    if operation.load().ENDPOINT.result.kind == "file":  # Pbx.IActionResult: a file on a real PBX, never JSON
        assert isinstance(response.parsed, File)
    elif model is None:
        assert response.parsed is None
    else:
        assert isinstance(response.parsed, getattr(threecx_xapi.models, model))

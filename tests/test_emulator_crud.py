"""Create, read, update, list and delete through the generated functions, against the emulator over HTTP."""

from __future__ import annotations

import typing
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
from emulator_arguments import build_model
from threecx_xapi import F, XapiClient, errors, registry
from threecx_xapi.testing import Emulator

# Entity set -> a text property to write, filter and read back.
TEXT_PROPERTY = {
    "Users": "FirstName",
    "Groups": "Name",
    "Queues": "Name",
    "RingGroups": "Name",
    "InboundRules": "RuleName",
    "Contacts": "FirstName",
    "Trunks": "AuthID",
}


def _operation(method: str, path: str) -> ModuleType:
    found = [operation for operation in registry.operations() if (operation.method, operation.path) == (method, path)]
    assert len(found) == 1, (method, path)
    return found[0].load()


def _body(module: ModuleType, data: dict[str, Any]) -> Any:
    return build_model(typing.get_type_hints(module.sync)["body"], data)


@pytest.fixture(scope="module")
def pbx() -> Iterator[Emulator]:
    with Emulator(collection_size=10) as emulator:
        yield emulator


@pytest.fixture
def client(pbx: Emulator) -> Iterator[XapiClient]:
    with XapiClient(pbx.url, pbx.client_id, pbx.client_secret) as xapi:
        yield xapi


@pytest.mark.parametrize("entity_set", sorted(TEXT_PROPERTY))
def test_round_trip(entity_set: str, client: XapiClient, pbx: Emulator) -> None:
    text = TEXT_PROPERTY[entity_set]
    create = _operation("POST", f"/{entity_set}")
    get = _operation("GET", f"/{entity_set}({{Id}})")
    update = _operation("PATCH", f"/{entity_set}({{Id}})")
    delete = _operation("DELETE", f"/{entity_set}({{Id}})")

    created = create.sync(client=client, body=_body(create, {text: "Zed O'Brien"})).to_dict()
    assert created["Id"] == max(row["Id"] for row in pbx.entities(entity_set))
    assert get.sync(created["Id"], client=client).to_dict()[text] == "Zed O'Brien"

    update.sync(created["Id"], client=client, body=_body(update, {text: "Zed & Co / 100%"}))
    after = get.sync(created["Id"], client=client).to_dict()
    assert after[text] == "Zed & Co / 100%"
    assert after["@odata.etag"] != created["@odata.etag"]  # a change makes a new ETag
    assert {name: value for name, value in after.items() if name not in (text, "@odata.etag")} == {
        name: value for name, value in created.items() if name not in (text, "@odata.etag")
    }

    delete.sync(created["Id"], client=client)
    with pytest.raises(errors.NotFound) as raised:
        get.sync(created["Id"], client=client)
    assert raised.value.status_code == 404
    assert created["Id"] not in {row["Id"] for row in pbx.entities(entity_set)}


@pytest.mark.parametrize("entity_set", sorted(TEXT_PROPERTY))
def test_list_options(entity_set: str, client: XapiClient, pbx: Emulator) -> None:
    text = TEXT_PROPERTY[entity_set]
    create = _operation("POST", f"/{entity_set}")
    list_ = _operation("GET", f"/{entity_set}")
    for name in ("Quinn", "Quincy", "Ann"):
        create.sync(client=client, body=_body(create, {text: f"{name} {entity_set}"}))
    rows = pbx.entities(entity_set)

    filtered = list_.sync(client=client, filter_=F(text).startswith("Quin"), count=True).to_dict()
    assert sorted(row[text] for row in filtered["value"]) == [f"Quincy {entity_set}", f"Quinn {entity_set}"]
    assert filtered["@odata.count"] == 2

    page = list_.sync(client=client, orderby=["Id desc"], top=3, skip=2, select=["Id", text], count=True).to_dict()
    expected_ids = sorted((row["Id"] for row in rows), reverse=True)[2:5]
    assert [row["Id"] for row in page["value"]] == expected_ids
    assert all({name for name in row if not name.startswith("@")} <= {"Id", text} for row in page["value"])
    assert page["@odata.count"] == len(rows)

    excluded = list_.sync(client=client, filter_=~F(text).contains("Quin") & (F("Id") > 0)).to_dict()
    assert len(excluded["value"]) == len(rows) - 2


@pytest.mark.parametrize(("entity_set", "operation_id"), [("Users", "GetUserByNumber"), ("Queues", "GetQueueByNumber")])
def test_alternate_key(entity_set: str, operation_id: str, client: XapiClient, pbx: Emulator) -> None:
    entity = pbx.entities(entity_set)[0]
    found = registry.get(operation_id).load().sync(number=entity["Number"], client=client).to_dict()
    assert found["Id"] == entity["Id"]
    with pytest.raises(errors.NotFound):
        registry.get(operation_id).load().sync(number="O'Nobody", client=client)


def test_a_duplicate_number_is_a_conflict(client: XapiClient, pbx: Emulator) -> None:
    create = _operation("POST", "/Users")
    taken = pbx.entities("Users")[0]["Number"]
    with pytest.raises(errors.Conflict) as raised:
        create.sync(client=client, body=_body(create, {"Number": taken}))
    assert "Number" in raised.value.message

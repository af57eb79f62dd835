"""What clients written elsewhere lean on, answered as an ASP.NET Core OData 8 PBX answers it.

A generic OData v4 client reflects `$metadata`, fetches an entity by filtering on its key, counts with
`Set/$count`, pages with `$skip`/`$top` and sends every property it knows in a create, unset ones as null; a
code-generated client sends function parameters as literals. Each test pins the PBX's answer to one of these.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator

import httpx
import pytest
from threecx_xapi.testing import Emulator

EDM = "{http://docs.oasis-open.org/odata/ns/edm}"
EDMX = "{http://docs.oasis-open.org/odata/ns/edmx}"


@pytest.fixture
def pbx() -> Iterator[Emulator]:
    with Emulator(collection_size=5) as emulator:
        yield emulator


def test_the_metadata_is_csdl_4_with_every_service_document_set(http: httpx.Client) -> None:
    service = http.get("/")
    assert service.status_code == 200
    listed = {item["name"] for item in service.json()["value"] if item.get("kind", "EntitySet") == "EntitySet"}
    metadata = http.get("/$metadata", headers={"Accept": "application/xml"})
    assert metadata.status_code == 200
    assert "xml" in metadata.headers["content-type"]
    root = ElementTree.fromstring(metadata.content)
    assert root.tag == f"{EDMX}Edmx"
    assert root.get("Version") == "4.0"
    declared = {element.get("Name") for element in root.iter(f"{EDM}EntitySet")}
    assert {"Users", "Groups", "Queues", "RingGroups", "Trunks"} <= declared
    assert listed <= declared


def test_enum_types_leave_out_an_int32_underlying_type_as_the_csdl_writer_does(http: httpx.Client) -> None:
    root = ElementTree.fromstring(http.get("/$metadata").content)
    enums = list(root.iter(f"{EDM}EnumType"))
    assert enums
    # CSDL 4.0 10.1.2: UnderlyingType defaults to Edm.Int32; ODL writes it only when it is something else.
    assert all(
        enum.get("UnderlyingType") in (None, "Edm.Byte", "Edm.SByte", "Edm.Int16", "Edm.Int64") for enum in enums
    )


@pytest.mark.parametrize("entity_set", ["Users", "Groups", "Queues", "RingGroups", "Trunks"])
def test_a_filter_on_the_key_finds_exactly_that_entity(http: httpx.Client, entity_set: str) -> None:
    first = http.get(f"/{entity_set}", params={"$top": "1", "$skip": "1"}).json()["value"][0]
    found = http.get(f"/{entity_set}", params={"$filter": f"Id eq {first['Id']}"})
    assert found.status_code == 200
    assert [row["Id"] for row in found.json()["value"]] == [first["Id"]]


@pytest.mark.parametrize("entity_set", ["Users", "Groups", "Queues", "RingGroups", "Trunks"])
def test_count_path_skip_and_top_agree_with_the_rows(http: httpx.Client, entity_set: str) -> None:
    every = [row["Id"] for row in http.get(f"/{entity_set}", params={"$select": "Id"}).json()["value"]]
    counted = http.get(f"/{entity_set}/$count")
    assert counted.status_code == 200
    assert counted.headers["content-type"].startswith("text/plain")
    assert int(counted.text) == len(every)
    kept = http.get(f"/{entity_set}/$count", params={"$filter": f"Id gt {every[0]}"})
    assert int(kept.text) == len(every) - 1
    page = http.get(f"/{entity_set}", params={"$select": "Id", "$skip": "1", "$top": "2", "$orderby": "Id"})
    assert [row["Id"] for row in page.json()["value"]] == sorted(every)[1:3]


def test_a_null_collection_in_a_create_is_refused_and_nothing_is_stored(http: httpx.Client, pbx: Emulator) -> None:
    # ODL reads no null for a collection-valued property (they are never null in OData v4); other nulls are taken.
    before = len(pbx.entities("Users"))
    body = {"Number": "4711", "FirstName": "Generic", "LastName": None, "OfficeHoursProps": None}
    refused = http.post("/Users", json=body)
    assert refused.status_code == 400
    assert "OfficeHoursProps" in refused.json()["error"]["message"]
    assert len(pbx.entities("Users")) == before
    taken = http.post("/Users", json={key: value for key, value in body.items() if key != "OfficeHoursProps"})
    assert taken.status_code == 201, taken.text
    assert len(pbx.entities("Users")) == before + 1


def test_a_create_then_patch_then_delete_round_trip(http: httpx.Client) -> None:
    created = http.post("/Users", json={"Number": "4712", "FirstName": "Round", "EmailAddress": "r@example.com"})
    assert created.status_code == 201
    user_id = created.json()["Id"]
    assert http.patch(f"/Users({user_id})", json={"FirstName": "Trip"}).status_code == 204
    assert http.get(f"/Users({user_id})").json()["FirstName"] == "Trip"
    assert http.delete(f"/Users({user_id})").status_code == 204
    assert http.get(f"/Users({user_id})").status_code == 404

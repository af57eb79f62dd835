"""`odata.metadata=full`, answered as ASP.NET Core OData 8 over ODL writes it (OData JSON Format 4.01, 3.1.2).

Every entity and complex value carries `@odata.type`; an entity of a set also its absolute `@odata.id`, an
`@odata.editLink` relative to the service root and its navigation properties' links; primitives JSON cannot type
carry `Prop@odata.type`; report rows, with no entity set to address them by, carry only their type.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from emulator_sessions import signed_in
from threecx_xapi.testing import Emulator

FULL = {"Accept": "application/json;odata.metadata=full"}
PERIOD = "periodFrom=2026-09-01T00:00:00Z,periodTo=2026-09-30T23:59:59Z"
CALL_LOG = (
    f"/ReportCallLogData/Pbx.GetCallLogData({PERIOD},sourceType=0,sourceFilter='',destinationType=0,"
    "destinationFilter='',callsType=0,callTimeFilterType=0,callTimeFilterFrom='0:00:0',"
    "callTimeFilterTo='0:00:0',hidePcalls=false)"
)


@pytest.fixture
def pbx() -> Iterator[Emulator]:
    with Emulator(collection_size=3) as emulator:
        yield emulator


def _root(http: httpx.Client) -> str:
    return str(http.base_url).rstrip("/")


def _typed(entity: dict[str, Any]) -> dict[str, str]:
    """The `Prop@odata.type` annotations of an entity, by property."""
    return {
        name.split("@")[0]: value for name, value in entity.items() if name.endswith("@odata.type") and name[0] != "@"
    }


def test_a_list_carries_type_id_and_edit_link_before_the_properties(http: httpx.Client) -> None:
    answer = http.get("/Users", params={"$count": "true"}, headers=FULL)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json; odata.metadata=full"
    body = answer.json()
    assert body["@odata.context"] == f"{_root(http)}/$metadata#Users"
    assert body["@odata.count"] == 3
    for user in body["value"]:
        assert list(user)[:4] == ["@odata.type", "@odata.id", "@odata.etag", "@odata.editLink"]
        assert user["@odata.type"] == "#Pbx.User"
        assert user["@odata.id"] == f"{_root(http)}/Users({user['Id']})"  # ASP.NET builds the id: absolute
        assert user["@odata.editLink"] == f"Users({user['Id']})"  # ODL computes it from the id: relative
        # Groups is a navigation property: linked though not expanded.
        assert user["Groups@odata.navigationLink"] == f"{_root(http)}/Users({user['Id']})/Groups"
        assert user["Groups@odata.associationLink"] == f"{_root(http)}/Users({user['Id']})/Groups/$ref"
        assert "Groups" not in user
        # JSON tells strings, booleans and Int32 apart: no annotation for them.
        assert not {"Id", "Number", "FirstName"} & set(_typed(user))
        assert not {"#String", "#Boolean", "#Int32"} & set(_typed(user).values())


def test_one_entity_with_expand_types_the_expanded_collection_and_its_entities(http: httpx.Client) -> None:
    answer = http.get("/Users(1)", params={"$expand": "Groups"}, headers=FULL)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json; odata.metadata=full"
    user = answer.json()
    assert list(user)[:5] == ["@odata.context", "@odata.type", "@odata.id", "@odata.etag", "@odata.editLink"]
    assert user["@odata.context"].endswith("#Users(Groups())/$entity")
    assert user["@odata.id"] == f"{_root(http)}/Users(1)"
    names = list(user)
    # ODL writes a nested collection's links, then its type, then its value.
    assert names.index("Groups@odata.navigationLink") < names.index("Groups@odata.type") < names.index("Groups")
    assert user["Groups@odata.type"] == "#Collection(Pbx.UserGroup)"
    assert user["Groups"]
    assert all(group["@odata.type"] == "#Pbx.UserGroup" for group in user["Groups"])


def test_select_keeps_type_id_and_links_of_what_it_names(http: httpx.Client) -> None:
    answer = http.get("/Users", params={"$select": "Id,FirstName", "$expand": "Groups($select=GroupId)"}, headers=FULL)
    assert answer.status_code == 200
    assert answer.json()["@odata.context"].endswith("#Users(Id,FirstName,Groups(GroupId))")
    for user in answer.json()["value"]:
        assert user["@odata.type"] == "#Pbx.User"
        assert user["@odata.id"] == f"{_root(http)}/Users({user['Id']})"
        assert {name for name in user if "@" not in name} == {"Id", "FirstName", "Groups"}
        # Only the navigation properties $select or $expand name are linked.
        assert {name.split("@")[0] for name in user if name.endswith("@odata.navigationLink")} == {"Groups"}
        assert all(set(group) == {"@odata.type", "GroupId"} for group in user["Groups"])


def test_format_asks_for_full_metadata_as_the_accept_header_does(http: httpx.Client) -> None:
    answer = http.get("/Groups(1)", params={"$format": "application/json;odata.metadata=full"})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json; odata.metadata=full"
    group = answer.json()
    assert group["@odata.type"] == "#Pbx.Group"
    assert group["@odata.id"] == f"{_root(http)}/Groups(1)"
    assert group["@odata.editLink"] == "Groups(1)"


def test_report_rows_have_no_entity_set_to_give_them_an_id(http: httpx.Client) -> None:
    answer = http.get(CALL_LOG, params={"$top": "2"}, headers=FULL)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json; odata.metadata=full"
    body = answer.json()
    assert body["@odata.context"].endswith("#Collection(Pbx.CallLogData)")
    assert body["value"]
    for row in body["value"]:
        assert row["@odata.type"] == "#Pbx.CallLogData"
        assert "@odata.id" not in row and "@odata.editLink" not in row
        assert not any(name.endswith(("@odata.navigationLink", "@odata.associationLink")) for name in row)
        # A date-time's type is not told by JSON: it is annotated, Edm. dropped.
        assert "#DateTimeOffset" in _typed(row).values()
        assert not {"#String", "#Boolean", "#Int32"} & set(_typed(row).values())


def test_minimal_and_none_answer_as_before(http: httpx.Client) -> None:
    minimal = http.get("/Users(1)")
    assert minimal.headers["content-type"] == "application/json; odata.metadata=minimal"
    assert [name for name in minimal.json() if name.startswith("@")] == ["@odata.context", "@odata.etag"]
    assert not any("@odata.type" in name or "Link" in name for name in minimal.json())
    bare = http.get("/Users", params={"$count": "true"}, headers={"Accept": "application/json;odata.metadata=none"})
    assert bare.headers["content-type"] == "application/json; odata.metadata=none"
    assert [name for name in bare.json()] == ["@odata.count", "value"]
    assert not any("@" in name for user in bare.json()["value"] for name in user)


def test_full_metadata_keeps_the_count_and_next_link_of_a_page() -> None:
    with Emulator(collection_size=3, max_page_size=2) as paged, signed_in(paged) as http:
        body = http.get("/Users", params={"$count": "true"}, headers=FULL).json()
    assert list(body)[:2] == ["@odata.context", "@odata.count"]
    assert body["@odata.count"] == 3
    assert len(body["value"]) == 2
    assert body["@odata.nextLink"].startswith(f"{_root(http)}/Users?")
    assert all(user["@odata.type"] == "#Pbx.User" for user in body["value"])

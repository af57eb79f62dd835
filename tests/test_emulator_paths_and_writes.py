"""Paths and write answers as an ASP.NET Core OData 8 PBX gives them: names in any case, keys as segments, query
options a single entity refuses, Created/Updated results with their headers, and context URLs of entity sets."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from threecx_xapi.testing import Emulator

CALL_LOG = (
    "Pbx.GetCallLogData(periodFrom=2026-09-12T00:00:00Z,periodTo=2026-09-13T23:59:59Z,sourceType=0,sourceFilter='',"
    "destinationType=0,destinationFilter='',callsType=0,callTimeFilterType=0,callTimeFilterFrom='0:00:0',"
    "callTimeFilterTo='0:00:0',hidePcalls=true)"
)
NOT_A_COLLECTION = (
    "The query specified in the URI is not valid. The requested resource is not a collection. Query options "
    "$filter, $orderby, $count, $skip, and $top can be applied only on collections."
)


@pytest.fixture
def pbx() -> Iterator[Emulator]:
    with Emulator(collection_size=3) as emulator:
        yield emulator


def _without_etag(body: dict[str, object]) -> dict[str, object]:
    return {name: value for name, value in body.items() if name != "@odata.etag"}


def test_segment_names_are_matched_in_any_case(http: httpx.Client) -> None:
    assert http.get("/users").json()["value"] == http.get("/Users").json()["value"]
    assert http.get("/USERS(1)").json() == http.get("/Users(1)").json()
    assert http.get("/Users(1)/groups").json()["value"] == http.get("/Users(1)/Groups").json()["value"]
    assert http.get("/Users(1)/groups").json()["@odata.context"].endswith("#Users(1)/Groups")  # named as declared


def test_function_and_parameter_names_are_matched_in_any_case(http: httpx.Client) -> None:
    # ASP.NET Core routing matches a route's literal text (`periodFrom=`) in any case, as ODL's resolver does.
    lowered = http.get(f"/reportcalllogdata/{CALL_LOG.lower()}")
    assert lowered.status_code == 200, lowered.text
    assert lowered.json()["value"] == http.get(f"/ReportCallLogData/{CALL_LOG}").json()["value"]


def test_key_names_resolve_in_any_case_as_odls_resolver_resolves_them(http: httpx.Client) -> None:
    assert http.get("/Users(id=2)").json() == http.get("/Users(2)").json()
    assert http.get("/Users(number='101')").json()["Id"] == 2
    assert http.get("/Users(Name=2)").status_code == 404


def test_a_key_may_be_written_as_a_segment(http: httpx.Client) -> None:
    assert http.get("/Users/1").json() == http.get("/Users(1)").json()
    assert http.get("/users/1/groups").json()["value"] == http.get("/Users(1)/Groups").json()["value"]
    assert http.patch("/Users/2", json={"FirstName": "Segment"}).status_code == 204
    assert http.get("/Users(2)").json()["FirstName"] == "Segment"
    assert http.get("/Users/999").status_code == 404
    assert http.get("/Users/abc").status_code == 400  # read as Edm.Int32, as in parentheses
    assert http.get("/Users/Pbx.GetDuplicatedEmails").status_code == 405  # a declared route wins: no key 'Pbx.…'


@pytest.mark.parametrize("option", ["$filter=Id eq 1", "$top=1", "$skip=1", "$orderby=Id", "$count=true"])
@pytest.mark.parametrize("path", ["/Users(1)", "/Users/1", "/MusicOnHoldSettings"])
def test_collection_options_on_one_entity_are_400(http: httpx.Client, path: str, option: str) -> None:
    answer = http.get(f"{path}?{option}")
    assert answer.status_code == 400
    assert answer.json()["error"]["message"] == NOT_A_COLLECTION


def test_select_applies_to_one_entity_and_to_a_singleton(http: httpx.Client) -> None:
    user = http.get("/Users(1)", params={"$select": "FirstName,Number"}).json()
    assert set(user) == {"@odata.context", "@odata.etag", "FirstName", "Number"}
    everything = http.get("/Users(1)", params={"$select": "*"}).json()
    assert everything.pop("@odata.context").endswith("$metadata#Users(*)/$entity")  # ODL names the projection
    assert everything == _without_context(http.get("/Users(1)").json())
    settings = http.get("/MusicOnHoldSettings", params={"$select": "Id"}).json()
    assert set(settings) == {"@odata.context", "Id"}
    unknown = http.get("/MusicOnHoldSettings", params={"$select": "Nope"})
    assert unknown.status_code == 400
    assert "'Nope'" in unknown.json()["error"]["message"]


def _without_context(body: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in body.items() if name != "@odata.context"}


def test_a_post_answers_201_with_the_new_entitys_location(pbx: Emulator, http: httpx.Client) -> None:
    answer = http.post("/Users", json={"FirstName": "New", "Number": "555"})
    assert answer.status_code == 201, answer.text
    created = answer.json()
    assert answer.headers["Location"] == f"{pbx.url}/xapi/v1/Users({created['Id']})"
    assert "OData-EntityId" not in answer.headers  # CreatedODataResult adds it to a 204 only
    assert _without_etag(http.get(answer.headers["Location"]).json()) == _without_etag(created)


def test_a_post_answers_the_whole_entity_with_the_pbxs_defaults_for_what_it_left_out(
    pbx: Emulator, http: httpx.Client
) -> None:
    seeded = http.get("/Users(1)").json()
    created = http.post("/Users", json={"FirstName": "Ann", "LastName": "Lee"}).json()
    assert (created["FirstName"], created["LastName"]) == ("Ann", "Lee")
    assert set(created) == set(seeded)  # every property a stored user has, not only the two sent
    assert created["Number"] not in {row["Number"] for row in pbx.entities("Users")[:-1]}  # handed out, free
    assert created["CurrentProfileName"] == "Available"
    profiles = http.get(f"/Users({created['Id']})/ForwardingProfiles", params={"$select": "Id,Name"}).json()["value"]
    assert [profile["Name"] for profile in profiles][:1] == ["Available"] and len(profiles) == 5
    taken = {p["Id"] for row in pbx.entities("Users")[:-1] for p in row.get("ForwardingProfiles", ())}
    assert not taken & {profile["Id"] for profile in profiles}


def test_a_post_preferring_return_minimal_is_a_204_with_the_entity_id(pbx: Emulator, http: httpx.Client) -> None:
    answer = http.post("/Users", json={"FirstName": "Quiet", "Number": "556"}, headers={"Prefer": "return=minimal"})
    assert answer.status_code == 204 and answer.content == b""
    new = next(row for row in pbx.entities("Users") if row.get("Number") == "556")
    location = f"{pbx.url}/xapi/v1/Users({new['Id']})"
    assert answer.headers["Location"] == answer.headers["OData-EntityId"] == location
    assert "Preference-Applied" not in answer.headers  # AspNetCore OData 8 writes none for return=


def test_a_patch_preferring_return_representation_answers_the_entity(http: httpx.Client) -> None:
    answer = http.patch("/Users(1)", json={"FirstName": "Shown"}, headers={"Prefer": "return=representation"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["FirstName"] == "Shown" and body["@odata.context"].endswith("$metadata#Users/$entity")
    assert body == http.get("/Users(1)").json()
    assert answer.headers["ETag"] == body["@odata.etag"]
    assert http.patch("/Users(1)", json={"FirstName": "Hidden"}).status_code == 204  # the default stays


def test_an_entity_set_of_generated_rows_is_named_by_its_set(http: httpx.Client) -> None:
    listed = http.get("/CallHistoryView", params={"$top": "1"}).json()
    assert listed["@odata.context"].endswith("/$metadata#CallHistoryView")
    assert http.get("/callhistoryview", params={"$top": "1"}).json()["@odata.context"] == listed["@odata.context"]
    report = http.get(f"/ReportCallLogData/{CALL_LOG}").json()
    assert report["@odata.context"].endswith("/$metadata#Collection(Pbx.CallLogData)")  # a function's result


def test_area_rules_read_the_name_as_routed() -> None:
    with Emulator(collection_size=2, forbidden={"Users": "Not allowed"}) as pbx, pbx.client() as client:
        http = client.get_httpx_client()
        assert http.get("/users").status_code == 403
        assert http.get("/Users/1").status_code == 403

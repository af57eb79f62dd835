"""The emulator answers as a 3CX V20 PBX does, seen from the wire: raw HTTP on 127.0.0.1, statuses, OData errors.

Each test sends what a client that nobody here wrote sends (3CX's TypeScript sample, the PyPI SDK, a generic
OData client, the web client) and checks what a PBX answers.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml
from click.testing import CliRunner
from emulator_sessions import signed_in
from odata_answers import refused_query
from threecx_xapi import registry
from threecx_xapi.cli import cli
from threecx_xapi.testing import Emulator

PERIOD = "periodFrom=2026-09-01T00:00:00Z,periodTo=2026-09-30T23:59:59Z"
CALL_LOG = (
    f"/ReportCallLogData/Pbx.GetCallLogData({PERIOD},sourceType=0,sourceFilter='',destinationType=0,"
    "destinationFilter='',callsType=0,callTimeFilterType=0,callTimeFilterFrom='0:00:0',"
    "callTimeFilterTo='0:00:0',hidePcalls=false)"
)
AGENT_LOGINS = (
    "/ReportAgentLoginHistory/Pbx.GetAgentLoginHistoryData(clientTimeZone='Europe%2FLondon',"
    "startDt=2026-09-01T00:00:00Z,endDt=2026-09-30T23:59:59Z,queueDnStr={queues},agentDnStr='')"
)


@pytest.fixture
def pbx() -> Iterator[Emulator]:
    with Emulator(collection_size=5) as emulator:
        yield emulator


def _error(response: httpx.Response, status: int) -> str:
    """The OData error message of a refused request, after checking the status and the body's shape."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) >= {"code", "message", "details"}
    return str(body["error"]["message"])


# -- one numbering plan --------------------------------------------------------------------------------------


def test_a_user_created_without_a_number_gets_the_first_free_one(http: httpx.Client) -> None:
    taken = {row["Number"] for row in http.get("/Users", params={"$select": "Number"}).json()["value"]}
    created = http.post("/Users", json={"FirstName": "Ann"})
    assert created.status_code == 201
    number = created.json()["Number"]
    assert number not in taken and number == str(min(n for n in range(100, 1000) if str(n) not in taken))
    assert http.get(f"/Users(Number='{number}')").json()["FirstName"] == "Ann"


def test_a_deleted_entitys_id_is_never_handed_out_again(http: httpx.Client) -> None:
    """Ids come from a database sequence: a client holding an old Id never reaches a newer entity by it."""
    held = [row["Id"] for row in http.get("/Users", params={"$select": "Id"}).json()["value"]]
    first = http.post("/Users", json={"FirstName": "Ann", "Id": 1}).json()["Id"]
    assert first == max(held) + 1  # not the Id sent
    assert http.delete(f"/Users({first})").status_code == 204
    second = http.post("/Users", json={"FirstName": "Bo"}).json()["Id"]
    assert second == first + 1
    assert http.get(f"/Users({first})").status_code == 404


@pytest.mark.parametrize(
    ("entity_set", "body"),
    [("Queues", {"AnnouncementInterval": 50}), ("RingGroups", {"Name": "RG"}), ("Receptionists", {"Name": "IVR"})],
)
def test_queues_ring_groups_and_ivrs_get_a_number_too(
    http: httpx.Client, entity_set: str, body: dict[str, Any]
) -> None:
    created = http.post(f"/{entity_set}", json=body)
    assert created.status_code == 201 and created.json()["Number"]


def test_init_fax_init_trunk_and_first_available_hand_out_free_numbers(http: httpx.Client) -> None:
    fax = http.get("/Fax/Pbx.InitFax()").json()
    assert http.post("/Fax", json=fax).status_code == 201
    trunk = http.get("/Trunks/Pbx.InitTrunk(template='1cx.pv.xml')").json()
    assert trunk["@odata.context"].endswith("$metadata#Pbx.Trunk")
    assert http.post("/Trunks", json={**trunk, "AuthPassword": {"Value": "s3cret"}}).status_code == 201
    free = http.get("/Users/Pbx.GetFirstAvailableExtensionNumber()").json()["Number"]
    created = http.post("/Users", json={"Number": free})
    assert created.status_code == 201 and created.json()["Number"] == free
    assert http.get("/Users/Pbx.GetFirstAvailableExtensionNumber()").json()["Number"] != free


def test_a_number_cannot_change_but_may_be_repeated(http: httpx.Client) -> None:
    user = http.post("/Users", json={}).json()
    assert http.patch(f"/Users({user['Id']})", json={"Number": user["Number"]}).status_code == 204
    assert "CANNOT_BE_CHANGED" in _error(http.patch(f"/Users({user['Id']})", json={"Number": "4242"}), 400)
    parking = http.post("/Parkings", json={"Number": "SP100"}).json()
    assert "CANNOT_BE_CHANGED" in _error(http.patch(f"/Parkings({parking['Id']})", json={"Number": "100"}), 400)


def test_a_number_is_unique_across_the_plan(http: httpx.Client) -> None:
    user_number = http.get("/Users(1)").json()["Number"]
    assert "ALREADY_IN_USE" in _error(http.post("/Queues", json={"Number": user_number}), 409)
    assert "ALREADY_IN_USE" in _error(http.post("/RingGroups", json={"Number": user_number}), 409)


# -- names and values -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "value"),
    [("$select", "Id,Nope"), ("$orderby", "Nope desc"), ("$filter", "Nope eq 'x'"), ("$expand", "Nope")],
)
def test_an_unknown_property_in_a_query_option_is_a_400_naming_it(http: httpx.Client, option: str, value: str) -> None:
    message = refused_query(http.get("/Users", params={option: value}))
    assert message == "Could not find a property named 'Nope' on type 'Pbx.User'."


def test_report_rows_are_checked_by_their_type(http: httpx.Client) -> None:
    message = refused_query(http.get(CALL_LOG, params={"$select": "StartTime,Nope"}))
    assert message == "Could not find a property named 'Nope' on type 'Pbx.CallLogData'."
    assert "incompatible types" in _error(http.get(CALL_LOG, params={"$filter": "SourceDn eq 100"}), 400)
    assert http.get(CALL_LOG, params={"$filter": "SourceDn eq '100'", "$select": "SourceDn"}).status_code == 200


def test_expanding_a_plain_property_is_refused(http: httpx.Client) -> None:
    assert "not a navigation property" in refused_query(http.get("/Users", params={"$expand": "FirstName"}))


@pytest.mark.parametrize(("option", "value"), [("$apply", "groupby((Number))"), ("compute", "Id add 1 as Next")])
def test_an_option_the_emulator_does_not_evaluate_is_a_501_not_a_wrong_answer(
    http: httpx.Client, option: str, value: str
) -> None:
    name = "$" + option.removeprefix("$")
    assert _error(http.get("/Users", params={option: value}), 501) == f"The emulator does not evaluate {name}."
    assert _error(http.get(CALL_LOG, params={option: value}), 501) == f"The emulator does not evaluate {name}."


def test_a_string_property_compared_with_a_number_is_a_400(http: httpx.Client) -> None:
    message = _error(http.get("/Users", params={"$filter": "Number eq 100"}), 400)
    assert "incompatible types" in message and "'Edm.String' and 'Edm.Int32'" in message
    assert http.get("/Users", params={"$filter": "Number eq '100'"}).status_code == 200


def test_an_undeclared_body_property_is_a_400_naming_it(http: httpx.Client) -> None:
    message = _error(http.post("/Users", json={"FirstName": "A", "Nickname": "x"}), 400)
    assert "'Nickname' does not exist on type 'Pbx.User'" in message
    assert "'Colour'" in _error(http.patch("/Users(1)", json={"BreakTime": {"Colour": 1}}), 400)
    assert http.patch("/Users(1)", json={"FirstName": "B", "@odata.type": "#Pbx.User"}).status_code == 204
    message = _error(http.post("/Users/Pbx.BatchDelete", json={"ids": [1], "force": True}), 400)
    assert (
        message
        == "The parameter 'force' in the request payload is not a valid parameter for the operation 'BatchDelete'."
    )


def test_null_is_taken_where_the_document_says_nullable_reference(http: httpx.Client) -> None:
    assert http.patch("/Users(1)", json={"BreakTime": None}).status_code == 204
    assert http.post("/GoogleSettings/Pbx.GetGoogleUsers", json={"options": None}).status_code == 200
    assert http.post("/Microsoft365Integration/Pbx.GetM365Users", json={"options": None}).status_code == 200
    assert http.post("/SystemStatus/Pbx.RequestHelp", json={"description": None}).status_code == 204
    assert http.post("/OutboundRules/Pbx.Purge", json={"purgeObject": None}).status_code == 204


@pytest.mark.parametrize("literal", ["'100%'", "'%zz'", "'50%2'"])
def test_a_malformed_percent_escape_in_a_string_literal_is_a_400(http: httpx.Client, literal: str) -> None:
    assert "percent escape" in _error(http.get(f"/Users(Number={literal})"), 400)


def test_a_percent_sign_written_as_an_escape_is_a_string(http: httpx.Client) -> None:
    assert http.get("/Users(Number='100%25')").status_code == 404  # read as the number "100%": no such user


def test_a_duration_with_a_leading_plus_is_not_odata() -> None:
    from threecx_xapi.testing.odata_abnf import ODataLiteralError, parse_literal

    assert str(parse_literal("duration'-P1D'", "Edm.Duration")) == "-1 day, 0:00:00"
    with pytest.raises(ODataLiteralError):
        parse_literal("'+P1D'", "Edm.Duration")


# -- seen on real PBXs ----------------------------------------------------------------------------------------


def test_entity_sets_cap_top_at_100_and_reports_take_larger_pages() -> None:
    with Emulator(report_size=1500) as pbx, signed_in(pbx) as http:
        assert _error(http.get("/Users", params={"$top": "500"}), 400) == (
            "The query specified in the URI is not valid. The limit of '100' for Top query has been exceeded. "
            "The value from the incoming request is '500'."
        )
        assert http.get("/Contacts", params={"$top": "100"}).status_code == 200
        page = http.get(CALL_LOG, params={"$top": "1000"})
        assert page.status_code == 200 and len(page.json()["value"]) == 1000
    with Emulator(top_limit=None) as pbx, signed_in(pbx) as http:
        assert http.get("/Users", params={"$top": "500"}).status_code == 200


def test_call_history_takes_a_larger_top_and_the_inbound_rules_report_does_not() -> None:
    """Real PBXs differ from "sets capped, reports not" here: scripts page call history with `$top=500` and more,
    and the inbound-rules report answers a `$top` above 100 with the set's refusal."""
    with Emulator(collection_size=150, report_size=150) as pbx, signed_in(pbx) as http:
        history = http.get("/CallHistoryView", params={"$top": "500"})
        assert history.status_code == 200 and len(history.json()["value"]) == 150
        assert "The limit of '100' for Top query has been exceeded" in _error(
            http.get("/ReportInboundRules/Pbx.GetInboundRulesData()", params={"$top": "500"}), 400
        )
        rules = http.get("/ReportInboundRules/Pbx.GetInboundRulesData()", params={"$top": "100"})
        assert rules.status_code == 200 and len(rules.json()["value"]) == 100


def test_a_null_report_string_is_refused_as_asp_net_refuses_it(http: httpx.Client) -> None:
    assert _error(http.get(AGENT_LOGINS.format(queues="null")), 400) == "The queueDnStr field is required."
    assert http.get(AGENT_LOGINS.format(queues="''")).status_code == 200


@pytest.mark.parametrize(
    "expression",
    [
        "contains(FirstName,'le')",
        "startswith(FirstName,'Al') and endswith(LastName,'th')",
        "indexof(FirstName,'le') eq 1",
        "tolower(FirstName) eq 'alex' and toupper(FirstName) eq 'ALEX'",
        "trim(FirstName) eq 'Alex' and length(FirstName) eq 4",
        "concat(FirstName,LastName) eq 'AlexSmith'",
        "substring(FirstName,1) eq 'lex' and substring(FirstName,1,2) eq 'le'",
        "Number in ('100','999')",
        "Id eq round(1.4) and Id eq floor(1.9) and Id eq ceiling(0.2)",
    ],
)
def test_canonical_functions_filter_users(http: httpx.Client, expression: str) -> None:
    response = http.get("/Users", params={"$filter": expression, "$select": "Number"})
    assert response.status_code == 200, response.text
    assert [row["Number"] for row in response.json()["value"]] == ["100"]


@pytest.mark.parametrize(
    "expression",
    [
        "date(SegmentStartTime) ge 2026-09-01",
        "year(SegmentStartTime) eq 2026 and month(SegmentStartTime) eq 9 and day(SegmentStartTime) ge 1",
        "hour(SegmentStartTime) ge 0 and minute(SegmentStartTime) ge 0 and second(SegmentStartTime) ge 0",
        "time(SegmentStartTime) ge 00:00:00 and SegmentStartTime lt now()",
    ],
)
def test_date_functions_filter_call_history(http: httpx.Client, expression: str) -> None:
    everything = http.get("/CallHistoryView").json()["value"]
    response = http.get("/CallHistoryView", params={"$filter": expression})
    assert response.status_code == 200, response.text
    assert len(response.json()["value"]) == len(everything) > 0
    nothing = http.get("/CallHistoryView", params={"$filter": "date(SegmentStartTime) lt 2000-01-01"})
    assert nothing.json()["value"] == []


def test_has_asks_for_a_flag(http: httpx.Client) -> None:
    mode = http.get("/Users(1)").json()["SRTPMode"]
    response = http.get(
        "/Users", params={"$filter": f"SRTPMode has Pbx.SRTPModeType'{mode}'", "$select": "Id,SRTPMode"}
    )
    assert response.status_code == 200, response.text
    assert 1 in [row["Id"] for row in response.json()["value"]]
    assert {row["SRTPMode"] for row in response.json()["value"]} == {mode}


def test_not_is_read_as_the_operator_with_or_without_a_space_as_a_pbx_reads_it(http: httpx.Client) -> None:
    def numbers(expression: str) -> list[str]:
        response = http.get("/Users", params={"$filter": expression, "$select": "Number"})
        assert response.status_code == 200, response.text
        return [row["Number"] for row in response.json()["value"]]

    everyone = numbers("Id gt 0")
    assert numbers("not(Number eq '100')") == numbers("not (Number eq '100')") == everyone[1:]
    assert numbers("NOT(Number eq '100') and not(Number eq '101')") == everyone[2:]
    # Inside a string literal it is data, kept as sent.
    assert http.patch("/Users(1)", json={"FirstName": "it's not(x)"}).status_code == 204
    assert numbers("FirstName eq 'it''s not(x)'") == ["100"]


@pytest.mark.parametrize(
    ("accept", "query"),
    [
        ("application/json;odata.metadata=none", {}),
        ("application/json", {"$format": "application/json;odata.metadata=none"}),
    ],
)
def test_metadata_none_leaves_out_control_information_but_counts_and_next_links(
    http: httpx.Client, accept: str, query: dict[str, str]
) -> None:
    params = {"$count": "true", "$top": "2", "$expand": "Groups"}
    minimal = http.get("/Users", params=params).json()
    response = http.get("/Users", params={**params, **query}, headers={"Accept": accept})

    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/json; odata.metadata=none"
    page = response.json()
    assert "@odata.context" in minimal and "@odata.etag" in minimal["value"][0]
    assert "@odata.context" not in page and page["@odata.count"] == minimal["@odata.count"]
    assert all("@odata.etag" not in row for row in page["value"])
    assert [row["Id"] for row in page["value"]] == [row["Id"] for row in minimal["value"]]


def test_metadata_none_keeps_the_next_link_of_a_cut_page() -> None:
    with Emulator(collection_size=5, max_page_size=2) as paged, signed_in(paged) as session:
        page = session.get("/Users", headers={"Accept": "application/json;odata.metadata=none"}).json()
    assert len(page["value"]) == 2 and page["@odata.nextLink"].endswith("/Users?%24skip=2")
    assert "@odata.context" not in page


def test_the_web_clients_forms_are_accepted(http: httpx.Client) -> None:
    # Milliseconds and Z, percent-encoded ':' and '$', and '0:00:0' TimeSpan strings, as the web client sends them.
    path = CALL_LOG.replace("2026-09-01T00:00:00Z", "2026-09-01T00%3A00%3A00.000Z")
    response = http.get(path + "?%24top=3&%24count=true")
    assert response.status_code == 200, response.text
    assert len(response.json()["value"]) == 3 and response.json()["@odata.count"] == 5


def test_the_document_is_served_without_a_token(pbx: Emulator) -> None:
    response = httpx.get(f"{pbx.url}/xapi/v1/swagger.yaml", trust_env=False)
    assert response.status_code == 200 and response.headers["X-3CX-Version"]
    document = yaml.safe_load(response.content)
    methods = {"get", "post", "put", "patch", "delete"}
    served = sum(len(methods & set(item)) for item in document["paths"].values())
    assert served == len(registry.operations())


# -- OData protocol ---------------------------------------------------------------------------------------------


def test_groups_and_members_come_from_stored_data(http: httpx.Client) -> None:
    group = http.post("/Groups", json={"Name": "Sales"}).json()
    assert group["Number"].startswith("GRP")
    user = http.post("/Users", json={"FirstName": "Ann"}).json()
    membership = [{"GroupId": group["Id"], "Rights": {"RoleName": "users"}}]
    assert http.patch(f"/Users({user['Id']})", json={"Groups": membership}).status_code == 204
    assert [row["GroupId"] for row in http.get(f"/Users({user['Id']})/Groups").json()["value"]] == [group["Id"]]
    members = http.get(f"/Groups({group['Id']})/Members").json()["value"]
    assert [row["Number"] for row in members] == [user["Number"]]
    expanded = http.get(f"/Groups({group['Id']})", params={"$expand": "Members($select=Number,Name),Rights"}).json()
    assert [row["Number"] for row in expanded["Members"]] == [user["Number"]]
    # PATCHing the group's Members changes the users' memberships.
    assert http.patch(f"/Groups({group['Id']})", json={"Members": []}).status_code == 204
    assert http.get(f"/Groups({group['Id']})/Members").json()["value"] == []
    assert http.get(f"/Users({user['Id']})/Groups").json()["value"] == []


def test_queue_agents_are_what_was_stored(http: httpx.Client) -> None:
    queue = http.post("/Queues", json={"Name": "Support"}).json()
    agents = [{"Number": "100"}, {"Number": "101"}]
    assert http.patch(f"/Queues({queue['Id']})", json={"Agents": agents}).status_code == 204
    listed = http.get(f"/Queues({queue['Id']})/Agents").json()
    assert listed["@odata.context"].endswith(f"$metadata#Queues({queue['Id']})/Agents")
    assert [row["Number"] for row in listed["value"]] == ["100", "101"]
    assert [
        row["Number"] for row in http.get("/Queues", params={"$expand": "Agents"}).json()["value"][-1]["Agents"]
    ] == [
        "100",
        "101",
    ]


@pytest.mark.parametrize(
    ("entity_set", "action"),
    [
        ("Users", "Pbx.BatchDelete"),
        ("InboundRules", "Pbx.BulkInboundRulesDelete"),
        ("Fax", "Pbx.BulkFaxDelete"),
        ("Contacts", "Pbx.DeleteContactsById"),
    ],
)
def test_bulk_deletes_delete(http: httpx.Client, entity_set: str, action: str) -> None:
    before = [row["Id"] for row in http.get(f"/{entity_set}").json()["value"]]
    response = http.post(f"/{entity_set}/{action}", json={"ids": before[:2]})
    assert response.status_code in (200, 204), response.text
    assert [row["Id"] for row in http.get(f"/{entity_set}").json()["value"]] == before[2:]


def test_a_batch_delete_of_users_answers_an_error_row_only_for_what_it_could_not_delete(http: httpx.Client) -> None:
    held = [row["Id"] for row in http.get("/Users").json()["value"]]
    deleted = http.post("/Users/Pbx.BatchDelete", json={"ids": held[:2]})
    assert deleted.status_code == 200 and deleted.json()["value"] == []
    again = http.post("/Users/Pbx.BatchDelete", json={"ids": [held[0], held[2]]})
    assert [row["Error"] for row in again.json()["value"]] == [f"Users({held[0]}) does not exist"]
    assert [row["Id"] for row in http.get("/Users").json()["value"]] == held[3:]


def test_an_enum_result_is_wrapped(http: httpx.Client) -> None:
    body = http.get("/SystemStatus/Pbx.GetRemoteAccessStatus()").json()
    assert set(body) == {"@odata.context", "value"} and isinstance(body["value"], str)
    assert body["@odata.context"].endswith("$metadata#Pbx.RemoteAccessStatus")


def test_answers_carry_their_context(pbx: Emulator, http: httpx.Client) -> None:
    root = f"{pbx.url}/xapi/v1/$metadata#"
    assert http.get("/Users").json()["@odata.context"] == root + "Users"
    assert http.get("/Users(1)").json()["@odata.context"] == root + "Users/$entity"
    assert http.get(CALL_LOG).json()["@odata.context"] == root + "Collection(Pbx.CallLogData)"


def test_the_service_document_lists_the_entity_sets(pbx: Emulator, http: httpx.Client) -> None:
    for path in ("/", ""):
        body = http.get(path).json()
        assert body["@odata.context"] == f"{pbx.url}/xapi/v1/$metadata"
        assert {"name": "Users", "kind": "EntitySet", "url": "Users"} in body["value"]


def test_metadata_is_csdl_and_the_same_for_the_same_document(http: httpx.Client) -> None:
    response = http.get("/$metadata")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("application/xml")
    root = ElementTree.fromstring(response.content)
    edm = "{http://docs.oasis-open.org/odata/ns/edm}"
    sets = {element.get("Name"): element.get("EntityType") for element in root.iter(f"{edm}EntitySet")}
    assert sets["Users"] == "Pbx.User" and sets["Queues"] == "Pbx.Queue"
    user = next(element for element in root.iter(f"{edm}EntityType") if element.get("Name") == "User")
    assert [ref.get("Name") for ref in user.iter(f"{edm}PropertyRef")] == ["Id"]
    assert "Groups" in {nav.get("Name") for nav in user.iter(f"{edm}NavigationProperty")}
    functions = {element.get("Name") for element in root.iter(f"{edm}Function")}
    assert {"GetCallLogData", "GetFirstAvailableExtensionNumber"} <= functions
    assert sets["ReportCallLogData"] == "Pbx.CallLogData"  # a set only functions are bound to, typed by its rows
    entity_types = {f"Pbx.{element.get('Name')}" for element in root.iter(f"{edm}EntityType")}
    targets = {
        nav.get("Type", "").removeprefix("Collection(").rstrip(")") for nav in root.iter(f"{edm}NavigationProperty")
    }
    assert targets <= entity_types  # a navigation property leads to an entity type, as CSDL requires
    with Emulator(seed=9) as other, signed_in(other) as again:
        assert again.get("/$metadata").content == response.content


def test_singletons_are_entity_types_with_names_of_their_own(http: httpx.Client) -> None:
    """CSDL: a singleton's type is an entity type and container names are unique; a generic OData client
    (python-odata) fails to read the metadata otherwise. Functions on a singleton are bound to one, not a set."""
    root = ElementTree.fromstring(http.get("/$metadata").content)
    edm = "{http://docs.oasis-open.org/odata/ns/edm}"
    container = next(root.iter(f"{edm}EntityContainer"))
    names = [element.get("Name") for element in container]
    assert len(names) == len(set(names))
    singletons = {element.get("Name"): element.get("Type") for element in container.iter(f"{edm}Singleton")}
    entity_types = {f"Pbx.{element.get('Name')}" for element in root.iter(f"{edm}EntityType")}
    assert singletons and set(singletons.values()) <= entity_types
    bindings = {
        (element.get("Name"), next(element.iter(f"{edm}Parameter")).get("Type"))
        for kind in ("Function", "Action")
        for element in root.iter(f"{edm}{kind}")
    }
    on_singletons = [
        (operation.path.rsplit("/Pbx.", 1)[1].split("(")[0], singletons[operation.path.strip("/").split("/")[0]])
        for operation in registry.operations()
        if operation.path.strip("/").split("/")[0] in singletons and "/Pbx." in operation.path
    ]
    assert on_singletons and set(on_singletons) <= bindings
    listed = [row["name"] for row in http.get("/").json()["value"]]
    assert len(listed) == len(set(listed))


def test_a_collections_count_is_a_plain_number_after_filter_and_search(http: httpx.Client) -> None:
    """`/Users/$count`, as ASP.NET Core OData answers it; the document lists no `$count` paths."""
    held = http.get("/Users", params={"$select": "Id"}).json()["value"]
    counted = http.get("/Users/$count", params={"$top": "1"})
    assert counted.status_code == 200 and counted.headers["Content-Type"] == "text/plain"
    assert counted.text == str(len(held))
    assert http.get("/Users/$count", params={"$filter": "Id gt 2"}).text == str(sum(row["Id"] > 2 for row in held))
    assert "Nope" in _error(http.get("/Users/$count", params={"$filter": "Nope eq 1"}), 400)
    assert http.post("/Users/$count").headers["Allow"] == "GET"
    history = http.get("/CallHistoryView", params={"$count": "true", "$top": "1"}).json()["@odata.count"]
    assert http.get("/CallHistoryView/$count").text == str(history)  # a listed set, its rows generated
    groups = http.get("/Users(1)/Groups").json()["value"]
    assert http.get("/Users(1)/Groups/$count").text == str(len(groups))
    assert _error(http.get("/Users(1)/$count"), 404).endswith("it is no collection")


def test_etags_guard_updates(http: httpx.Client) -> None:
    first = http.get("/Users(1)")
    etag = first.headers["ETag"]
    assert first.json()["@odata.etag"] == etag
    assert http.get("/Users(1)", headers={"If-None-Match": etag}).status_code == 304
    assert http.patch("/Users(1)", json={"FirstName": "One"}, headers={"If-Match": etag}).status_code == 204
    assert "changed" in _error(http.patch("/Users(1)", json={"FirstName": "Two"}, headers={"If-Match": etag}), 412)
    assert _error(http.delete("/Users(1)", headers={"If-Match": etag}), 412)
    assert http.get("/Users(1)").json()["FirstName"] == "One"
    fresh = http.get("/Users(1)").headers["ETag"]
    assert http.delete("/Users(1)", headers={"If-Match": fresh}).status_code == 204


def test_server_driven_paging_is_off_by_default_and_follows_next_links() -> None:
    with Emulator(collection_size=7) as pbx, signed_in(pbx) as http:
        assert "@odata.nextLink" not in http.get("/Users").json()
    with Emulator(collection_size=7, max_page_size=3) as pbx, signed_in(pbx) as http:
        numbers: list[str] = []
        url: str | None = "/Users?$select=Number&$count=true"
        pages = 0
        while url is not None:
            body = http.get(url).json()
            assert body["@odata.count"] == 7 and len(body["value"]) <= 3
            numbers += [row["Number"] for row in body["value"]]
            url = body.get("@odata.nextLink")
            pages += 1
        assert pages == 3 and numbers == [str(number) for number in range(100, 107)]


@pytest.mark.parametrize(
    ("path", "content_type", "start"),
    [
        ("/Recordings/Pbx.DownloadRecording(recId=1)", "audio/wav", b"RIFF"),
        ("/Users/Pbx.DownloadGreeting(userId=1,fileName='hello.wav')", "audio/wav", b"RIFF"),
        ("/Microsoft365TeamsIntegration/Pbx.GetDialPlanScript()", "text/plain", b"# 3CX"),
        ("/Microsoft365TeamsIntegration/Pbx.GetMapUsersScript()", "text/plain", b"# 3CX"),
        ("/Trunks(1)/Pbx.ExportTrunk()", "application/xml", b"<?xml"),
    ],
)
def test_action_results_are_files(http: httpx.Client, path: str, content_type: str, start: bytes) -> None:
    response = http.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith(content_type)
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    assert response.content.startswith(start)


def test_download_reports_are_json_rows_or_the_web_uis_csv(pbx: Emulator, http: httpx.Client) -> None:
    path = CALL_LOG.replace("GetCallLogData", "DownloadCallLog").replace(")", ",clientTimeZone='Europe%2FLondon')")
    rows = http.get(path).json()["value"]
    pbx.download_format = "csv"
    response = http.get(path)
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf") and b"\r\n" in response.content
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    assert len(table) == 1 + len(rows) + 1 and table[-1][0] == "Totals"
    assert table[0][0] == next(name for name in rows[0] if not name.startswith("@"))
    with pytest.raises(ValueError, match="download_format"):
        pbx.download_format = "xlsx"


# -- demo data that looks like a PBX's --------------------------------------------------------------------------


def test_demo_data_looks_like_a_pbx() -> None:
    with Emulator(collection_size=8) as pbx, signed_in(pbx) as http:
        users = {row["Number"]: f"{row['FirstName']} {row['LastName']}" for row in http.get("/Users").json()["value"]}
        calls = http.get(CALL_LOG).json()["value"]
        assert all(call["SourceDn"] != call["DestinationDn"] for call in calls)
        assert all(users[call["SourceDn"]] == call["SourceDisplayName"] for call in calls if call["SourceDn"] in users)
        groups = [row["Number"] for row in http.get("/Groups").json()["value"]]
        assert all(number.startswith("GRP") and len(number) == 7 for number in groups)
        sessions = http.get(AGENT_LOGINS.format(queues="''")).json()["value"]
        assert all(row["LoggedInInterval"].startswith("PT") and "H" in row["LoggedInInterval"] for row in sessions)
        assert {row["Agent"] for row in sessions if row["AgentNo"] in users} <= set(users.values())


def test_generated_ranges_run_low_to_high_and_caller_pairs_are_left_alone(http: httpx.Client) -> None:
    """An object's integer range bounds (ENL From/To, VlanIdMin/VlanIdMax, MinLength/MaxLength) are in order;
    FromDnType/ToDnType of a recording name two parties, no range."""
    for seed in range(5):
        with Emulator(seed=seed) as pbx, signed_in(pbx) as session:
            enl = session.get("/Defs/Pbx.GetSystemParameters()").json()["ENLRange"]
            assert enl["From"] <= enl["To"]
    recordings = http.get("/Recordings").json()["value"]
    assert any(row["FromDnType"] > row["ToDnType"] for row in recordings if "FromDnType" in row and "ToDnType" in row)


# -- the command line -------------------------------------------------------------------------------------------


def test_the_emulator_command_on_a_busy_port_is_one_line(pbx: Emulator) -> None:
    args = ["emulator", "--port", str(pbx.port), "--seed", "3", "--collection-size", "9"]
    args += ["--client-id", "scripts", "--client-secret", "fixed", "--version", "20.0.9.1234"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: cannot serve on 127.0.0.1:{pbx.port}")
    assert len(result.stderr.splitlines()) == 1


def test_the_clients_paging_follows_the_next_links() -> None:
    from threecx_xapi.api.users import list_user
    from threecx_xapi.paging import iterate

    with Emulator(collection_size=7, max_page_size=3) as pbx, pbx.client() as client:
        numbers = [user.number for user in iterate(list_user, client=client, page_size=5)]
    assert numbers == [str(number) for number in range(100, 107)]
    followed = [request.path for request in pbx.requests if request.operation_id == "ListUser"]
    assert len(followed) == 3 and all("$skip" in path for path in followed[1:])


def test_nested_expand_options_shape_the_expanded_rows(http: httpx.Client) -> None:
    queue = http.post("/Queues", json={"Name": "Sales"}).json()
    agents = [{"Number": "100", "Name": "Ann"}, {"Number": "101", "Name": "Bob"}, {"Number": "102", "Name": "Cy"}]
    assert http.patch(f"/Queues({queue['Id']})", json={"Agents": agents}).status_code == 204
    options = "$select=Number;$filter=Number ne '101';$orderby=Number desc;$top=1;$count=true"

    answer = http.get(f"/Queues({queue['Id']})", params={"$select": "Id", "$expand": f"Agents({options})"}).json()
    listed = http.get("/Queues", params={"$select": "Id", "$expand": "Agents($select=Name)"}).json()["value"][-1]

    assert answer["Agents"] == [{"Number": "102"}]
    assert answer["Agents@odata.count"] == 2  # the count of the filtered agents, before $top
    assert set(answer) == {"@odata.context", "@odata.etag", "Id", "Agents", "Agents@odata.count"}
    assert listed["Agents"] == [{"Name": "Ann"}, {"Name": "Bob"}, {"Name": "Cy"}]


@pytest.mark.parametrize(
    ("expand", "message"),
    [
        ("Agents($select=Nope)", "Could not find a property named 'Nope'"),
        ("Agents($format=json)", "not allowed inside $expand=Agents"),
        ("Agents($filter=Nope eq 1)", "Nope"),
    ],
)
def test_nested_expand_options_are_checked_against_the_expanded_type(
    http: httpx.Client, expand: str, message: str
) -> None:
    assert message in _error(http.get("/Queues", params={"$expand": expand}), 400)


@pytest.mark.parametrize("key", ["1", "Id=1"])
def test_a_navigation_page_names_its_path_in_the_context(http: httpx.Client, key: str) -> None:
    page = http.get(f"/Users({key})/Groups").json()

    assert page["@odata.context"].endswith("/$metadata#Users(1)/Groups")  # the key in its canonical form
    assert page["value"] and all("GroupId" in row for row in page["value"])


@pytest.mark.parametrize("name", ["top", "$Top", "TOP"])
def test_system_query_option_names_are_taken_in_any_case_and_without_the_dollar(http: httpx.Client, name: str) -> None:
    # OData 4.01 part 2, 5: services take them case-insensitively, with or without '$', as ASP.NET Core OData does.
    page = http.get("/Users", params={name: "2", "select": "Id", "Expand": "Groups(select=GroupId;TOP=1)"}).json()

    assert [sorted(row) for row in page["value"]] == [["@odata.etag", "Groups", "Id"]] * 2
    assert all(len(row["Groups"]) <= 1 and set(row["Groups"][0]) == {"GroupId"} for row in page["value"])


def test_a_query_option_given_twice_is_refused(http: httpx.Client) -> None:
    response = http.get("/Users", params=[("$top", "1"), ("top", "2")])

    message = "Query option '$top' was specified more than once, but it must be specified at most once."
    assert refused_query(response) == message


@pytest.mark.parametrize("option", ["tenant", "$tenant", "$fitler", "$index", "$id", "$deltatoken", "$schemaversion"])
def test_a_query_option_a_pbx_does_not_read_is_ignored_as_it_ignores_it(http: httpx.Client, option: str) -> None:
    # ASP.NET Core OData's BuildQueryOptions: "we don't throw if we can't recognize the query".
    answer = http.get("/Users", params={option: "x", "$top": "2"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["value"] == http.get("/Users", params={"$top": "2"}).json()["value"]


def test_format_is_taken_without_the_dollar_too(http: httpx.Client) -> None:
    response = http.get("/Users", params={"$top": "1", "format": "application/json;odata.metadata=none"})

    assert response.headers["Content-Type"] == "application/json; odata.metadata=none"

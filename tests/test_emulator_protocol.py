"""What the emulator promises as a PBX: tokens, strict literals, validated bodies, OData errors, headers, faults."""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from collections.abc import Iterator

import httpx
import pytest
from threecx_xapi import XapiClient, errors, registry
from threecx_xapi.api.report_call_log_data import get_call_log_data
from threecx_xapi.api.users import get_user, list_user, update_user
from threecx_xapi.models.user import User
from threecx_xapi.testing import Emulator
from xapi_fakes import CALL_LOG_ALL_CALLS

API = "/xapi/v1"


@pytest.fixture
def pbx() -> Iterator[Emulator]:
    with Emulator(collection_size=5) as emulator:
        yield emulator


def token(pbx: Emulator, http: httpx.Client) -> str:
    form = {"grant_type": "client_credentials", "client_id": pbx.client_id, "client_secret": pbx.client_secret}
    answer = http.post("/connect/token", data=form)
    assert answer.status_code == 200
    return str(answer.json()["access_token"])


@pytest.fixture
def http(pbx: Emulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=pbx.url) as client:
        yield client


def authorised(pbx: Emulator, http: httpx.Client) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(pbx, http)}"}


def test_tokens_are_jwts_with_exp_and_seconds(pbx: Emulator, http: httpx.Client) -> None:
    form = {"grant_type": "client_credentials", "client_id": pbx.client_id, "client_secret": pbx.client_secret}
    body = http.post("/connect/token", data=form).json()
    claims = json.loads(base64.urlsafe_b64decode(body["access_token"].split(".")[1] + "=="))
    assert body["expires_in"] == 3600
    assert claims["exp"] - claims["iat"] == 3600


def test_a_new_token_revokes_the_previous_one(pbx: Emulator, http: httpx.Client) -> None:
    first = authorised(pbx, http)
    assert http.get(f"{API}/Users", headers=first).status_code == 200
    second = authorised(pbx, http)
    assert http.get(f"{API}/Users", headers=first).status_code == 401
    assert http.get(f"{API}/Users", headers=second).status_code == 200


@pytest.mark.parametrize(
    ("header", "challenge"),
    [(None, "Bearer"), ("Basic abc", "Bearer"), ("Bearer nonsense", 'Bearer error="invalid_token"')],
)
def test_missing_or_wrong_tokens_are_an_empty_401_with_asp_nets_challenge(
    pbx: Emulator, http: httpx.Client, header: str | None, challenge: str
) -> None:
    answer = http.get(f"{API}/Users", headers={"Authorization": header} if header else {})
    assert answer.status_code == 401
    assert answer.content == b"" and "content-type" not in answer.headers
    assert answer.headers["WWW-Authenticate"] == challenge


def test_an_expired_token_is_told_when_it_expired_as_jwtbearer_tells_it() -> None:
    now = [1_790_000_000.0]  # 2026-09-21T14:13:20Z
    with Emulator(clock=lambda: now[0], token_lifetime=60) as pbx, httpx.Client(base_url=pbx.url) as http:
        headers = authorised(pbx, http)
        assert http.get(f"{API}/Users", headers=headers).status_code == 200
        now[0] += 61
        answer = http.get(f"{API}/Users", headers=headers)
    assert answer.status_code == 401 and answer.content == b""
    assert answer.headers["WWW-Authenticate"] == (
        'Bearer error="invalid_token", error_description="The token expired at \'09/21/2026 14:14:20\'"'
    )


def test_a_wrong_secret_is_refused(pbx: Emulator) -> None:
    with XapiClient(pbx.url, pbx.client_id, "not-the-secret") as client, pytest.raises(errors.AuthenticationError):
        list_user.sync(client=client)
    assert pbx.token_requests == 1


def test_expired_tokens_are_refreshed_once_by_the_client(pbx: Emulator) -> None:
    with XapiClient(pbx.url, pbx.client_id, pbx.client_secret) as client:
        list_user.sync(client=client)
        pbx.expire_tokens()
        list_user.sync(client=client)
    assert pbx.token_requests == 2
    assert [request.status for request in pbx.requests if request.operation_id == "ListUser"] == [200, 401, 200]


def test_old_pbxs_count_expires_in_in_minutes() -> None:
    pbx = Emulator(expires_in_minutes=True)
    form = {"grant_type": "client_credentials", "client_id": pbx.client_id, "client_secret": pbx.client_secret}
    with httpx.Client(transport=pbx.transport(), base_url=pbx.url) as http:
        assert http.post("/connect/token", data=form).json()["expires_in"] == 60


@pytest.mark.parametrize(
    ("path", "named"),
    [
        ("/Users(Number=100)", "Number"),  # a bare string
        ("/Users(Number='O'Brien')", "Number"),  # an undoubled quote
        ("/Users('42')", "Id"),  # a quoted integer
        ("/Users(2147483648)", "Id"),  # beyond Edm.Int32
        (
            "/ReportCallLogData/Pbx.GetCallLogData(periodFrom='2026-09-12T00:00:00Z',periodTo=2026-09-13T23:59:59Z,"
            "sourceType=0,sourceFilter='',destinationType=0,destinationFilter='',callsType=0,callTimeFilterType=0,"
            "callTimeFilterFrom='0:00:0',callTimeFilterTo='0:00:0',hidePcalls=true)",
            "periodFrom",  # a quoted date-time
        ),
    ],
)
def test_malformed_literals_are_400_naming_the_parameter(
    pbx: Emulator, http: httpx.Client, path: str, named: str
) -> None:
    answer = http.get(API + path, headers=authorised(pbx, http))
    assert answer.status_code == 400
    assert named in answer.json()["error"]["message"]


def test_well_formed_literals_reach_the_entity(pbx: Emulator, http: httpx.Client) -> None:
    headers = authorised(pbx, http)
    assert http.get(f"{API}/Users(Number='101')", headers=headers).json()["Id"] == 2
    assert http.get(f"{API}/Users(2)", headers=headers).json()["Number"] == "101"
    assert http.get(f"{API}/Users(Number='O''Brien')", headers=headers).status_code == 404


def test_a_single_key_may_be_written_with_its_name(pbx: Emulator, http: httpx.Client) -> None:
    headers = authorised(pbx, http)
    assert http.get(f"{API}/Users(Id=2)", headers=headers).json() == http.get(f"{API}/Users(2)", headers=headers).json()
    assert http.patch(f"{API}/Users(Id=2)", headers=headers, json={"FirstName": "Named"}).status_code == 204
    assert pbx.entities("Users")[1]["FirstName"] == "Named"
    assert http.get(f"{API}/Users(Id=2)/Groups", headers=headers).status_code == 200
    assert http.get(f"{API}/Users(Id=999)", headers=headers).status_code == 404
    assert http.get(f"{API}/Users(Id='2')", headers=headers).status_code == 400  # still read as Edm.Int32
    assert http.get(f"{API}/Users(id=2)", headers=headers).json()["Id"] == 2  # ODL resolves key names in any case
    assert http.get(f"{API}/Users(Name=2)", headers=headers).status_code == 404


def test_the_token_endpoint_answers_other_methods_with_405(pbx: Emulator, http: httpx.Client) -> None:
    for headers in ({}, authorised(pbx, http)):
        answer = http.get("/connect/token", headers=headers)
        assert answer.status_code == 405
        assert answer.headers["Allow"] == "POST"
        assert answer.json()["error"]["code"] == "MethodNotAllowed"
    assert [request.status for request in pbx.requests if request.method == "GET"] == [405, 405]


def test_invalid_bodies_are_400_with_the_place(pbx: Emulator, http: httpx.Client) -> None:
    headers = authorised(pbx, http)
    answer = http.patch(f"{API}/Users(1)", headers=headers, json={"FirstName": 5})
    assert answer.status_code == 400
    assert "FirstName" in answer.json()["error"]["message"]
    not_json = http.post(f"{API}/Users", headers={**headers, "Content-Type": "application/json"}, content=b"{not json")
    assert not_json.status_code == 400
    assert pbx.entities("Users")[0]["FirstName"] != 5


@pytest.mark.parametrize("content_type", [None, "text/plain;charset=UTF-8", "application/x-www-form-urlencoded"])
def test_a_body_that_is_not_declared_json_is_a_415_as_aspnet_answers_it(
    pbx: Emulator, http: httpx.Client, content_type: str | None
) -> None:
    # fetch(url, {body: JSON.stringify(x)}) without a Content-Type sends text/plain: no input formatter reads it.
    headers = authorised(pbx, http) | ({"Content-Type": content_type} if content_type else {})
    answer = http.patch(f"{API}/Users(1)", headers=headers, content=b'{"FirstName": "Plain"}')
    assert (answer.status_code, answer.content) == (415, b"")
    assert pbx.entities("Users")[0]["FirstName"] != "Plain"
    json_headers = authorised(pbx, http) | {"Content-Type": "application/json; odata.metadata=minimal"}
    assert http.patch(f"{API}/Users(1)", headers=json_headers, content=b'{"FirstName": "Plain"}').status_code == 204


def test_every_answer_carries_the_version(pbx: Emulator, http: httpx.Client) -> None:
    headers = authorised(pbx, http)
    for path in ("/Users", "/Users(999)", "/Nowhere"):
        assert http.get(API + path, headers=headers).headers["X-3CX-Version"] == f"{registry.xapi_version()}.0"


def test_unknown_paths_and_methods(pbx: Emulator, http: httpx.Client) -> None:
    headers = authorised(pbx, http)
    assert http.get(f"{API}/Nowhere", headers=headers).status_code == 404
    assert http.put(f"{API}/Users", headers=headers).status_code == 405


def test_search_and_bad_query_options(pbx: Emulator) -> None:
    def holds(row: dict[str, object], phrase: str) -> bool:
        return any(isinstance(value, str) and phrase in value.lower() for value in row.values())

    users = pbx.entities("Users")
    phrase = str(users[0]["DisplayName"])  # two words: the client sends it quoted, as one phrase
    with pbx.client() as client:
        for search in ("O'Brien", phrase):
            expected = [row["Id"] for row in users if holds(row, search.lower())]
            found = list_user.sync(client=client, search=search).to_dict()["value"]
            assert 0 < len(expected) < len(users)
            assert [row["Id"] for row in found] == expected
        with pytest.raises(errors.BadRequest) as raised:
            list_user.sync(client=client, filter_="Number eq")
        # ODL's words, in ASP.NET Core OData's wrapping
        assert (
            raised.value.message
            == "The query specified in the URI is not valid. Expression expected at position 9 in 'Number eq'."
        )


def test_report_rows_fall_inside_the_period() -> None:
    import datetime

    start = datetime.datetime(2026, 9, 12, tzinfo=datetime.UTC)
    end = datetime.datetime(2026, 9, 12, 6, tzinfo=datetime.UTC)
    with Emulator().client() as client:
        rows = get_call_log_data.sync(
            period_from=start,
            period_to=end,
            **CALL_LOG_ALL_CALLS,
            client=client,
        ).value
    assert rows and all(start <= row.start_time <= end for row in rows)


def test_the_same_seed_gives_the_same_data() -> None:
    assert Emulator(seed=3).entities("Users") == Emulator(seed=3).entities("Users")
    assert Emulator(seed=3).entities("Users") != Emulator(seed=4).entities("Users")


def test_injected_status_with_retry_after_is_retried_by_the_client(pbx: Emulator) -> None:
    pbx.fail("GetUser", status=503, retry_after=0)
    with XapiClient(pbx.url, pbx.client_id, pbx.client_secret) as client:
        assert get_user.sync(1, client=client).id == 1
    assert [request.status for request in pbx.requests if request.operation_id == "GetUser"] == [503, 200]


def test_injected_failure_on_a_patch_is_not_retried(pbx: Emulator) -> None:
    pbx.fail("UpdateUser", status=503)
    with XapiClient(pbx.url, pbx.client_id, pbx.client_secret) as client, pytest.raises(errors.ServerError):
        update_user.sync(1, client=client, body=User(first_name="Once"))
    assert [request.status for request in pbx.requests if request.operation_id == "UpdateUser"] == [503]


def test_a_dropped_connection_is_a_transport_error(pbx: Emulator) -> None:
    pbx.fail("UpdateUser", status=None, drop=True)
    with XapiClient(pbx.url, pbx.client_id, pbx.client_secret) as client, pytest.raises(errors.TransportError):
        update_user.sync(1, client=client, body=User(first_name="Dropped"))


def test_a_delay_beyond_the_client_timeout_is_a_read_timeout_and_the_next_call_succeeds(pbx: Emulator) -> None:
    pbx.fail("ListUser", status=None, delay=3.0)
    with XapiClient(pbx.url, pbx.client_id, pbx.client_secret, timeout=0.5) as client:
        with pytest.raises(errors.TransportError) as raised:
            list_user.sync(client=client)
        assert "ReadTimeout" in str(raised.value)
        assert [user.id for user in list_user.sync(client=client).value] == [1, 2, 3, 4, 5]
    # The read timeout is not retried: the PBX may have acted on the request.
    assert [request.operation_id for request in pbx.requests].count("ListUser") == 2


def test_in_process_a_delay_beyond_the_client_timeout_is_a_read_timeout_too() -> None:
    pbx = Emulator()
    pbx.fail("ListUser", status=None, delay=0.3)
    with pbx.client(timeout=0.05) as client:
        with pytest.raises(errors.TransportError, match="ReadTimeout"):
            list_user.sync(client=client)
        assert list_user.sync(client=client, top=1).value


async def test_in_process_a_delay_does_not_block_the_event_loop() -> None:
    pbx = Emulator()
    pbx.fail("ListUser", status=None, delay=0.5)
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(tick())
    async with pbx.client() as client:
        await list_user.asyncio(client=client, top=1)
    ticker.cancel()
    assert ticks >= 3  # other tasks ran while the answer waited (a blocking wait leaves at most one tick)


@pytest.mark.parametrize("target", ["GetUsr", "getuser", "Users", "Token", ""])
def test_an_unknown_fault_target_is_refused_before_anything_is_armed(target: str) -> None:
    pbx = Emulator()
    with pytest.raises(ValueError, match="unknown fault target") as raised:
        pbx.fail(target, status=500, times=None)
    assert repr(target) in str(raised.value)
    assert "'token'" in str(raised.value) and "'*'" in str(raised.value)
    with pbx.client() as client:
        assert list_user.sync(client=client, top=1).value[0].id == 1
    assert [request.status for request in pbx.requests] == [200, 200]


def test_an_unknown_fault_target_names_what_it_may_have_meant() -> None:
    with pytest.raises(ValueError, match="did you mean 'GetUser'"):
        Emulator().fail("getuser")


def test_a_fault_for_the_token_endpoint(pbx: Emulator) -> None:
    pbx.fail("token", status=400, times=None)
    with XapiClient(pbx.url, pbx.client_id, pbx.client_secret) as client, pytest.raises(errors.AuthenticationError):
        list_user.sync(client=client)


async def test_in_process_async_and_no_secret_in_repr() -> None:
    pbx = Emulator()
    assert pbx.client_secret not in repr(pbx)
    async with pbx.client() as client:
        users = await list_user.asyncio(client=client, top=2)
    assert [user.id for user in users.value] == [1, 2]


def test_the_pytest_fixture_serves_over_http(xapi_emulator: Emulator) -> None:
    assert xapi_emulator.url.startswith("http://127.0.0.1:")
    with XapiClient(xapi_emulator.url, xapi_emulator.client_id, xapi_emulator.client_secret) as client:
        assert list_user.sync(client=client, count=True).odata_count == 25


def test_a_myphone_session_is_opened_for_a_token_impersonating_an_extension(pbx: Emulator, http: httpx.Client) -> None:
    """3CX's own xapi-tutorial opens one with an API client's token and `impersonate`, as an AI agent does."""
    headers = authorised(pbx, http)
    number = http.get(f"{API}/Users", headers=headers).json()["value"][0]["Number"]
    form = {"name": "AI", "version": "0.1", "isHuman": False, "impersonate": number}
    opened = [http.post("/webclient/api/MyPhone/session", json=form, headers=headers) for _ in range(2)]
    assert [answer.status_code for answer in opened] == [200, 200]
    keys = [uuid.UUID(answer.json()["sessionKey"]) for answer in opened]
    assert keys[0] != keys[1] and uuid.UUID(opened[0].json()["pass"]) not in keys
    assert http.post("/webclient/api/MyPhone/session", json={"Name": "Webclient"}, headers=headers).status_code == 200


def test_a_myphone_session_needs_a_token_a_known_extension_and_a_post(pbx: Emulator, http: httpx.Client) -> None:
    headers = authorised(pbx, http)
    path = "/webclient/api/MyPhone/session"
    refused = http.post(path, json={"name": "AI"})
    assert (refused.status_code, refused.headers["WWW-Authenticate"]) == (401, "Bearer")
    unknown = http.post(path, json={"impersonate": "no-such-extension"}, headers=headers)
    assert unknown.status_code == 400 and "'no-such-extension'" in unknown.json()["error"]["message"]
    assert http.post(path, content=b"[1]", headers={**headers, "Content-Type": "application/json"}).status_code == 400
    assert http.get(path, headers=headers).headers["Allow"] == "POST"
    pbx.fail("myphone_session", status=503)
    assert http.post(path, json={}, headers=headers).status_code == 503
    assert [request.operation_id for request in pbx.requests if request.path == path][-1] == "myphone_session"

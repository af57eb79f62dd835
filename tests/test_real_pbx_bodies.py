"""Bodies as real PBXs send them, through the public operations: values left out, microsecond durations, offsets."""

from __future__ import annotations

import datetime as dt
import inspect
import json
import pydoc
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from threecx_xapi import XapiClient
from threecx_xapi.api.call_history_view import list_call_history_view
from threecx_xapi.api.inbound_rules import create_inbound_rule
from threecx_xapi.api.users import get_user, list_user
from threecx_xapi.cli import Connection, cli
from threecx_xapi.models import Destination, DestinationType, InboundRule, User
from threecx_xapi.types import UNSET, Unset

CST = dt.timezone(dt.timedelta(hours=-6))


def pbx_answering(body: dict[str, Any], sent: list[httpx.Request] | None = None) -> XapiClient:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/connect/token":
            return httpx.Response(200, json={"access_token": "t0ken", "expires_in": 3600})
        if sent is not None:
            sent.append(request)
        headers = {"content-type": "application/json; odata.metadata=minimal", "X-3CX-Version": "20.0.10.1621"}
        return httpx.Response(200, content=json.dumps(body).encode(), headers=headers)

    transport = httpx.MockTransport(answer)
    return XapiClient("https://pbx.example.com", "id", "secret", httpx_args={"transport": transport})


# A CallHistoryView page as a 20.0.10 PBX sends it: nulls and zeros left out, durations to the microsecond.
ROWS = [
    {"SegmentId": 1, "CallTime": "P5DT13H43M24.960179S", "SegmentStartTime": "2026-03-03T00:00:00-06:00"},
    {"SegmentId": 2, "CallTime": "PT0S", "SegmentStartTime": "2026-03-03T06:00:00.123Z", "SrcDn": "100"},
    {"SegmentId": 3, "CallTime": "-P1D", "SegmentStartTime": "2026-03-03T06:00:00Z", "CallAnswered": True},
]
EXPECTED = [
    (dt.timedelta(days=5, hours=13, minutes=43, seconds=24, microseconds=960179), dt.datetime(2026, 3, 3, tzinfo=CST)),
    (dt.timedelta(0), dt.datetime(2026, 3, 3, 6, 0, 0, 123000, tzinfo=dt.UTC)),
    (dt.timedelta(days=-1), dt.datetime(2026, 3, 3, 6, tzinfo=dt.UTC)),
]
PAGES: dict[str, Callable[[list[dict[str, Any]]], list[dict[str, Any]]]] = {
    "as declared": lambda rows: rows,
    "with a field this build does not know": lambda rows: [{**row, "CallCarrier": "Teams"} for row in rows],
    "with a value of another type (the tolerant path)": lambda rows: [*rows, {"SegmentId": "four"}],
}


@pytest.mark.parametrize("shape", PAGES)
def test_call_history_with_pbx_durations_and_offsets_parses_typed(shape: str) -> None:
    body = {"@odata.context": "https://pbx.example.com/xapi/v1/$metadata#CallHistoryView", "value": PAGES[shape](ROWS)}
    with pbx_answering(body) as client:
        page = list_call_history_view.sync(client=client)

    rows = page.value
    assert isinstance(rows, list)
    assert [(row.call_time, row.segment_start_time) for row in rows[:3]] == EXPECTED
    assert rows[0].segment_start_time.utcoffset() == dt.timedelta(hours=-6)  # type: ignore[union-attr]
    assert isinstance(rows[0].src_dn, Unset) and isinstance(rows[0].call_answered, Unset)  # left out: not sent
    assert rows[2].call_answered is True and rows[1].src_dn == "100"


def test_a_user_with_nulls_and_zeros_left_out_reads_them_as_unset() -> None:
    with pbx_answering({"Id": 42, "Number": "100", "Require2FA": True}) as client:
        user = get_user.sync(42, client=client)

    assert (user.id, user.number, user.require_2fa) == (42, "100", True)
    assert user.first_name is UNSET and user.groups is UNSET and user.vmpin is UNSET


def test_a_users_repr_masks_its_secrets_and_shows_only_set_fields() -> None:
    answer = {"Id": 42, "Number": "100", "AuthPassword": "hunter2", "DeskphonePassword": "d35k", "VMPIN": "2468"}
    with pbx_answering({"value": [answer]}) as client:
        user = list_user.sync(client=client).value[0]  # type: ignore[index]

    shown = repr(user)
    assert shown == "User(id=42, number='100', auth_password='***', deskphone_password='***', vmpin='***')"
    assert user.auth_password == "hunter2"  # the value itself is kept, for sending back
    assert user.to_dict()["VMPIN"] == "2468"


def test_a_page_of_two_selected_fields_has_a_short_repr() -> None:
    rows = [{"Id": number, "Number": str(100 + number)} for number in range(25)]
    with pbx_answering({"value": rows}) as client:
        page = list_user.sync(client=client, select=["Id", "Number"])

    shown = repr(page)
    assert len(shown) < 1_200
    assert "Unset" not in shown and "object at 0x" not in shown
    assert shown.startswith("UserCollectionResponse(value=[User(id=0, number='100'), User(id=1, number='101'),")


def test_undeclared_secret_fields_a_newer_pbx_sends_are_masked_too() -> None:
    with pbx_answering({"Id": 1, "SipTrunkSecret": "s3cr3t", "NewPin": "1234", "NewCount": 3}) as client:
        user = get_user.sync(1, client=client)

    assert user.additional_properties == {"SipTrunkSecret": "s3cr3t", "NewPin": "1234", "NewCount": 3}
    assert repr(user) == "User(id=1, additional_properties={'SipTrunkSecret': '***', 'NewPin': '***', 'NewCount': 3})"


def test_fields_the_document_lacks_can_be_given_to_the_constructor_and_are_sent() -> None:
    user = User(first_name="Ann", additional_properties={"NewField": 1})

    assert user.to_dict() == {"FirstName": "Ann", "NewField": 1}
    assert user == User(first_name="Ann", additional_properties={"NewField": 1})
    assert user != User(first_name="Ann")
    assert User(first_name="Ann") == User(first_name="Ann", additional_properties={})
    # keyword-only: the parser builds rows positionally, so no document field can be taken for it
    assert inspect.signature(User).parameters["additional_properties"].kind is inspect.Parameter.KEYWORD_ONLY


def test_help_shows_unset_rather_than_an_object_address() -> None:
    text = pydoc.plain(pydoc.render_doc(User))

    assert "= UNSET" in text
    assert "object at 0x" not in text
    assert repr(UNSET) == "UNSET"


def test_a_body_field_of_the_wrong_type_is_a_type_error_naming_it_before_anything_is_sent() -> None:
    sent: list[httpx.Request] = []
    with pbx_answering({}, sent) as client, pytest.raises(TypeError) as raised:
        create_inbound_rule.sync(client=client, body=InboundRule(rule_name=5))  # type: ignore[arg-type]

    assert sent == []
    message = str(raised.value)
    assert message.startswith("InboundRule.rule_name (JSON RuleName) must be None | str")
    assert "got int (5)" in message


@pytest.mark.parametrize(
    ("body", "named"),
    [
        (InboundRule(office_hours_destination=Destination(to="Queue")), "Destination.to"),  # type: ignore[arg-type]
        (InboundRule(office_hours_destination={"To": "Queue"}), "InboundRule.office_hours_destination"),  # type: ignore[arg-type]
        (InboundRule(alter_destination_during_holidays="yes"), "InboundRule.alter_destination_during_holidays"),  # type: ignore[arg-type]
        (User(id=True), "User.id"),
        (User(groups=["Sales"]), "User.groups"),  # type: ignore[list-item]
    ],
)
def test_nested_and_listed_fields_are_checked_too(body: Any, named: str) -> None:
    with pytest.raises(TypeError, match=rf"^{named} "):
        body.to_dict()


def test_a_wrong_typed_secret_is_named_but_not_shown() -> None:
    with pytest.raises(TypeError) as raised:
        User(auth_password=1234).to_dict()  # type: ignore[arg-type]

    assert "User.auth_password" in str(raised.value)
    assert "1234" not in str(raised.value)


def test_well_typed_bodies_serialise_as_before() -> None:
    rule = InboundRule(rule_name="Main", office_hours_destination=Destination(to=DestinationType.QUEUE, number="800"))

    assert rule.to_dict() == {"RuleName": "Main", "OfficeHoursDestination": {"To": "Queue", "Number": "800"}}


def test_the_command_line_refuses_a_body_field_of_the_wrong_type_before_sending() -> None:
    sent: list[httpx.Request] = []

    def pbx(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(500)

    connection = Connection(transport=httpx.MockTransport(pbx))
    env = {
        "THREECX_XAPI_URL": "https://pbx.example.com",
        "THREECX_XAPI_CLIENT_ID": "id",
        "THREECX_XAPI_CLIENT_SECRET": "s",
    }
    result = CliRunner().invoke(
        cli, ["call", "CreateInboundRule", "--body", '{"RuleName": 5}'], obj=connection, env=env
    )

    assert result.exit_code == 2
    assert "InboundRule.rule_name (JSON RuleName) must be None | str" in result.stderr
    assert sent == []

"""Generated functions build exactly the URLs a PBX expects: OData literals in the path, list options comma-joined."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import httpx
import pytest
from threecx_xapi import XapiClient
from threecx_xapi.api.inbound_rules import create_inbound_rule
from threecx_xapi.api.report_agent_login_history import get_agent_login_history_data
from threecx_xapi.api.report_call_distribution import download_get_get_call_distribution
from threecx_xapi.api.report_call_log_data import get_call_log_data
from threecx_xapi.api.users import export_extensions, get_user, get_user_by_number, list_user
from threecx_xapi.models import Destination, DestinationType, InboundRule

PBX = "https://pbx.example.com"
UTC = datetime.UTC
PERIOD_FROM = datetime.datetime(2026, 9, 12, tzinfo=UTC)
PERIOD_TO = datetime.datetime(2026, 9, 13, 23, 59, 59, tzinfo=UTC)
CALL_LOG: dict[str, Any] = {
    "period_from": PERIOD_FROM,
    "period_to": PERIOD_TO,
    "source_type": 0,
    "source_filter": "",
    "destination_type": 0,
    "destination_filter": "",
    "calls_type": 0,
    "call_time_filter_type": 0,
    "call_time_filter_from": "0:00:0",
    "call_time_filter_to": "0:00:0",
    "hide_pcalls": True,
}


class Recorder:
    """A PBX stand-in on an in-process transport: answers the token request and records every API request."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/connect/token":
            return httpx.Response(200, json={"access_token": "t0ken", "token_type": "Bearer", "expires_in": 3600})
        self.requests.append(request)
        body = json.loads(request.content) if request.method == "POST" else {"value": []}
        return httpx.Response(201 if request.method == "POST" else 200, json=body)

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def client(recorder: Recorder) -> Iterator[XapiClient]:
    with XapiClient(PBX, "demo-client", "demo-secret", httpx_args={"transport": httpx.MockTransport(recorder)}) as xapi:
        yield xapi


def decoded_path(request: httpx.Request) -> str:
    return unquote(urlsplit(str(request.url)).path)


def query(request: httpx.Request) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(str(request.url)).query)


def test_get_call_log_data_puts_every_parameter_in_the_path_as_an_odata_literal(
    client: XapiClient, recorder: Recorder
) -> None:
    get_call_log_data.sync(client=client, **CALL_LOG, top=100, skip=200)
    assert decoded_path(recorder.last) == (
        "/xapi/v1/ReportCallLogData/Pbx.GetCallLogData(periodFrom=2026-09-12T00:00:00Z,periodTo=2026-09-13T23:59:59Z,"
        "sourceType=0,sourceFilter='',destinationType=0,destinationFilter='',callsType=0,callTimeFilterType=0,"
        "callTimeFilterFrom='0:00:0',callTimeFilterTo='0:00:0',hidePcalls=true)"
    )
    assert query(recorder.last) == [("$top", "100"), ("$skip", "200")]
    assert recorder.last.url.host == "pbx.example.com" and recorder.last.method == "GET"


def test_keys_are_literals_strings_quoted_with_quotes_doubled(client: XapiClient, recorder: Recorder) -> None:
    get_user_by_number.sync("O'Brien", client=client)
    assert decoded_path(recorder.last) == "/xapi/v1/Users(Number='O''Brien')"
    get_user.sync(42, client=client)
    assert decoded_path(recorder.last) == "/xapi/v1/Users(42)"


def test_list_query_options_are_one_comma_joined_parameter(client: XapiClient, recorder: Recorder) -> None:
    list_user.sync(client=client, select=["Id", "Number"], orderby=["Number desc", "Id"], expand=["Groups"])
    assert query(recorder.last) == [("$orderby", "Number desc,Id"), ("$select", "Id,Number"), ("$expand", "Groups")]
    assert "$select=Id,Number" in unquote(str(recorder.last.url))


def test_search_phrases_with_spaces_are_quoted(client: XapiClient, recorder: Recorder) -> None:
    list_user.sync(client=client, search="John Smith", filter_="Number eq '100'", count=True)
    assert query(recorder.last) == [("$search", '"John Smith"'), ("$filter", "Number eq '100'"), ("$count", "true")]


def test_download_call_distribution_url(client: XapiClient, recorder: Recorder) -> None:
    download_get_get_call_distribution.sync(
        client=client,
        client_time_zone="Europe/London",
        period_from=PERIOD_FROM,
        period_to=PERIOD_TO,
        group_number="GRP0001",
        extension_dns=None,
        wait_interval=None,
        include_queue_calls=True,
        call_area=0,
        grouping_type=0,
    )
    assert unquote(str(recorder.last.url)) == (
        "https://pbx.example.com/xapi/v1/ReportCallDistribution/Pbx.DownloadGetGetCallDistribution("
        "clientTimeZone='Europe/London',periodFrom=2026-09-12T00:00:00Z,periodTo=2026-09-13T23:59:59Z,"
        "groupNumber='GRP0001',extensionDns=null,waitInterval=null,includeQueueCalls=true,callArea=0,groupingType=0)"
    )


def test_agent_login_history_url(client: XapiClient, recorder: Recorder) -> None:
    offset = datetime.timezone(datetime.timedelta(hours=2))
    get_agent_login_history_data.sync(
        client=client,
        client_time_zone="Europe/Berlin",
        start_dt=datetime.datetime(2026, 9, 12, 2, 0, tzinfo=offset),
        end_dt=PERIOD_TO,
        queue_dn_str="800",
        agent_dn_str=None,
    )
    url = str(recorder.last.url)
    assert "+" not in url, "an offset's + is percent-encoded, never bare"
    assert unquote(url) == (
        "https://pbx.example.com/xapi/v1/ReportAgentLoginHistory/Pbx.GetAgentLoginHistoryData("
        "clientTimeZone='Europe/Berlin',startDt=2026-09-12T02:00:00+02:00,endDt=2026-09-13T23:59:59Z,"
        "queueDnStr='800',agentDnStr=null)"
    )


def test_create_inbound_rule_posts_the_body_to_the_entity_set(client: XapiClient, recorder: Recorder) -> None:
    rule = InboundRule(
        rule_name="Main number",
        data="+442071234567",
        holidays_destination=Destination(to=DestinationType.EXTERNAL, external="+447700900123"),
        out_of_office_hours_destination=Destination(to=DestinationType.VOICEMAIL, number="100"),
    )
    created = create_inbound_rule.sync(client=client, body=rule)
    assert str(recorder.last.url) == "https://pbx.example.com/xapi/v1/InboundRules"
    assert recorder.last.method == "POST"
    assert recorder.last.headers["Content-Type"] == "application/json"
    assert json.loads(recorder.last.content) == {
        "RuleName": "Main number",
        "Data": "+442071234567",
        "HolidaysDestination": {"To": "External", "External": "+447700900123"},
        "OutOfOfficeHoursDestination": {"To": "VoiceMail", "Number": "100"},
    }
    assert created.holidays_destination == rule.holidays_destination


def test_export_extensions_url(client: XapiClient, recorder: Recorder) -> None:
    export_extensions.sync(client=client, select=["Number", "EmailAddress"], top=10)
    assert unquote(str(recorder.last.url)) == (
        "https://pbx.example.com/xapi/v1/Users/Pbx.ExportExtensions()?$top=10&$select=Number,EmailAddress"
    )


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: get_user.sync("42", client=c), "'Id'"),
        (
            lambda c: get_call_log_data.sync(client=c, **{**CALL_LOG, "period_from": PERIOD_FROM.replace(tzinfo=None)}),
            "'periodFrom'",
        ),
        (lambda c: get_user.sync(2**31, client=c), "'Id'"),
    ],
    ids=["string-for-int-key", "naive-datetime", "int32-overflow"],
)
def test_bad_arguments_fail_before_any_request(client: XapiClient, recorder: Recorder, call, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises((TypeError, ValueError), match=message):
        call(client)
    assert recorder.requests == []

"""Responses parse fast when everything is known, tolerantly when not, and both paths give equal models."""

from __future__ import annotations

import copy
import datetime as dt
import gc
import json
import pickle
from collections.abc import Iterator
from enum import StrEnum
from typing import Any

import httpx
import pytest
from threecx_xapi import XapiClient, codecs, models, parsing, registry
from threecx_xapi.api.call_history_view import list_call_history_view
from threecx_xapi.models import (
    CallHistoryView,
    CallHistoryViewCollectionResponse,
    Gateway,
    GatewayType,
    InboundRule,
    TemplateType,
    User,
)
from threecx_xapi.testing._fakedata import FakeData
from threecx_xapi.types import UNSET, Unset

UTC = dt.UTC
ROW = {
    "CallAnswered": True,
    "CallTime": "PT1M23.5S",
    "DstDisplayName": None,
    "DstId": 12,
    "SegmentStartTime": "2026-09-12T08:00:00.1234567Z",
    "SegmentEndTime": "2026-09-12T10:01:23.5+02:00",
    "SrcDn": "100",
}
PAGE = {
    "@odata.context": "https://pbx.example.com/xapi/v1/$metadata#CallHistoryView",
    "@odata.count": 1,
    "value": [ROW],
}


def encoded(payload: Any) -> bytes:
    return json.dumps(payload).encode()


@pytest.fixture
def tolerant_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records each model whose from_dict (the tolerant path) parses a whole body."""
    calls: list[str] = []
    for model in (CallHistoryViewCollectionResponse, User, InboundRule):
        original = vars(model)["from_dict"].__func__

        def spy(cls: type, src_dict: Any, original: Any = original) -> Any:
            calls.append(cls.__name__)
            return original(cls, src_dict)

        monkeypatch.setattr(model, "from_dict", classmethod(spy))
    return calls


def response_models() -> Iterator[tuple[str, Any, dict[str, Any]]]:
    """(operation, model, its schema) for every operation answering with a model, one per model."""
    seen: set[Any] = set()
    for operation in registry.operations():
        model = getattr(models, operation.response["model"] or "", None)
        if model is not None and hasattr(model, "from_dict") and model not in seen:
            seen.add(model)
            yield operation.operation_id, model, operation.response["schema"]


def test_every_response_model_parses_to_the_same_model_on_both_paths() -> None:
    fake = FakeData(registry.schemas())
    different = []
    fast = 0
    for operation_id, model, schema in response_models():
        payload = fake.value(schema, salt=operation_id, row=1)
        if isinstance(payload, dict):
            payload["@odata.context"] = "https://pbx.example.com/xapi/v1/$metadata#Anything"
        if parsing.parse_json(model, encoded(payload)) != model.from_dict(payload):
            different.append(model.__name__)
        fast += parsing._plan(model) is not None
    assert different == []
    assert fast >= 280, "the fast path should describe nearly every response model"


def test_known_data_takes_the_fast_path_with_aware_datetimes_and_durations(tolerant_calls: list[str]) -> None:
    page = parsing.parse_json(CallHistoryViewCollectionResponse, encoded(PAGE))

    assert tolerant_calls == []
    assert page == CallHistoryViewCollectionResponse.from_dict(PAGE)
    row = page.value[0]  # type: ignore[index]
    assert row.call_time == dt.timedelta(minutes=1, seconds=23.5)
    assert row.segment_start_time == dt.datetime(2026, 9, 12, 8, 0, 0, 123457, tzinfo=UTC)
    assert row.segment_end_time == dt.datetime(2026, 9, 12, 8, 1, 23, 500000, tzinfo=UTC)
    assert row.segment_end_time.utcoffset() == dt.timedelta(hours=2)  # type: ignore[union-attr]
    assert row.dst_display_name is None
    assert isinstance(row.segment_type, Unset)
    assert page.additional_properties == {"@odata.context": PAGE["@odata.context"]}


def test_an_unknown_field_is_learned_and_kept_without_the_tolerant_path(tolerant_calls: list[str]) -> None:
    # Destination: on the fast path in every published document (20.0.9's User holds a union it cannot describe).
    payload = {"Number": "100", "AIAgentMode": "Assist", "Tags": ["Teams"]}

    first = parsing.parse_json(models.Destination, encoded(payload))
    later = parsing.parse_json(models.Destination, encoded({**payload, "Number": "101"}))

    assert tolerant_calls == []
    assert first.additional_properties == {"AIAgentMode": "Assist"}
    assert later.additional_properties == {"AIAgentMode": "Assist"} and later.number == "101"
    assert first == models.Destination.from_dict(payload)
    assert parsing.parse_json(models.Destination, encoded({"Number": "102"})).additional_properties == {}


def test_a_body_taught_once_decodes_in_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    payload = {"value": [{"SrcDn": "100", "CallCarrier": "Teams"}, {"SrcDn": "101", "CallCarrier": "SIP"}]}
    parsing.parse_json(CallHistoryViewCollectionResponse, encoded(payload))  # learns CallCarrier
    decodes: list[bytes] = []
    plan = parsing._plan(CallHistoryViewCollectionResponse)
    assert plan is not None

    def counting_decode(content: bytes) -> Any:
        decodes.append(content)
        return plan.decode(content)

    counting = parsing.Plan(counting_decode, plan.build)
    monkeypatch.setitem(parsing._plans, CallHistoryViewCollectionResponse, counting)
    monkeypatch.setattr(json, "loads", None)  # the tolerant path must not be needed

    page = parsing.parse_json(CallHistoryViewCollectionResponse, encoded(payload))

    assert len(decodes) == 1
    assert [row.additional_properties for row in page.value] == [{"CallCarrier": "Teams"}, {"CallCarrier": "SIP"}]  # type: ignore[union-attr]


def test_an_unknown_enum_value_is_kept_by_the_fast_path_itself(tolerant_calls: list[str]) -> None:
    payload = {"Tags": ["Teams", "Holograms"]}

    # Destination: on the fast path in every published document (20.0.9's User holds a union it cannot describe).
    destination = parsing.parse_json(models.Destination, encoded(payload))

    assert tolerant_calls == []  # msgspec asks the enum's _missing_, which keeps the value
    assert [(tag.value, tag.is_known) for tag in destination.tags] == [("Teams", True), ("Holograms", False)]  # type: ignore[union-attr]
    assert destination == models.Destination.from_dict(payload)


@pytest.mark.parametrize("enum", [GatewayType, TemplateType])
def test_a_declared_member_named_unknown_is_known_and_an_undeclared_value_is_not(enum: type[StrEnum]) -> None:
    declared = enum("Unknown")
    undeclared = enum("Hologram")

    assert declared is enum["UNKNOWN"] and declared.is_known  # type: ignore[attr-defined]
    assert all(member.is_known for member in enum)  # type: ignore[attr-defined]
    assert undeclared.value == "Hologram" and not undeclared.is_known  # type: ignore[attr-defined]


def test_the_fast_path_keeps_a_member_named_unknown_known_and_an_undeclared_value_unknown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(Gateway, "from_dict", None)  # the tolerant path must not be needed

    declared = parsing.parse_json(Gateway, encoded({"Type": "Unknown"})).type_
    undeclared = parsing.parse_json(Gateway, encoded({"Type": "Satellite"})).type_

    assert declared is GatewayType.UNKNOWN and declared.is_known
    assert undeclared == "Satellite" and not undeclared.is_known


def test_an_unknown_enum_value_and_field_in_a_nested_model_are_kept(tolerant_calls: list[str]) -> None:
    payload = {"RuleName": "Main", "OfficeHoursDestination": {"To": "Hologram", "Number": "800", "Beam": 1}}

    rule = parsing.parse_json(InboundRule, encoded(payload))

    assert tolerant_calls == []
    assert rule == InboundRule.from_dict(payload)
    destination = rule.office_hours_destination
    assert destination.to.value == "Hologram" and not destination.to.is_known  # type: ignore[union-attr]
    assert destination.additional_properties == {"Beam": 1}  # type: ignore[union-attr]


def test_a_value_of_another_type_falls_back_to_what_from_dict_keeps(tolerant_calls: list[str]) -> None:
    payload = {"value": [{"DstId": "twelve"}]}

    page = parsing.parse_json(CallHistoryViewCollectionResponse, encoded(payload))

    assert tolerant_calls == ["CallHistoryViewCollectionResponse"]
    assert page.value[0].dst_id == "twelve"  # type: ignore[index]


def test_a_malformed_body_raises_the_json_error_it_always_did() -> None:
    with pytest.raises(json.JSONDecodeError):
        parsing.parse_json(CallHistoryViewCollectionResponse, b'{"value": [')


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("PT0S", dt.timedelta(0)),
        ("PT1M23.5S", dt.timedelta(minutes=1, seconds=23.5)),
        ("P1DT2H3M4.000005S", dt.timedelta(days=1, hours=2, minutes=3, seconds=4, microseconds=5)),
        ("-PT5S", dt.timedelta(seconds=-5)),
        ("P2D", dt.timedelta(days=2)),
    ],
)
def test_durations_read_and_write_iso_8601(text: str, value: dt.timedelta) -> None:
    assert codecs.parse_duration(text) == value
    assert codecs.format_duration(value) == text


def test_a_duration_field_round_trips_through_to_dict() -> None:
    row = CallHistoryView(call_time=dt.timedelta(hours=1, seconds=0.25))

    assert row.to_dict() == {"CallTime": "PT1H0.25S"}
    assert CallHistoryView.from_dict(row.to_dict()) == row


def test_a_duration_that_is_not_iso_8601_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="P2W"):
        CallHistoryView.from_dict({"CallTime": "P2W"})


def test_the_generated_operation_returns_typed_rows() -> None:
    def pbx(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/connect/token":
            return httpx.Response(200, json={"access_token": "t0ken", "expires_in": 3600})
        return httpx.Response(200, content=encoded(PAGE), headers={"content-type": "application/json"})

    transport = httpx.MockTransport(pbx)
    with XapiClient("https://pbx.example.com", "id", "secret", httpx_args={"transport": transport}) as client:
        page = list_call_history_view.sync(client=client)

    assert page == CallHistoryViewCollectionResponse.from_dict(PAGE)
    assert isinstance(page.value[0].call_time, dt.timedelta)  # type: ignore[index]


def test_the_garbage_collector_keeps_running_while_a_page_of_rows_is_built() -> None:
    # The parse leaves the collector to the application: another thread's garbage is still collected meanwhile.
    body = encoded({"value": [ROW] * 2_000})
    parsing.parse_json(CallHistoryViewCollectionResponse, body)  # the decoder is made before counting
    collections: list[int] = []
    thresholds, was_enabled = gc.get_threshold(), gc.isenabled()

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(info["generation"])

    gc.set_threshold(700, 10, 10)
    gc.enable()
    gc.collect()
    gc.callbacks.append(count)
    try:
        page = parsing.parse_json(CallHistoryViewCollectionResponse, body)
    finally:
        gc.callbacks.remove(count)
        gc.set_threshold(*thresholds)
        (gc.enable if was_enabled else gc.disable)()

    assert len(page.value) == 2_000  # type: ignore[arg-type]
    assert len(collections) >= 2_000 // 700  # one young collection per 700 new rows, as CPython's default


def test_rows_without_undeclared_fields_hold_no_dict_until_one_is_asked_for() -> None:
    page = parsing.parse_json(CallHistoryViewCollectionResponse, encoded(PAGE))
    row = page.value[0]  # type: ignore[index]

    assert row._additional_properties is None
    assert "CallCarrier" not in repr(row) and row._additional_properties is None  # a repr makes none either
    assert row == CallHistoryView.from_dict(ROW)  # none made equals none sent
    row["CallCarrier"] = "Teams"
    assert row.additional_properties == {"CallCarrier": "Teams"} and row.additional_keys == ["CallCarrier"]
    assert row != CallHistoryView.from_dict(ROW)
    assert row == CallHistoryView.from_dict({**ROW, "CallCarrier": "Teams"})


def test_a_parsed_model_survives_copy_and_pickle_equal_with_its_unset_fields_still_unset() -> None:
    user = parsing.parse_json(User, encoded({"Id": 7, "Number": "100", "NewField": 1}))

    for twin in (copy.deepcopy(user), copy.copy(user), pickle.loads(pickle.dumps(user))):
        assert twin == user
        assert twin.first_name is UNSET
        assert twin.additional_properties == {"NewField": 1}

"""The emulator's settings the doctor's checks need: the `$top` cap and next links seen through iterate(), 403
areas, the PBX's clock."""

from __future__ import annotations

import base64
import json
import time
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import pytest
from threecx_xapi import iterate
from threecx_xapi.api.users import list_user
from threecx_xapi.errors import PermissionDenied
from threecx_xapi.testing import Emulator


def get(pbx: Emulator, path: str, **params: str) -> Any:
    with pbx.client() as client:
        return client.get_httpx_client().get(path, params=params)


def test_an_entity_set_refuses_a_top_over_its_cap_in_the_pbx_words() -> None:
    answer = get(Emulator(), "Users", **{"$top": "500"})
    assert answer.status_code == 400
    assert answer.json() == {
        "error": {
            "code": "",
            "message": "The query specified in the URI is not valid. The limit of '100' for Top query has been "
            "exceeded. The value from the incoming request is '500'.",
            "details": [],
        }
    }
    assert get(Emulator(), "Users", **{"$top": "100"}).status_code == 200
    assert get(Emulator(top_limit=None), "Users", **{"$top": "500"}).status_code == 200
    assert get(Emulator(top_limit=20), "Users", **{"$top": "21"}).status_code == 400


def test_iterate_over_a_top_larger_than_the_cap_asks_again_at_the_cap() -> None:
    pbx = Emulator(top_limit=10, collection_size=25)
    with pbx.client() as client:
        assert [user.id for user in iterate(list_user, client=client, page_size=50)] == list(range(1, 26))
    statuses = [request.status for request in pbx.requests if request.operation_id == "ListUser"]
    assert statuses == [400, 200, 200, 200]


def test_iterate_follows_the_next_links_to_every_row() -> None:
    pbx = Emulator(max_page_size=7, collection_size=30)
    with pbx.client() as client:
        assert [user.id for user in iterate(list_user, client=client, page_size=100)] == list(range(1, 31))
    assert len(pbx.requests) == 1 + 5  # the token, then 7+7+7+7+2 rows


def test_forbidden_areas_answer_403_with_an_odata_body_after_the_token_is_checked() -> None:
    pbx = Emulator(forbidden={"CallHistoryView": "", "Users": "Your licence does not allow it"})
    assert get(pbx, "CallHistoryView").status_code == 403
    refused = get(pbx, "Users(1)")
    assert refused.status_code == 403 and refused.json()["error"]["message"] == "Your licence does not allow it"
    assert get(pbx, "Groups").status_code == 200
    with pbx.client() as client, pytest.raises(PermissionDenied):
        list_user.sync(client=client)
    everything = Emulator(forbidden=["*"])
    assert get(everything, "SystemStatus").status_code == 403
    with httpx.Client(transport=pbx.transport(), base_url="http://127.0.0.1/xapi/v1/") as raw:
        assert raw.get("CallHistoryView", headers={"Authorization": "Bearer x"}).status_code == 401


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        ({"forbidden": ["Userz"]}, "'Userz' is not an area"),
        ({"top_limit": 0}, "top_limit must be a positive int"),
        ({"max_page_size": True}, "max_page_size must be a positive int"),
    ],
)
def test_settings_are_checked(arguments: dict[str, Any], said: str) -> None:
    with pytest.raises(ValueError, match=said):
        Emulator(**arguments)


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return claims


def test_the_clock_offset_moves_the_token_iat_and_the_date_header() -> None:
    with Emulator(clock_offset=600) as pbx, pbx.client() as client:
        http = client.get_httpx_client()
        token = http.post(f"{pbx.url}/connect/token", data={
            "client_id": pbx.client_id, "client_secret": pbx.client_secret, "grant_type": "client_credentials"
        }).json()["access_token"]  # fmt: skip
        now = time.time()
        assert abs(_claims(token)["iat"] - (now + 600)) < 5
        date = parsedate_to_datetime(http.get("SystemStatus").headers["date"]).timestamp()
        assert abs(date - (now + 600)) < 5
        assert list_user.sync(client=client) is not None  # its tokens work: the PBX checks them by its own clock

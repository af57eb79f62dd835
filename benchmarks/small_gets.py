"""Many small requests: the client's per-request cost (auth, retries, hooks, literals, parsing) against raw httpx."""

from __future__ import annotations

import json

import mock_pbx
from measure import Figure, interleaved_medians, ms
from threecx_xapi.api.users import get_user_by_number

REQUESTS = 1_000
USER = json.dumps({"Id": 7, "Number": "100", "FirstName": "Ann", "LastName": "Lee", "Enabled": True}).encode()


def figures(repeat: int = 5) -> list[Figure]:
    handler = mock_pbx.serving(lambda request: USER)
    client, raw = mock_pbx.xapi_client(handler), mock_pbx.raw_client(handler)

    def through_client() -> None:
        for _ in range(REQUESTS):
            get_user_by_number.sync("100", client=client)

    def through_httpx() -> None:
        for _ in range(REQUESTS):
            json.loads(raw.get("Users(Number='100')").content)

    ours, baseline = interleaved_medians(through_client, through_httpx, repeat)
    client.close()
    raw.close()
    detail = f"{ms(ours)} vs {ms(baseline)} for raw httpx + json.loads; GetUserByNumber, median of {repeat}"
    return [Figure.at_most(f"{REQUESTS:,} small GETs", ours / baseline, 1.2, detail)]

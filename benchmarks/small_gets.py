"""Many small requests: the client's per-request cost (auth, retries, hooks, literals, parsing) against raw httpx."""

from __future__ import annotations

import json

import mock_pbx
from measure import Figure, ms, paired
from threecx_xapi.api.users import get_user_by_number

REQUESTS = 1_000  # the figure's unit: what 1,000 requests cost
BATCH = 100  # requests per round: short rounds pair each batch of ours with one of raw httpx
ROUNDS = 30  # more rounds than REQUESTS needs, for a median that a busy shared machine moves less
USER = json.dumps({"Id": 7, "Number": "100", "FirstName": "Ann", "LastName": "Lee", "Enabled": True}).encode()


def figures() -> list[Figure]:
    handler = mock_pbx.serving(lambda request: USER)
    client, raw = mock_pbx.xapi_client(handler), mock_pbx.raw_client(handler)

    def through_client() -> None:
        for _ in range(BATCH):
            get_user_by_number.sync("100", client=client)

    def through_httpx() -> None:
        for _ in range(BATCH):
            json.loads(raw.get("Users(Number='100')").content)

    rounds = ROUNDS
    timing = paired(through_client, through_httpx, rounds)
    client.close()
    raw.close()
    detail = (
        f"{ms(timing.ours * REQUESTS / BATCH)} vs {ms(timing.baseline * REQUESTS / BATCH)} per 1,000 "
        "for raw httpx + json.loads; "
        f"GetUserByNumber; median of {rounds} rounds of {BATCH}"
    )
    return [Figure.at_most(f"{REQUESTS:,} small GETs", timing.ratio, 1.05, detail)]

"""Talking to an emulator as another client would: a plain httpx session signed in with client credentials."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from threecx_xapi.testing import Emulator


def signed_in(pbx: Emulator) -> httpx.Client:
    """An httpx client at the PBX's /xapi/v1, carrying a bearer token fetched once, asking for JSON."""
    token = httpx.post(
        f"{pbx.url}/connect/token",
        data={"grant_type": "client_credentials", "client_id": pbx.client_id, "client_secret": pbx.client_secret},
        trust_env=False,
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    return httpx.Client(base_url=f"{pbx.url}/xapi/v1", headers=headers, trust_env=False)


def users_answer(pbx: Emulator, **options: str) -> httpx.Response:
    """GET /Users with `$select=Id` and the given options (`filter="..."` for `$filter`)."""
    params = {f"${name}": value for name, value in options.items()}
    with pbx.client() as client:  # in process: the emulator need not be serving
        return client.get_httpx_client().get("Users", params={"$select": "Id", **params})


def user_ids(pbx: Emulator, **options: str) -> list[int]:
    """The Ids GET /Users answers with these options, in its order; the answer must be a 200."""
    response = users_answer(pbx, **options)
    assert response.status_code == 200, response.text
    return [row["Id"] for row in response.json()["value"]]

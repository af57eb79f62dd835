"""Helpers for the sign-in tests: clients of an emulator signed in each of the three ways."""

from __future__ import annotations

from typing import Any

import httpx
from threecx_xapi import XapiClient
from threecx_xapi.testing import Emulator

PASSWORD = "correct horse battery staple"


def over(pbx: Emulator, **kwargs: Any) -> dict[str, Any]:
    """httpx_args for a client of `pbx`: in-process when it is not serving, else loopback HTTP without proxies."""
    httpx_args = dict(kwargs.pop("httpx_args", {}))
    if pbx.url.endswith(":0") or pbx.url == "http://127.0.0.1":
        httpx_args.setdefault("transport", pbx.transport())
    else:
        httpx_args.setdefault("trust_env", False)
    return {"httpx_args": httpx_args, **kwargs}


def user_client(pbx: Emulator, username: str | None = None, password: str | None = None, **kwargs: Any) -> XapiClient:
    username = username or pbx.accounts.username
    password = password if password is not None else (pbx.accounts.password if username == "100" else PASSWORD)
    return XapiClient(pbx.url, username=username, password=password, **over(pbx, **kwargs))


def app_client(pbx: Emulator, **kwargs: Any) -> XapiClient:
    return XapiClient(pbx.url, client_id=pbx.client_id, **over(pbx, **kwargs))


class Browser:
    """A user at the PBX's sign-in page: posts the form, then follows the redirect to the app's listener."""

    def __init__(self, username: str, password: str, *, code: str = "", tamper: Any = None) -> None:
        self.fields = {"Username": username, "Password": password, "SecurityCode": code}
        self.tamper = tamper  # changes the redirect's address before it is followed (a forged redirect)
        self.visited: list[str] = []

    def __call__(self, url: str) -> None:
        self.visited.append(url)
        with httpx.Client(trust_env=False) as http:
            answer = http.post(url, data=self.fields)
            assert answer.status_code == 302, answer.text
            location = answer.headers["Location"]
            http.get(self.tamper(location) if self.tamper else location)


def login_requests(pbx: Emulator) -> int:
    return sum(1 for request in pbx.requests if request.operation_id == "login")


def refresh_requests(pbx: Emulator) -> int:
    return pbx.token_requests

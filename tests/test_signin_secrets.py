"""The password, the second-factor code, the code_verifier and every token never appear in reprs, logs,
exceptions or --debug output, whichever way the client signed in and however it failed."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from signin_support import PASSWORD, Browser, app_client, user_client
from threecx_xapi import (
    AuthorizationRequest,
    FileTokenStore,
    LoopbackRedirect,
    MemoryTokenStore,
    StoredTokens,
    XapiClient,
)
from threecx_xapi.api.users import list_user
from threecx_xapi.cli.commands import cli
from threecx_xapi.cli.connection import Connection
from threecx_xapi.testing import Emulator


class RecordingStore(MemoryTokenStore):
    """Remembers every token it was given, so the test knows every token to look for."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: set[str] = set()

    def save(self, tokens: StoredTokens) -> None:
        self.seen.update(value for value in (tokens.access_token, tokens.refresh_token) if value)
        super().save(tokens)


def texts_of(*objects: Any) -> list[str]:
    found = []
    for item in objects:
        found += [repr(item), str(item)]
        if isinstance(item, BaseException):
            found += [str(arg) for arg in item.args]
            found += [repr(item.__cause__), repr(item.__context__)]
    return found


def our_logs(caplog: pytest.LogCaptureFixture) -> str:
    """What this package logs (the test's own browser, an httpx client too, logs the redirect it follows)."""
    return "\n".join(record.getMessage() for record in caplog.records if record.name.startswith("threecx_xapi"))


def assert_hidden(secrets: set[str], texts: list[str]) -> None:
    assert all(len(secret) >= 6 for secret in secrets), "a short secret would match by chance"
    for secret in secrets:
        for text in texts:
            assert secret not in text, f"a secret shows in: {text[:200]}"


def test_a_user_sign_in_with_a_second_factor_shows_no_secret(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="threecx_xapi")
    pbx = Emulator(collection_size=1)
    pbx.accounts.add("200", PASSWORD, second_factor=True)
    code = pbx.accounts.code("200")
    store = RecordingStore()
    errors: list[BaseException] = []
    with user_client(pbx, "200", security_code=code, token_store=store) as client:
        list_user.sync(client=client)
        first = store.load()
        pbx.expire_tokens()
        list_user.sync(client=client)
        held = store.load()
        objects: list[Any] = [client, client.auth, client.auth.grant, store, held, client.auth._token]
    with user_client(pbx, "200", password="wrong " + PASSWORD) as wrong:
        with pytest.raises(Exception) as raised:
            list_user.sync(client=wrong)
        errors.append(raised.value)
    with user_client(pbx, "200", security_code="123456" if code != "123456" else "654321") as bad_code:
        with pytest.raises(Exception) as raised:
            list_user.sync(client=bad_code)
        errors.append(raised.value)
    thief = MemoryTokenStore()
    assert first is not None
    thief.save(StoredTokens("stale-access-token", 0.0, first.refresh_token))
    with user_client(pbx, "200", password="", token_store=thief) as reused:
        with pytest.raises(Exception) as raised:
            list_user.sync(client=reused)  # a refresh token used already
        errors.append(raised.value)
    assert len(store.seen) == 4  # two access tokens, two refresh tokens
    assert_hidden({PASSWORD, code, *store.seen}, [*texts_of(*objects, *errors), our_logs(caplog)])


def test_the_browser_sign_in_shows_no_code_verifier_code_or_token(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="threecx_xapi")
    store = RecordingStore()
    with Emulator(collection_size=1) as pbx, app_client(pbx, token_store=store) as client:
        with LoopbackRedirect() as listener:
            request = client.authorization_request(listener.redirect_uri)
            Browser(pbx.accounts.username, pbx.accounts.password)(request.url)
            query = listener.wait(20)
        wrong = AuthorizationRequest(
            request.authorize_url, request.client_id, request.redirect_uri, request.scopes, request.state, "v" * 50
        )
        with pytest.raises(Exception) as mismatch:
            client.exchange_code(wrong, query)
        client.exchange_code(request, query)
        list_user.sync(client=client)
        pbx.expire_tokens()
        list_user.sync(client=client)
        objects = [client, client.auth, request, listener, store, store.load(), mismatch.value]
    secrets = {request.code_verifier, "v" * 50, query["code"], request.state, *store.seen}
    assert_hidden(secrets, [*texts_of(*objects), our_logs(caplog)])


def test_debug_output_masks_the_password_the_code_and_every_token(tmp_path: Path) -> None:
    pbx = Emulator(collection_size=1)
    pbx.accounts.add("200", PASSWORD, second_factor=True)
    code = pbx.accounts.code("200")
    tokens = tmp_path / "tokens.json"
    env: dict[str, str | None] = {
        "THREECX_XAPI_URL": pbx.url,
        "THREECX_XAPI_TOKEN_FILE": str(tokens),
        "THREECX_XAPI_CLIENT_ID": None,
        "THREECX_XAPI_CLIENT_SECRET": None,
        "THREECX_XAPI_USERNAME": None,
        "THREECX_XAPI_PASSWORD": None,
        "THREECX_XAPI_SECURITY_CODE": None,
    }
    connection = Connection(transport=pbx.transport())
    seen: set[str] = set()
    outputs = []
    login = CliRunner().invoke(cli, ["login", "--debug"], obj=connection, env=env, input=f"200\n{PASSWORD}\n{code}\n")
    assert login.exit_code == 0, login.output
    outputs.append(login.output)
    for _ in range(2):
        held = FileTokenStore(tokens).load()
        assert held is not None and held.refresh_token
        seen |= {held.access_token, held.refresh_token}
        pbx.expire_tokens()
        called = CliRunner().invoke(cli, ["call", "ListUser", "--debug"], obj=connection, env=env)
        assert called.exit_code == 0, called.output
        outputs.append(called.output)
    held = FileTokenStore(tokens).load()
    assert held is not None and held.refresh_token
    seen |= {held.access_token, held.refresh_token}
    assert len(seen) == 6 and "POST /connect/token" in outputs[-1] and '"Password":"***"' in outputs[0]
    assert_hidden({PASSWORD, code, *seen}, outputs)


def test_the_client_credentials_secret_as_basic_is_masked_in_debug_output(tmp_path: Path) -> None:
    with Emulator(collection_size=1) as pbx:
        env = {"THREECX_XAPI_URL": pbx.url, "THREECX_XAPI_CLIENT_ID": pbx.client_id, "NO_PROXY": "*"}
        env["THREECX_XAPI_CLIENT_SECRET"] = pbx.client_secret
        result = CliRunner().invoke(cli, ["call", "ListUser", "--debug"], obj=Connection(), env=env)
        assert result.exit_code == 0, result.output
        assert_hidden({pbx.client_secret}, [result.output])
        sent: list[httpx.Request] = []
        args = {"trust_env": False, "event_hooks": {"request": [sent.append]}}
        with XapiClient(pbx.url, pbx.client_id, pbx.client_secret, basic_auth=True, httpx_args=args) as client:
            list_user.sync(client=client)
            assert_hidden({pbx.client_secret}, texts_of(client, client.auth, client.auth.grant))

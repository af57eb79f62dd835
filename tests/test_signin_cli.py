"""`threecx-xapi login` once, then commands without the password: tokens in a 0600 file, refreshed as they rotate."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from signin_support import PASSWORD, Browser
from threecx_xapi.cli.commands import cli
from threecx_xapi.cli.connection import Connection, token_file
from threecx_xapi.testing import Emulator

NO_CREDENTIALS = {
    name: None
    for name in (
        "THREECX_XAPI_CLIENT_ID",
        "THREECX_XAPI_CLIENT_SECRET",
        "THREECX_XAPI_USERNAME",
        "THREECX_XAPI_PASSWORD",
        "THREECX_XAPI_SECURITY_CODE",
    )
}


@pytest.fixture
def pbx() -> Emulator:
    return Emulator(collection_size=2)


@pytest.fixture
def tokens(tmp_path: Path) -> Path:
    return tmp_path / "state" / "tokens.json"


def run(pbx: Emulator, tokens: Path, *args: str, input: str | None = None, **env: str) -> Result:
    environment: dict[str, str | None] = {**NO_CREDENTIALS, "THREECX_XAPI_URL": pbx.url}
    environment.update(THREECX_XAPI_TOKEN_FILE=str(tokens), NO_PROXY="*", **env)
    connection = Connection(transport=pbx.transport()) if pbx.url == "http://127.0.0.1" else Connection()
    return CliRunner().invoke(cli, list(args), obj=connection, env=environment, input=input)


def stored(tokens: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(tokens.read_text())
    return data


def test_login_asks_for_the_user_and_keeps_the_tokens_in_a_file_only_its_owner_reads(
    pbx: Emulator, tokens: Path
) -> None:
    pbx.accounts.add("200", PASSWORD, second_factor=True)
    result = run(pbx, tokens, "login", input=f"200\n{PASSWORD}\n{pbx.accounts.code('200')}\n")
    assert result.exit_code == 0, result.output
    assert "Second-factor code" in result.stderr and "signed in as user '200'" in result.stderr
    assert stat.S_IMODE(tokens.stat().st_mode) == 0o600 and stat.S_IMODE(tokens.parent.stat().st_mode) == 0o700
    assert stored(tokens)["account"] == {"username": "200"} and stored(tokens)["refresh_token"]
    assert PASSWORD not in tokens.read_text()


def test_later_commands_run_without_the_password_and_keep_the_rotated_refresh_token(
    pbx: Emulator, tokens: Path
) -> None:
    assert (
        run(pbx, tokens, "login", THREECX_XAPI_USERNAME="100", THREECX_XAPI_PASSWORD=pbx.accounts.password).exit_code
        == 0
    )
    first = stored(tokens)["refresh_token"]
    listed = run(pbx, tokens, "call", "ListUser", "--select", "Id")
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.stdout) == [{"Id": 1}, {"Id": 2}]
    pbx.expire_tokens()
    assert run(pbx, tokens, "call", "ListUser", "--select", "Id").exit_code == 0
    second = stored(tokens)["refresh_token"]
    assert second != first
    pbx.expire_tokens()
    assert run(pbx, tokens, "call", "ListUser", "--select", "Id").exit_code == 0  # the newest one was used
    assert [request.operation_id for request in pbx.requests].count("login") == 1
    assert [request.status for request in pbx.requests if request.operation_id == "token"] == [200, 200]


def test_a_wrong_password_is_one_error_line_and_no_file(pbx: Emulator, tokens: Path) -> None:
    result = run(pbx, tokens, "login", input="100\nnot it\n")
    assert result.exit_code == 2
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .startswith("error: AuthFailed: the PBX refused user '100': wrong username")
    )
    assert not tokens.exists()


def test_a_refused_refresh_token_says_to_sign_in_again_and_is_forgotten(pbx: Emulator, tokens: Path) -> None:
    assert run(pbx, tokens, "login", input=f"100\n{pbx.accounts.password}\n").exit_code == 0
    tokens.write_text(json.dumps({**stored(tokens), "refresh_token": "revoked", "refresh_at": 0}))
    result = run(pbx, tokens, "call", "ListUser")
    assert result.exit_code == 2 and "sign in again" in result.stderr
    again = run(pbx, tokens, "call", "ListUser")
    assert again.exit_code == 2 and "threecx-xapi login" in again.stderr
    assert [request.operation_id for request in pbx.requests].count("token") == 1  # asked once, never in a loop


def test_logout_forgets_the_tokens(pbx: Emulator, tokens: Path) -> None:
    assert run(pbx, tokens, "login", input=f"100\n{pbx.accounts.password}\n").exit_code == 0
    assert run(pbx, tokens, "logout").exit_code == 0 and not tokens.exists()
    result = run(pbx, tokens, "call", "ListUser")
    assert result.exit_code == 2 and "missing --client-id" in result.stderr


def test_login_in_the_browser_for_an_app(tokens: Path) -> None:
    with Emulator(collection_size=2) as pbx:
        browser = Browser(pbx.accounts.username, pbx.accounts.password)
        environment: dict[str, str | None] = {**NO_CREDENTIALS, "THREECX_XAPI_URL": pbx.url, "NO_PROXY": "*"}
        environment["THREECX_XAPI_TOKEN_FILE"] = str(tokens)
        result = CliRunner().invoke(
            cli,
            ["login", "--browser", "--client-id", pbx.client_id, "--timeout", "20"],
            obj=Connection(open_browser=browser),
            env=environment,
        )
        assert result.exit_code == 0, result.output
        assert len(browser.visited) == 1 and stored(tokens)["account"] == {"client_id": pbx.client_id}
        listed = CliRunner().invoke(cli, ["call", "ListUser", "--select", "Id"], obj=Connection(), env=environment)
        assert listed.exit_code == 0, listed.output
        assert [request.operation_id for request in pbx.requests] == ["authorize", "token", "ListUser"]


def test_login_in_the_browser_needs_the_apps_client_id(pbx: Emulator, tokens: Path) -> None:
    result = run(pbx, tokens, "login", "--browser")
    assert result.exit_code == 2 and "--client-id" in result.stderr


def test_the_token_file_is_one_per_pbx_under_the_state_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("THREECX_XAPI_TOKEN_FILE", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert token_file("https://pbx.example.com:5001/xapi/v1") == tmp_path / "threecx-xapi" / "pbx.example.com_5001.json"
    assert token_file("https://other.example.com") != token_file("https://pbx.example.com")


@pytest.fixture(autouse=True)
def _no_user_state(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))  # never the real user's tokens
    yield

"""`threecx-xapi login` and `logout`: sign in once as a user (or in the browser, for an app) and keep the
tokens in a file only you can read, so that later commands run without the password."""

from __future__ import annotations

import contextlib
import webbrowser
from typing import Any

import click

from .._token_store import FileTokenStore
from .connection import Connection, Credentials, ask_security_code, library_debug_log, token_file
from .errors import InputError


@click.command()
@click.option("--browser", is_flag=True, help="Sign in in the browser: authorization code with PKCE (--client-id).")
@click.option("--port", default=0, show_default=True, help="The loopback port the browser returns to (0: any free).")
@click.option("--timeout", default=300.0, show_default=True, help="Seconds to wait for the browser sign-in.")
@click.pass_obj
def login(
    connection: Connection,
    browser: bool,
    port: int,
    timeout: float,
    url: str | None,
    client_id: str | None,
    client_secret: str | None,
    debug: bool,
) -> None:
    """Sign in and keep the tokens for later commands (refreshed and rewritten as they rotate).

    As a user: the username and password come from THREECX_XAPI_USERNAME and THREECX_XAPI_PASSWORD or are asked
    for, and a second-factor code is asked for when the account has one. With --browser, the PBX's sign-in page
    opens for the app --client-id, and the PBX redirects back to this machine (127.0.0.1 only).
    """
    credentials = Credentials(url, client_id, client_secret)
    if not url:
        raise InputError("missing --url (or THREECX_XAPI_URL)")
    path = token_file(url)
    arguments: dict[str, Any]
    if browser:
        if not client_id:
            raise InputError("--browser needs --client-id (the app's client id) or THREECX_XAPI_CLIENT_ID")
        who = f"app {client_id!r}"
        arguments = {"client_id": client_id, "token_store": FileTokenStore(path, account={"client_id": client_id})}
    else:
        username = credentials.username or click.prompt("Username", err=True)
        password = credentials.password or click.prompt("Password", hide_input=True, err=True)
        who = f"user {username!r}"
        arguments = {
            "username": username,
            "password": password,
            "security_code": credentials.security_code,
            "security_code_prompt": ask_security_code,
            "token_store": FileTokenStore(path, account={"username": username}),
        }
    with library_debug_log() if debug else contextlib.nullcontext():
        with connection.make_client(credentials, debug=debug, arguments=arguments) as client:
            if browser:
                client.sign_in_with_browser(open_browser=connection.open_browser or _show, port=port, timeout=timeout)
            else:
                client.sign_in()
    click.echo(f"signed in as {who} at {client.root_url}; tokens kept in {path}", err=True)


@click.command()
@click.option("--url", envvar="THREECX_XAPI_URL", help="The PBX address [env THREECX_XAPI_URL].")
def logout(url: str | None) -> None:
    """Forget the tokens `login` kept for this PBX."""
    if not url:
        raise InputError("missing --url (or THREECX_XAPI_URL)")
    path = token_file(url)
    FileTokenStore(path).remove()
    click.echo(f"signed out: {path} removed", err=True)


def _show(authorize_url: str) -> None:
    click.echo(f"Sign in at: {authorize_url}", err=True)
    webbrowser.open(authorize_url)

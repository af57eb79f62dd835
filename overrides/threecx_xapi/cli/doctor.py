"""`threecx-xapi doctor`: check a connection to a PBX, one line per check, and say what to fix."""

from __future__ import annotations

import contextlib
import json
import os
import ssl
import sys
from typing import Any, TextIO

import click

from ..client import XapiClient
from ..doctor import FAIL, PASS, SKIP, WARN, diagnose, report_text
from .connection import URL_VARIABLE, Connection, Credentials, library_debug_log
from .errors import InputError

_NO = ("false", "no", "0", "off")


def verify_setting(value: str | None) -> Any:
    """--verify: a CA file (PEM) to trust, or false to skip the check; unset: the system's trusted CAs."""
    if value is None:
        return True
    if value.strip().lower() in _NO:
        return False
    try:
        return ssl.create_default_context(cafile=os.fspath(value))
    except (OSError, ssl.SSLError) as exc:
        raise InputError(f"--verify {value!r} is not a readable PEM certificate file: {exc}") from None


def _report_file(path: str) -> TextIO:
    try:
        return open(path, "w", encoding="utf-8")  # noqa: SIM115 - closed by the command's ExitStack
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None


@click.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object: every check and what was observed.")
@click.option(
    "--report",
    "report_path",
    metavar="FILE",
    help="Write where this PBX differs from the emulator, redacted (no secrets, tokens or row values).",
)
@click.option("--verify", metavar="CAFILE|false", help="Trust this CA file (a self-signed PBX), or false: no check.")
@click.pass_obj
def doctor(
    connection: Connection,
    as_json: bool,
    report_path: str | None,
    verify: str | None,
    url: str | None,
    client_id: str | None,
    client_secret: str | None,
    debug: bool,
) -> None:
    """Check the connection to a PBX: address, sign-in, version, permissions and behaviour.

    Read-only: it asks for a token and sends GETs, nothing else. Each line: the verdict (ok, warn, fail,
    skip), the check, what was tried and seen, and the fix. Exit status 0 when everything needed works,
    1 when a check failed, 2 for bad input.
    """
    credentials = Credentials(url, client_id, client_secret)
    if not url:
        raise InputError(f"missing --url (or {URL_VARIABLE})")
    verify_value = verify_setting(verify)
    connection.make_client(credentials).close()  # missing or bad credentials of any sign-in kind: bad input, now
    with contextlib.ExitStack() as stack:
        # The report's file is opened first: a path that cannot be written is bad input, before the run.
        report = stack.enter_context(_report_file(report_path)) if report_path is not None else None
        if debug:
            stack.enter_context(library_debug_log())

        def make_client(extra: dict[str, Any]) -> XapiClient:
            return connection.make_client(credentials, debug=debug, httpx_args={**extra, "verify": verify_value})

        try:
            diagnosis = diagnose(url, make_client, verify=verify_value)
        except ValueError as exc:
            raise InputError(str(exc)) from None
        if report is not None:
            report.write(report_text(diagnosis))
            click.echo(f"doctor: report written to {report_path}", err=True)
    if as_json:
        click.echo(json.dumps(diagnosis.to_dict(), indent=2))
    else:
        for check in diagnosis.checks:
            click.echo(check.line())
        counts = {
            verdict: sum(check.verdict == verdict for check in diagnosis.checks) for verdict in (PASS, WARN, FAIL, SKIP)
        }
        click.echo("doctor: " + ", ".join(f"{count} {verdict}" for verdict, count in counts.items()), err=True)
    sys.exit(diagnosis.exit_status)

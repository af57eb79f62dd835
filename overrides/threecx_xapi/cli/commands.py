"""The `threecx-xapi` commands: ops, call, version, emulator, login, logout."""

from __future__ import annotations

import contextlib
import itertools
import sys
from collections.abc import Callable, Iterator
from typing import Any, TextIO, TypeVar

import click

from .. import registry
from .._pinned import PACKAGE_VERSION, SPEC_SHA256, XAPI_VERSION
from ..errors import XapiError
from . import calls, output
from .connection import (
    CLIENT_ID_VARIABLE,
    CLIENT_SECRET_VARIABLE,
    URL_VARIABLE,
    Connection,
    Credentials,
    library_debug_log,
)
from .errors import EXIT_ERROR, InputError
from .login import login, logout

F = TypeVar("F", bound=Callable[..., Any])


class XapiCommandLine(click.Group):
    """Every failure is one line on stderr, `error: ...`, with exit status 2 (help and usage included)."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            code = super().main(*args, **kwargs)
        except click.ClickException as exc:
            fail(exc.format_message(), exc.exit_code)
        except XapiError as exc:
            fail(str(exc))
        except click.Abort:
            fail("interrupted", 130)
        sys.exit(code if isinstance(code, int) else 0)


def fail(message: str, code: int = EXIT_ERROR) -> None:
    click.echo(f"error: {' '.join(message.split())}", err=True)
    sys.exit(code)


def connection_options(command: F) -> F:
    """--url, --client-id and --client-secret, each defaulting to its THREECX_XAPI_* variable."""
    options = [
        click.option("--url", envvar=URL_VARIABLE, help=f"The PBX address [env {URL_VARIABLE}]."),
        click.option("--client-id", envvar=CLIENT_ID_VARIABLE, help=f"The API client id [env {CLIENT_ID_VARIABLE}]."),
        click.option(
            "--client-secret",
            envvar=CLIENT_SECRET_VARIABLE,
            help=f"The API client secret; prefer the variable [env {CLIENT_SECRET_VARIABLE}].",
        ),
        click.option("--debug", is_flag=True, help="Log each request and response on stderr (never secrets)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@click.group(cls=XapiCommandLine, context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def cli(context: click.Context) -> None:
    """Call any 3CX XAPI operation from the shell: `ops` to find it, `call` to run it."""
    context.ensure_object(Connection)


@cli.command()
@click.argument("text", required=False)
@click.option("--params", is_flag=True, help="Also list each operation's parameters, with what they mean.")
def ops(text: str | None, params: bool) -> None:
    """Every operation, or those whose id, path, tag or summary contains TEXT (any case).

    One line each, tab-separated: operation id, method, path, tag, summary. With --params, each parameter
    follows on an indented line: name, Python name, OData type (", may be null"), meaning.
    """
    needle = (text or "").lower()
    found = [
        operation
        for operation in registry.operations()
        if needle in " ".join((operation.operation_id, operation.path, operation.tag, operation.summary)).lower()
    ]
    for operation in found:
        fields = (operation.operation_id, operation.method, operation.path, operation.tag, operation.summary)
        click.echo("\t".join(fields))
        for parameter in operation.parameters if params else ():
            kind = parameter.edm_type + (", may be null" if parameter.nullable else "")
            click.echo("\t".join(("  " + parameter.name, parameter.python_name, kind, parameter.description)))
    if not found:
        click.echo(f"no operation matches {text!r}", err=True)
        sys.exit(1)


class Progress:
    """Rows written so far, on one stderr line: rewritten in place on a terminal, else written at the end."""

    def __init__(self, label: str, stream: TextIO) -> None:
        self.label = label
        self.stream = stream
        self.live = stream.isatty()
        self.rows = 0
        self.pages = 0

    def line(self) -> str:
        rows, pages = ("row" if self.rows == 1 else "rows"), ("page" if self.pages == 1 else "pages")
        return f"{self.label}: {self.rows} {rows}, {self.pages} {pages}"

    def count(self, pages: Iterator[list[output.Row]]) -> Iterator[list[output.Row]]:
        for page in pages:
            yield page
            self.rows += len(page)
            self.pages += 1
            if self.live:
                self.stream.write("\r" + self.line())
                self.stream.flush()

    def finish(self) -> None:
        self.stream.write(("\r" if self.live else "") + self.line() + "\n")


@contextlib.contextmanager
def _destination(path: str | None) -> Iterator[TextIO]:
    if path is None:
        yield sys.stdout
        return
    try:
        stream = open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None
    with stream:
        yield stream


def write(result: calls.Result, stream: TextIO, format_: str) -> int:
    def warn(message: str) -> None:
        click.echo(f"warning: {message}", err=True)

    if format_ == "jsonl":
        return output.write_jsonl(result.pages, stream)
    if format_ == "csv":
        return output.write_csv(result.pages, stream, warn=warn)
    return output.write_json(result.pages, stream, collection=result.collection)


@cli.command()
@click.argument("operation_id")
@click.option("--param", "-p", "assignments", multiple=True, metavar="NAME=VALUE", help="A parameter (repeatable).")
@click.option("--body", metavar="JSON|@FILE", help="The request body: JSON text, @file.json, or @- for stdin.")
@click.option("--select", metavar="A,B", help="$select: the properties to return.")
@click.option("--filter", "filter_", metavar="EXPR", help="$filter: an OData filter expression.")
@click.option("--orderby", metavar="A desc,B", help="$orderby: the sort order.")
@click.option("--top", metavar="N", help="$top: at most N rows (with --all: the page size).")
@click.option("--skip", metavar="N", help="$skip: skip the first N rows.")
@click.option("--all", "all_pages", is_flag=True, help="Every row of a collection, page by page.")
@click.option("--format", "format_", type=click.Choice(output.FORMATS), default="json", show_default=True)
@click.option("--output", "-o", "output_path", metavar="FILE", help="Write to FILE instead of stdout.")
@connection_options
@click.pass_obj
def call(
    connection: Connection,
    operation_id: str,
    assignments: tuple[str, ...],
    body: str | None,
    select: str | None,
    filter_: str | None,
    orderby: str | None,
    top: str | None,
    skip: str | None,
    all_pages: bool,
    format_: str,
    output_path: str | None,
    url: str | None,
    client_id: str | None,
    client_secret: str | None,
    debug: bool,
) -> None:
    """Run OPERATION_ID (see `ops`) and write its rows: a collection's items, or the object returned.

    Parameters take the document's name or the Python one (periodFrom or period_from); values are read
    as the parameter's type: integers, true/false, date-times with an offset or Z, GUIDs, comma lists,
    and null where the document allows it. Bad input is reported before anything is sent.

    CSV columns are the keys of the first page (later pages are written as they arrive); nested values
    are JSON. Use --select to fix the columns, or --format jsonl to keep every key.
    """
    options = {"select": select, "filter": filter_, "orderby": orderby, "top": top, "skip": skip}
    prepared = calls.prepare(operation_id, assignments, options, body=body, all_pages=all_pages)
    credentials = Credentials(url, client_id, client_secret)
    with contextlib.ExitStack() as stack:
        if debug:
            stack.enter_context(library_debug_log())
        client = stack.enter_context(connection.make_client(credentials, debug=debug))
        try:
            result = calls.fetch(prepared, client)
            progress = Progress(operation_id, sys.stderr) if all_pages else None
            pages = progress.count(result.pages) if progress else result.pages
            first = next(pages, None)  # the first request answers before any output file is created
            result = calls.Result(result.collection, itertools.chain([first] if first is not None else [], pages))
            with _destination(output_path) as stream:
                write(result, stream, format_)
            if progress:
                progress.finish()
        except (TypeError, ValueError) as exc:
            raise InputError(f"{type(exc).__name__}: {exc}") from None


@cli.command()
@connection_options
@click.pass_obj
def version(
    connection: Connection, url: str | None, client_id: str | None, client_secret: str | None, debug: bool
) -> None:
    """This package, the pinned document, and the PBX's X-3CX-Version (when a PBX is configured)."""
    click.echo(f"threecx-xapi {PACKAGE_VERSION}")
    click.echo(f"document: XAPI {XAPI_VERSION} (sha256 {SPEC_SHA256[:16]}, {len(registry.operations())} operations)")
    if not url:
        click.echo(f"pbx: not asked (set {URL_VARIABLE} or --url)")
        return
    from ..api.system_status import get_system_status

    with contextlib.ExitStack() as stack:
        if debug:
            stack.enter_context(library_debug_log())
        client = stack.enter_context(connection.make_client(Credentials(url, client_id, client_secret), debug=debug))
        status = get_system_status.sync(client=client)
        reported = client.server_version or getattr(status, "version", None)
    click.echo(f"pbx: XAPI {reported or 'unknown (no X-3CX-Version header)'} at {client.root_url}")


@cli.command()
@click.option("--port", default=8080, show_default=True, help="The port on 127.0.0.1; 0 picks a free one.")
@click.option("--seed", default=0, show_default=True, help="Seed of the emulator's generated data.")
@click.option("--collection-size", default=25, show_default=True, help="Entities per set and rows per report.")
@click.option("--client-id", default="threecx-xapi-emulator", show_default=True, help="The client id it accepts.")
@click.option("--client-secret", default=None, help="The client secret it accepts (default: a new random one).")
@click.option("--version", "server_version", default=None, help="The X-3CX-Version it answers (e.g. 20.0.9.1234).")
def emulator(
    port: int, seed: int, collection_size: int, client_id: str, client_secret: str | None, server_version: str | None
) -> None:
    """Serve the local XAPI emulator until Ctrl-C, printing how to connect to it."""
    try:
        from ..testing import Emulator
    except ImportError as exc:
        raise InputError(f"the emulator needs pip install 'threecx-xapi[emulator]' ({exc})") from None
    if collection_size < 0:
        raise InputError(f"--collection-size must be 0 or more, got {collection_size}")
    settings = Emulator(
        port=port,
        seed=seed,
        collection_size=collection_size,
        client_id=client_id,
        client_secret=client_secret,
        server_version=server_version,
    )
    try:
        pbx = settings.start()
    except OSError as exc:
        raise InputError(
            f"cannot serve on 127.0.0.1:{port}: {exc.strerror or exc} (try another --port, or 0)"
        ) from None
    # The one place a secret is printed: the emulator's own, so a user can connect to it.
    click.echo(f"export {URL_VARIABLE}={pbx.url}")
    click.echo(f"export {CLIENT_ID_VARIABLE}={pbx.client_id}")
    click.echo(f"export {CLIENT_SECRET_VARIABLE}={pbx.client_secret}")
    click.echo(
        f"a user to sign in as (threecx-xapi login): {pbx.accounts.username} / {pbx.accounts.password}", err=True
    )
    click.echo(f"XAPI emulator serving {pbx.url} until Ctrl-C", err=True)
    sys.stdout.flush()
    try:
        pbx.serve_forever()
    except KeyboardInterrupt:
        click.echo("stopped", err=True)


cli.add_command(connection_options(login))
cli.add_command(logout)

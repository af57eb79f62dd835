"""`threecx-xapi fleet check|call FLEET_FILE ...`: one operation on every PBX of a fleet file.

    threecx-xapi fleet check fleet.toml GetCallLogData ListCallFlowApp
    threecx-xapi fleet call fleet.toml GetCallLogData --param periodFrom=... --all --format csv --output out/

`call` checks its input once, before anything is sent, then writes one file per PBX (`out/<name>.csv`,
each written to a temporary file and renamed when complete; or with `--output calls.csv` one file with a PBX
column), shows progress on stderr and ends with a summary
table (rows, seconds, error). Exit status: 0 when every PBX succeeded, 1 when any failed, 2 for bad input,
130 when interrupted (the PBXs that finished are in the summary and their files are written).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

import click

from .. import versions
from ..fleet import Fleet, FleetFileError, FleetInterrupted, FleetResult, Pbx, PbxResult
from . import calls, output
from .errors import EXIT_ERROR, InputError
from .files import AtomicOutput

EXIT_FAILED = 1
EXIT_INTERRUPTED = 130
SUFFIXES = {"json": ".json", "jsonl": ".jsonl", "csv": ".csv"}


def load(path: str, settings: dict[str, Any]) -> Fleet:
    try:
        return Fleet.from_file(path, **{key: value for key, value in settings.items() if value is not None})
    except FleetFileError as exc:
        raise InputError(str(exc)) from None
    except ValueError as exc:
        raise InputError(f"{path}: {exc}") from None


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max([len(header), *(len(row[i]) for row in rows)]) for i, header in enumerate(headers)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * width for width in widths))
    lines += ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(line.rstrip() for line in lines)


class FleetProgress:
    """`[####----] N/M PBXs, F failed, R rows` on one stderr line: redrawn on a terminal, else once at the end."""

    def __init__(self, label: str, total: int, stream: TextIO) -> None:
        self.label, self.total, self.stream = label, total, stream
        self.live = stream.isatty()
        self.done = self.failed = self.rows = 0

    WIDTH = 20

    def line(self) -> str:
        filled = self.WIDTH * self.done // self.total if self.total else self.WIDTH
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        return f"{self.label} [{bar}] {self.done}/{self.total} PBXs, {self.failed} failed, {self.rows} rows"

    def finished(self, result: PbxResult[int]) -> None:
        self.done += 1
        self.failed += result.error is not None
        self.rows += result.value or 0
        if self.live:
            self.stream.write("\r" + self.line())
            self.stream.flush()

    def finish(self) -> None:
        self.stream.write(("\r" if self.live else "") + self.line() + "\n")


def _warn(message: str) -> None:
    click.echo(f"warning: {message}", err=True)


def write_atomically(path: Path, pages: Iterable[list[output.Row]], format_: str, collection: bool) -> int:
    """The rows into `path` through the CLI's one atomic output: a reader never sees half a file."""
    with AtomicOutput(str(path)).text() as stream:
        if format_ == "jsonl":
            return output.write_jsonl(pages, stream)
        if format_ == "csv":
            return output.write_csv(pages, stream, warn=lambda message: click.echo(f"warning: {message}", err=True))
        return output.write_json(pages, stream, collection=collection)


def _rows_job(prepared: calls.PreparedCall, folder: Path, format_: str) -> Any:
    async def job(pbx: Pbx) -> int:
        arguments = dict(prepared.arguments)
        if prepared.all_pages:
            page_size = arguments.pop("top", calls.DEFAULT_PAGE_SIZE)
            pages: list[list[output.Row]] = [[]]
            async for item in pbx.aiterate(prepared.module, page_size=page_size, **arguments):
                if len(pages[-1]) == page_size:
                    pages.append([])
                pages[-1].append(calls.as_json(item))
            collection = True
        else:
            data = calls.as_json(await pbx.call(prepared.module, **arguments))
            collection = isinstance(data, dict) and isinstance(data.get("value"), list)
            pages = [data["value"]] if collection else [[] if data is None else [data]]
        return write_atomically(folder / f"{pbx.name}{SUFFIXES[format_]}", pages, format_, collection)

    return job


def summary(result: FleetResult[int]) -> str:
    rows = [
        [
            item.name,
            item.version or "",
            item.status,
            "" if item.value is None else str(item.value),
            "" if item.cancelled else f"{item.seconds:.2f}",
            item.error_text,
        ]
        for item in result
    ]
    return table(["PBX", "version", "status", "rows", "seconds", "error"], rows)


@click.group()
def fleet() -> None:
    """One operation on every PBX of a fleet file (TOML or YAML; see the README's fleet section)."""


def _fleet_options(command: Any) -> Any:
    for option in reversed(
        [
            click.option("--concurrency", type=click.IntRange(min=1), help="PBXs at once [fleet file, else 10]."),
            click.option("--per-pbx", type=click.IntRange(min=1), help="Requests in flight to one PBX [else 2]."),
            click.option("--timeout", type=click.FloatRange(min=0, min_open=True), help="Seconds per PBX [300]."),
        ]
    ):
        command = option(command)
    return command


@fleet.command()
@click.argument("fleet_file")
@click.argument("operation_ids", nargs=-1, required=True)
@_fleet_options
def check(
    fleet_file: str, operation_ids: tuple[str, ...], concurrency: int | None, per_pbx: int | None, timeout: float | None
) -> None:
    """Which PBXs of FLEET_FILE can run each OPERATION_ID, from each PBX's 3CX version (one request each).

    Exit status 1 when a PBX cannot run one of them or could not be asked.
    """
    for operation_id in operation_ids:
        calls.find_operation(operation_id)
    loaded = load(fleet_file, {"concurrency": concurrency, "per_pbx": per_pbx, "timeout": timeout})

    async def job(pbx: Pbx) -> str | None:
        return await pbx.learn_version()

    result = _run(loaded, job)
    rows, notes, short = [], [], False
    for item in result:
        cells = [item.name, item.value or "", "" if item.ok else item.error_text]
        for operation_id in operation_ids:
            problem = versions.problem(operation_id, item.value) if item.ok else None
            if not item.ok:
                cells.append("?")
            elif problem is None:
                cells.append("yes")
            else:
                cells.append("no")
                notes.append(f"{item.name}: {problem.message}")
            short = short or not item.ok or problem is not None
        rows.append(cells)
    click.echo(table(["PBX", "version", "error", *operation_ids], rows))
    for note in notes:
        click.echo(note)
    if short:
        sys.exit(EXIT_FAILED)


@fleet.command()
@click.argument("fleet_file")
@click.argument("operation_id")
@click.option("--param", "-p", "assignments", multiple=True, metavar="NAME=VALUE", help="A parameter (repeatable).")
@click.option("--select", metavar="A,B", help="$select: the properties to return.")
@click.option("--filter", "filter_", metavar="EXPR", help="$filter: an OData filter expression.")
@click.option("--orderby", metavar="A desc,B", help="$orderby: the sort order.")
@click.option("--top", metavar="N", help="$top: at most N rows (with --all: the page size).")
@click.option("--all", "all_pages", is_flag=True, help="Every row of a collection, page by page.")
@click.option("--format", "format_", type=click.Choice(output.FORMATS), default="json", show_default=True)
@click.option(
    "--output",
    "-o",
    "output_dir",
    required=True,
    metavar="DIR|FILE",
    help="DIR: one file per PBX in it; FILE ending in the format's suffix (.csv): one file with a PBX column.",
)
@_fleet_options
def call(
    fleet_file: str,
    operation_id: str,
    assignments: tuple[str, ...],
    select: str | None,
    filter_: str | None,
    orderby: str | None,
    top: str | None,
    all_pages: bool,
    format_: str,
    output_dir: str,
    concurrency: int | None,
    per_pbx: int | None,
    timeout: float | None,
) -> None:
    """Run OPERATION_ID on every PBX of FLEET_FILE, writing DIR/<pbx>.<format> (or one FILE with a PBX
    column), then a summary table.

    Parameters are read as for `threecx-xapi call`. Exit status 1 when any PBX failed.
    """
    options = {"select": select, "filter": filter_, "orderby": orderby, "top": top, "skip": None}
    prepared = calls.prepare(operation_id, assignments, options, all_pages=all_pages)
    loaded = load(fleet_file, {"concurrency": concurrency, "per_pbx": per_pbx, "timeout": timeout})
    target = Path(output_dir)
    one_file = target.suffix == SUFFIXES[format_] and not target.is_dir()
    folder = target.parent if one_file else target
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create the output folder {folder}: {exc.strerror or exc}") from None
    progress = FleetProgress(prepared.operation.operation_id, len(loaded), sys.stderr)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=".fleet-", dir=folder) as parts:
        # One file: each PBX's rows go to a JSON-lines part first, joined in the fleet's order at the end.
        job = _rows_job(prepared, Path(parts), "jsonl") if one_file else _rows_job(prepared, folder, format_)
        result = _run(loaded, job, progress)
        progress.finish()
        if one_file:
            write_atomically(target, _joined(result, Path(parts)), format_, collection=True)
    click.echo(summary(result))
    failed = len(result.failed)
    click.echo(
        f"{len(result) - failed} of {len(result)} PBXs ok, {sum(item.value or 0 for item in result)} rows "
        f"in {time.perf_counter() - started:.1f} s; {'written to' if one_file else 'files in'} {target}"
    )
    if failed:
        sys.exit(EXIT_FAILED)


def _joined(result: FleetResult[int], parts: Path) -> Iterator[list[output.Row]]:
    """Every PBX's rows from its part, in the fleet's order, each with a PBX column first; a page at a time."""
    for item in result.ok:
        with (parts / f"{item.name}.jsonl").open(encoding="utf-8") as part:
            page: list[output.Row] = []
            for line in part:
                page.append({"PBX": item.name, **json.loads(line)})
                if len(page) == calls.DEFAULT_PAGE_SIZE:
                    yield page
                    page = []
            if page:
                yield page


def _run(loaded: Fleet, job: Any, progress: FleetProgress | None = None) -> FleetResult[Any]:
    """The fleet's result; after Ctrl-C, the summary of what finished and exit status 130."""
    try:
        return loaded.run_sync(job, on_result=progress.finished if progress else None)
    except FleetInterrupted as interrupted:
        if progress is not None:
            progress.finish()
        click.echo(summary(interrupted.result))
        click.echo(f"error: interrupted: {len(interrupted.result.finished)} of {len(loaded)} PBXs finished", err=True)
        sys.exit(EXIT_INTERRUPTED)


__all__ = ["EXIT_ERROR", "fleet"]

"""The version check: the PBX's X-3CX-Version against the document this build was generated from."""

from __future__ import annotations

import importlib
import re
from types import ModuleType

from .. import registry
from .._pinned import XAPI_VERSION
from ._model import PASS, WARN, Diagnosis
from ._probe import Answer, Probe

_VERSION = re.compile(r"^\d+(\.\d+)*$")
SHOWN = 5  # operation ids named in a line; the rest are counted


def _versions_table() -> ModuleType | None:
    """`threecx_xapi.versions`, the operations-by-version table, when this build carries it."""
    try:
        return importlib.import_module("threecx_xapi.versions")
    except ImportError:
        return None


def operation_changes(reported: str) -> tuple[list[str], list[str]] | None:
    """(operations of this build the PBX's release lacks, operations it has that this build lacks), or None when
    the package does not know that release's operations."""
    table = _versions_table()
    theirs = set(table.operations_in(reported)) if table is not None else set()
    if not theirs:
        return None
    ours = {operation.operation_id for operation in registry.operations()}
    return sorted(ours - theirs), sorted(theirs - ours)


def _named(operation_ids: list[str]) -> str:
    shown = ", ".join(operation_ids[:SHOWN])
    return shown + (f" and {len(operation_ids) - SHOWN} more" if len(operation_ids) > SHOWN else "")


def release(version: str) -> tuple[int, ...]:
    """`20.0.10.1621` -> (20, 0, 10): the release, without the build number."""
    return tuple(int(part) for part in version.split(".")[:3])


def check_version(diagnosis: Diagnosis, probe: Probe, answer: Answer) -> None:
    tried = f"X-3CX-Version against this build's XAPI {XAPI_VERSION}"
    reported = answer.headers.get("X-3CX-Version") or probe.client.server_version
    if not reported or not _VERSION.match(reported.strip()):
        diagnosis.add(
            "version",
            tried,
            WARN,
            f"the answer carries no usable X-3CX-Version ({reported!r})",
            "is this a 3CX V20 PBX? V18 and earlier have no XAPI; a proxy may also drop the header",
        )
        return
    reported = reported.strip()
    diagnosis.observed["server_version"] = reported
    pbx, pinned = release(reported), release(XAPI_VERSION)
    if pbx == pinned:
        diagnosis.add("version", tried, PASS, f"the PBX runs {reported}, the release this build was made for")
        return
    older = pbx < pinned
    detail = f"the PBX runs {reported}, {'older' if older else 'newer'} than this build's {XAPI_VERSION}"
    fix = (
        "build a wheel for the PBX's release (`make wheel SPEC=...`, README: Pinning a 3CX version); "
        "`python -m generator diff pinned https://<pbx>/xapi/v1/swagger.yaml` in a checkout tells every change"
    )
    changes = operation_changes(reported)
    if changes is None:
        # Without the table, which operations an other release has is not known here.
        detail += f"; the operation set of {'.'.join(map(str, pbx))} is not known to this package: "
        detail += (
            "operations and fields added since answer 404 or are left out"
            if older
            else ("what it added is not in this package, what it removed answers 404")
        )
        diagnosis.add("version", tried, WARN, detail, fix)
        return
    missing, extra = changes
    diagnosis.observed["operations_missing"] = len(missing)
    diagnosis.observed["operations_extra"] = len(extra)
    if missing:
        detail += f"; breaking: {len(missing)} operation(s) of this build are not on the PBX ({_named(missing)})"
    if extra:
        detail += f"; not breaking: {len(extra)} operation(s) of the PBX are not in this build ({_named(extra)})"
    if not (missing or extra):
        detail += "; the same operations"
    diagnosis.add("version", tried, WARN, detail, fix)

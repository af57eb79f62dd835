"""The version check: the PBX's X-3CX-Version against the document this build was generated from."""

from __future__ import annotations

import re

from .._pinned import XAPI_VERSION
from ._model import PASS, WARN, Diagnosis
from ._probe import Answer, Probe

_VERSION = re.compile(r"^\d+(\.\d+)*$")


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
    # The package carries one document's operations; which of them an other release lacks is not known here.
    detail = (
        f"the PBX runs {reported}, {'older' if older else 'newer'} than this build's {XAPI_VERSION}; "
        f"the operation set of {'.'.join(map(str, pbx))} is not known to this package"
    )
    if older:
        detail += ": operations and fields added since answer 404 or are left out"
    else:
        detail += ": what it added is not in this package, what it removed answers 404"
    fix = (
        "see what changes with `python -m generator diff pinned https://<pbx>/xapi/v1/swagger.yaml` "
        "in a threecx-xapi checkout, then build a wheel for the PBX's release (`make wheel SPEC=...`, README: "
        "Pinning a 3CX version)"
    )
    diagnosis.add("version", tried, WARN, detail, fix)

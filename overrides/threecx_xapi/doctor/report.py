"""The `--report` file: where a PBX differs from the emulator's model, redacted for attaching to an issue.

It holds verdicts, counts, shapes and the PBX's release: no address, no secret, no token, no PBX message and
no value from a row. Its "emulator" entry holds the Emulator keyword arguments that behave as this PBX did,
so `Emulator.from_report(path)` makes the user's PBX a test.
"""

from __future__ import annotations

import json
from typing import Any

from .._pinned import PACKAGE_VERSION, XAPI_VERSION
from ._model import Diagnosis

REPORT_KIND = "threecx-xapi doctor report"
REPORT_FORMAT = 1
# The Emulator keyword arguments a report sets, named as the Emulator names them.
REPORT_SETTINGS = (
    "server_version",
    "token_lifetime",
    "expires_in_minutes",
    "top_limit",
    "max_page_size",
    "forbidden",
    "clock_offset",
)
# What the emulator does without settings; a report lists where the PBX did otherwise.
EMULATOR_DEFAULTS: dict[str, Any] = {
    "server_version": XAPI_VERSION,
    "token_lifetime": 3600.0,
    "expires_in_minutes": False,
    "top_limit": 100,
    "max_page_size": None,
    "forbidden": {},
    "clock_offset": 0.0,
}
# Seen and kept in the report, though the emulator does not model them (yet).
OBSERVED_ONLY = (
    "token_kind",
    "error_body",
    "download_content_type",
    "latency_ms",
    "operations_missing",
    "operations_extra",
)
EMULATOR_ANSWERS: dict[str, Any] = {
    "error_body": {"error": {"code": "string", "message": "string", "details": []}},
    "download_content_type": "application/json",
}


def _release(version: str) -> str:
    return ".".join(version.split(".")[:3])


def differences(observed: dict[str, Any]) -> list[str]:
    """One line per way the PBX behaved other than the emulator does by default."""
    lines = []
    for name in REPORT_SETTINGS:
        if name not in observed:
            continue
        seen, default = observed[name], EMULATOR_DEFAULTS[name]
        if name == "server_version":
            seen, default = _release(str(seen)), _release(default)
        if seen != default:
            lines.append(f"{name}: the PBX {json.dumps(seen)}, the emulator {json.dumps(default)}")
    for name, emulated in EMULATOR_ANSWERS.items():
        if name in observed and observed[name] != emulated:
            lines.append(
                f"{name} (not modelled): the PBX {json.dumps(observed[name])}, the emulator {json.dumps(emulated)}"
            )
    return lines


def build_report(diagnosis: Diagnosis) -> dict[str, Any]:
    observed = diagnosis.observed
    return {
        "report": REPORT_KIND,
        "format": REPORT_FORMAT,
        "threecx_xapi": PACKAGE_VERSION,
        "document": XAPI_VERSION,
        "checks": [{"check": check.name, "verdict": check.verdict} for check in diagnosis.checks],
        "observed": {name: observed[name] for name in OBSERVED_ONLY if name in observed},
        "emulator": {name: observed[name] for name in REPORT_SETTINGS if name in observed},
        "differences": differences(observed),
    }


def report_text(diagnosis: Diagnosis) -> str:
    return json.dumps(build_report(diagnosis), indent=2, sort_keys=False) + "\n"

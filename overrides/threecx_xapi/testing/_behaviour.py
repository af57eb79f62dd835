"""Where the emulated PBX departs from the document as a user's PBX may: 403 on areas the API client may not
read, a clock that is not this machine's, and which paths cap `$top` (the paging itself is the handler's).

Each rule is a small function the handler consults; the settings live in `Settings` (see `_handler`).
"""

from __future__ import annotations

import email.utils
import json
import os
from collections.abc import Iterable, Mapping
from typing import Any

from ..doctor.report import REPORT_SETTINGS

API_PATH = "/xapi/v1"
# Areas whose `$top` cap departs from the rule "entity sets capped, report functions not", as real PBXs were seen
# to answer: call history takes `$top=500` and more; the inbound-rules report refuses more than 100.
TOP_CAPPED_AREAS = {"CallHistoryView": False, "ReportInboundRules": True}
EVERY_AREA = "*"  # a `forbidden` key that refuses every area, as the console's IP restriction does


def area_of(raw_path: str) -> str:
    """The area a request reads: the first path segment after /xapi/v1 without its key (`Users(42)` -> Users)."""
    rest = raw_path[len(API_PATH) + 1 :] if raw_path.startswith(API_PATH + "/") else raw_path.lstrip("/")
    for separator in ("/", "("):
        rest = rest.split(separator, 1)[0]
    return rest


def top_capped(raw_path: str, *, function_result: bool) -> bool:
    """Whether the PBX refuses a `$top` above its limit on this path."""
    return TOP_CAPPED_AREAS.get(area_of(raw_path), not function_result)


def forbidden_areas(forbidden: Mapping[str, str] | Iterable[str], paths: Iterable[str]) -> dict[str, str]:
    """`forbidden` as {area: 403 message}; an area no path of the document has is a ValueError."""
    areas = dict(forbidden) if isinstance(forbidden, Mapping) else dict.fromkeys(forbidden, "")
    known = {area_of(API_PATH + path) for path in paths} | {EVERY_AREA}
    for area, message in areas.items():
        if area not in known:
            raise ValueError(f"forbidden: {area!r} is not an area of the document (e.g. 'Users', 'CallHistoryView')")
        if not isinstance(message, str):
            raise TypeError(f"forbidden: the message for {area!r} must be str, got {type(message).__name__}")
    return areas


def report_settings(report: Mapping[str, Any] | str | os.PathLike[str]) -> dict[str, Any]:
    """The Emulator keyword arguments a doctor report (a path or its parsed JSON) records."""
    if not isinstance(report, Mapping):
        path = os.fspath(report)
        try:
            with open(path, encoding="utf-8") as stream:
                report = json.load(stream)
        except (OSError, ValueError) as exc:
            raise ValueError(f"report {path!r} cannot be read as JSON: {exc}") from None
    settings = report.get("emulator") if isinstance(report, Mapping) else None
    if not isinstance(settings, Mapping):
        raise ValueError("report has no 'emulator' settings: is it a `threecx-xapi doctor --report` file?")
    return {name: settings[name] for name in REPORT_SETTINGS if name in settings}


def forbidden_reason(forbidden: Mapping[str, str], raw_path: str) -> str | None:
    """The 403 message for a request to a forbidden area, or None when the area may be read (sign-in always may)."""
    if not raw_path.startswith(API_PATH + "/"):
        return None
    area = area_of(raw_path)
    for name in (area, EVERY_AREA):
        if name in forbidden:
            return forbidden[name]
    return None


def date_header(now: float) -> str:
    """The `Date` header for the PBX's clock."""
    return email.utils.formatdate(now, usegmt=True)

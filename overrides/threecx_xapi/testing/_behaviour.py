"""Where the emulated PBX departs from the document, as real PBXs do: the `$top` cap, server-driven paging,
403 on areas the API client may not read, and a clock that is not this machine's.

Each rule is a small function the handler consults; the settings live in `Settings` (see `_handler`).
"""

from __future__ import annotations

import email.utils
import json
import os
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, urlencode

from ..doctor.report import REPORT_SETTINGS
from ._query import Row, _count_option, collection
from ._routes import RouteError

API_PATH = "/xapi/v1"
EVERY_AREA = "*"  # a `forbidden` key that refuses every area, as the console's IP restriction does


def area_of(raw_path: str) -> str:
    """The area a request reads: the first path segment after /xapi/v1 without its key (`Users(42)` -> Users)."""
    rest = raw_path[len(API_PATH) + 1 :] if raw_path.startswith(API_PATH + "/") else raw_path.lstrip("/")
    for separator in ("/", "("):
        rest = rest.split(separator, 1)[0]
    return rest


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
    """The 403 message for a request to a forbidden area, or None when the area may be read."""
    area = area_of(raw_path)
    for name in (area, EVERY_AREA):
        if name in forbidden:
            return forbidden[name]
    return None


def check_top(top_limit: int | None, options: Mapping[str, str]) -> None:
    """A `$top` over the PBX's cap is refused with the PBX's own words (entity sets cap it at 100)."""
    top = options.get("$top", "")
    if top_limit is None or not top.isdigit() or int(top) <= top_limit:
        return
    raise RouteError(
        400,
        "",
        f"The query specified in the URI is not valid. The limit of '{top_limit}' for Top query has been exceeded. "
        f"The value from the incoming request is '{top}'.",
    )


def page(rows: Iterable[Row], options: Mapping[str, str], *, max_page_size: int | None, entity_set: str) -> Any:
    """A collection answer; with `max_page_size`, at most that many rows and an `@odata.nextLink` to the rest."""
    if max_page_size is None:
        return collection(rows, options)
    requested = _count_option(options, "$top")
    skip = _count_option(options, "$skip") or 0
    size = max_page_size if requested is None else min(requested, max_page_size)
    body: dict[str, Any] = collection(rows, {**options, "$top": str(size), "$count": "true"})
    total = body["@odata.count"] if options.get("$count") == "true" else body.pop("@odata.count")
    served = len(body["value"])
    remaining = total - skip - served
    if requested is not None:
        remaining = min(remaining, requested - served)
    if remaining > 0:
        following = {**options, "$skip": str(skip + served)}
        if requested is None:
            following.pop("$top", None)
        else:
            following["$top"] = str(requested - served)
        query = urlencode(following, quote_via=quote, safe="$,'()")
        body["@odata.nextLink"] = f"{API_PATH}/{entity_set}?{query}"
    return body


def date_header(now: float) -> str:
    """The `Date` header for the PBX's clock."""
    return email.utils.formatdate(now, usegmt=True)

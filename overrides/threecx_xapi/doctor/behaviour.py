"""The behaviour checks: the `$top` cap, next-link paging, the error body's shape, what a Download* report
answers with, and latency."""

from __future__ import annotations

import re
import statistics
from typing import Any

from ..errors import XapiError
from ._model import FAIL, PASS, SKIP, WARN, Diagnosis
from ._paths import last_minute
from ._probe import Answer, Probe

PROBE_TOP = 1001  # over any cap a PBX is known to have, so the answer tells the cap
DEFAULT_PAGE_SIZE = 100  # iterate()'s default page size: a lower cap costs a refused request
LATENCY_SAMPLES = 5
SLOW_SECONDS = 1.0
_CAP = re.compile(r"limit of '(\d+)' for Top query", re.IGNORECASE)
ENTITY_SETS = ("Users", "Groups", "Recordings")  # probed in turn: the first this client may read


def shape(value: Any) -> Any:
    """A JSON value's shape: keys kept, values replaced by their JSON type (so no text of the PBX is kept)."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "null"


def readable_set(diagnosis: Diagnosis) -> str | None:
    forbidden = diagnosis.observed.get("forbidden", {})
    for name in ENTITY_SETS:
        check = diagnosis.check(f"read {name}")
        if check is not None and check.verdict == PASS and name not in forbidden:
            return name
    return None


def check_behaviour(diagnosis: Diagnosis, probe: Probe) -> None:
    entity_set = readable_set(diagnosis)
    if entity_set is None:
        for name in ("$top cap", "paging", "error body", "latency"):
            diagnosis.add(name, "entity set probes", SKIP, f"no entity set of {', '.join(ENTITY_SETS)} could be read")
    else:
        try:
            overflow = check_top_cap(diagnosis, probe, entity_set)
            check_paging(diagnosis, probe, entity_set, overflow)
            check_error_body(diagnosis, probe, entity_set, overflow)
            check_latency(diagnosis, probe, entity_set)
        except XapiError as exc:
            diagnosis.add("behaviour", f"GETs on {entity_set}", FAIL, str(exc), "--debug shows each request")
    check_download(diagnosis, probe)


def _ids(top: int | str) -> dict[str, str]:
    return {"$top": str(top), "$select": "Id"}


def check_top_cap(diagnosis: Diagnosis, probe: Probe, entity_set: str) -> Answer:
    tried = f"GET {entity_set}?$top={PROBE_TOP}"
    answer = probe.cached(entity_set, _ids(PROBE_TOP))
    body = answer.body if isinstance(answer.body, dict) else {}
    found = _CAP.search(answer.error_message)
    if answer.status == 400 and found:
        cap = int(found.group(1))
        diagnosis.observed["top_limit"] = cap
        detail = f"the PBX caps $top at {cap} (400 past it)"
        if cap < DEFAULT_PAGE_SIZE:
            detail += f"; iterate()'s default page of {DEFAULT_PAGE_SIZE} is refused, then asked again at {cap}"
            fix = f"pass iterate(..., page_size={cap}) to save the refused request; --top {cap} with call --all"
            diagnosis.add("$top cap", tried, WARN, detail, fix)
        else:
            diagnosis.add("$top cap", tried, PASS, detail + "; iterate() pages within it")
    elif 200 <= answer.status < 300:
        diagnosis.observed["top_limit"] = None
        rows = body.get("value")
        served = len(rows) if isinstance(rows, list) else 0
        diagnosis.add("$top cap", tried, PASS, f"no cap up to {PROBE_TOP} ({served} row(s) answered)")
    else:
        diagnosis.add(
            "$top cap",
            tried,
            WARN,
            f"{answer.status} without the cap in the message",
            "--debug shows the answer; page with iterate(), which keeps $top at 100",
        )
    return answer


def check_paging(diagnosis: Diagnosis, probe: Probe, entity_set: str, overflow: Answer) -> None:
    cap = diagnosis.observed.get("top_limit")
    asked = cap if isinstance(cap, int) else PROBE_TOP
    tried = f"GET {entity_set}?$top={asked}"
    answer = overflow if cap is None else probe.cached(entity_set, _ids(asked))
    body = answer.body if isinstance(answer.body, dict) else {}
    rows = body.get("value")
    served = len(rows) if isinstance(rows, list) else 0
    if not 200 <= answer.status < 300:
        diagnosis.add("paging", tried, WARN, f"{answer.status}: could not read a page", "")
        return
    if "@odata.nextLink" in body:
        diagnosis.observed["max_page_size"] = served if served < asked else None
        diagnosis.add(
            "paging", tried, PASS, f"the PBX pages by next links, {served} rows a page; iterate() follows them"
        )
        return
    diagnosis.observed["max_page_size"] = None
    detail = f"no next link: {served} row(s) in one page"
    if served < asked:
        detail += " (all there are; a larger set could still be paged)"
    diagnosis.add("paging", tried, PASS, detail)


def check_error_body(diagnosis: Diagnosis, probe: Probe, entity_set: str, overflow: Answer) -> None:
    # The $top overflow is an error already asked for; else a $top that is not a number is refused.
    answer = overflow if overflow.status >= 400 else probe.cached(entity_set, _ids("x"))
    tried = f"the error body of a 400 ({entity_set})"
    diagnosis.observed["error_body"] = shape(answer.body)
    error = answer.error
    if answer.status < 400:
        diagnosis.add("error body", tried, WARN, f"a bad $top answered {answer.status}", "")
        return
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        empty = " (code empty)" if not error.get("code") else ""
        keys = ",".join(error)
        diagnosis.add("error body", tried, PASS, f"OData {{error: {{{keys}}}}}{empty}; errors carry its message")
        return
    diagnosis.add(
        "error body",
        tried,
        WARN,
        f"not an OData error body ({answer.content_type or 'no content type'})",
        "errors will show the HTTP status and text only; --debug shows the body",
    )


def check_latency(diagnosis: Diagnosis, probe: Probe, entity_set: str) -> None:
    tried = f"{LATENCY_SAMPLES} x GET {entity_set}?$top=1"
    samples = [probe.get(entity_set, _ids(1)).seconds for _ in range(LATENCY_SAMPLES)]
    median = statistics.median(samples)
    diagnosis.observed["latency_ms"] = round(median * 1000, 1)
    detail = f"median {median * 1000:.0f} ms"
    if median > SLOW_SECONDS:
        diagnosis.add("latency", tried, WARN, detail, "slow: raise XapiClient(timeout=...) and page in fewer requests")
    else:
        diagnosis.add("latency", tried, PASS, detail)


def check_download(diagnosis: Diagnosis, probe: Probe) -> None:
    tried = "GET ReportCallLogData/Pbx.DownloadCallLog (one minute, headers only)"
    if "ReportCallLogData" in diagnosis.observed.get("forbidden", {}):
        diagnosis.add("download", tried, SKIP, "reports are forbidden to this client (see above)")
        return
    try:
        answer = probe.get(last_minute("DownloadCallLog"), read=False)
    except XapiError as exc:
        diagnosis.add("download", tried, FAIL, str(exc), "--debug shows each request")
        return
    content_type = answer.content_type or "no content type"
    if 200 <= answer.status < 300:
        diagnosis.observed["download_content_type"] = content_type
        disposition = "a file" if "attachment" in answer.headers.get("content-disposition", "") else "not as a file"
        diagnosis.add("download", tried, PASS, f"{answer.status}, {content_type}, {disposition}")
    else:
        diagnosis.add("download", tried, WARN, f"{answer.status} ({content_type})", "--debug shows the answer")

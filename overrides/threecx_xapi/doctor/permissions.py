"""The permission checks: one cheap GET to each representative area, every 403 read for its likely cause."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..errors import XapiError
from ._model import FAIL, PASS, SKIP, WARN, Diagnosis
from ._paths import last_minute
from ._probe import Answer, Probe

ONE_ROW = {"$top": "1"}
ONE_ID = {"$top": "1", "$select": "Id"}
# Areas a System Owner's reports and logs live in: other roles get 403 there while users and groups answer.
OWNER_AREAS = frozenset({"CallHistoryView", "ReportCallLogData", "Recordings"})


@dataclass(frozen=True)
class Area:
    name: str  # the first path segment, as the emulator's `forbidden` names it
    path: Callable[[], str]
    params: dict[str, str]


AREAS = (
    Area("Users", lambda: "Users", ONE_ID),
    Area("Groups", lambda: "Groups", ONE_ID),
    Area("CallHistoryView", lambda: "CallHistoryView", ONE_ROW),
    Area("ReportCallLogData", lambda: last_minute("GetCallLogData"), ONE_ROW),
    Area("Recordings", lambda: "Recordings", ONE_ID),
    Area("SystemStatus", lambda: "SystemStatus", {}),
)


def forbidden_cause(area: str, message: str, forbidden: set[str]) -> tuple[str, str, str]:
    """(the cause in a word, as the report keeps it; the likely cause; the fix) of a 403, as far as we can tell."""
    lowered = message.lower()
    if "licen" in lowered:
        return (
            "licence",
            "the PBX's licence does not allow it",
            "the XAPI needs a licence that includes the API (Enterprise); see the licence in the admin console",
        )
    if " ip" in f" {lowered}" or "address" in lowered or forbidden >= {area.name for area in AREAS}:
        return (
            "ip",
            "every area refuses this client: the console's IP restriction or a role without access",
            "allow this machine's address (Admin console > Security > console restriction), "
            "or give the API client a higher role (Integrations > API)",
        )
    if area in OWNER_AREAS:
        return (
            "role",
            "call history, reports and recordings need the System Owner role",
            "give the API client the System Owner role (Admin console > Integrations > API > the client > Role)",
        )
    return (
        "role",
        "the API client's role may not read this",
        "give the API client a role that may (Admin console > Integrations > API > the client > Role)",
    )


def check_permissions(diagnosis: Diagnosis, probe: Probe) -> None:
    answers: dict[str, Answer] = {}
    for area in AREAS:
        tried = f"GET {area.name} ({'one row' if area.params else 'once'})"
        try:
            answers[area.name] = probe.cached(area.path(), area.params)
        except XapiError as exc:
            diagnosis.add(f"read {area.name}", tried, FAIL, str(exc), "see the error; --debug shows each request")
    forbidden = {name for name, answer in answers.items() if answer.status == 403}
    causes: dict[str, str] = {}
    for area in AREAS:
        answer = answers.get(area.name)
        if answer is not None:
            causes.update(_judge(diagnosis, area, answer, forbidden))
    diagnosis.observed["forbidden"] = causes


def _judge(diagnosis: Diagnosis, area: Area, answer: Answer, forbidden: set[str]) -> dict[str, str]:
    name, tried = f"read {area.name}", f"GET {area.name} ({'one row' if area.params else 'once'})"
    status = answer.status
    if status == 403:
        word, cause, fix = forbidden_cause(area.name, answer.error_message, forbidden)
        diagnosis.add(name, tried, FAIL, f"403: {cause}", fix)
        return {area.name: word}
    if 200 <= status < 300 and answer.body is None and answer.content_type != "application/json":
        diagnosis.add(
            name,
            tried,
            FAIL,
            f"{status} with {answer.content_type or 'no content type'}, not JSON",
            "this address reaches a web page or a proxy, not the PBX's API: use the PBX's own address",
        )
    elif 200 <= status < 300:
        rows = answer.body.get("value") if isinstance(answer.body, dict) else None
        shown = f"{len(rows)} row(s)" if isinstance(rows, list) else "an object"
        diagnosis.add(name, tried, PASS, f"{status}, {shown}")
    elif status == 404:
        diagnosis.add(
            name, tried, WARN, "404: this PBX has no such area", "an older or newer PBX release? see the version check"
        )
    elif status == 401:
        diagnosis.add(name, tried, FAIL, "401 after sign-in", "the token was revoked: one program per API client")
    else:
        message = answer.error_message or "no OData error message"
        diagnosis.add(name, tried, FAIL, f"{status}: {message}", "see the PBX's message; --debug shows each request")
    return {}


def skip_permissions(diagnosis: Diagnosis, reason: str) -> None:
    for area in AREAS:
        diagnosis.add(f"read {area.name}", f"GET {area.name}", SKIP, reason)

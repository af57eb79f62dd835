"""Paths of the report functions the doctor reads, built from the operation registry and OData literals."""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping

from .. import odata, registry

# Every call of the window, as the web client asks for them; '' means "all" (a null is refused by PBXs).
ALL_CALLS: dict[str, object] = {
    "sourceType": 0,
    "sourceFilter": "",
    "destinationType": 0,
    "destinationFilter": "",
    "callsType": 0,
    "callTimeFilterType": 0,
    "callTimeFilterFrom": "0:00:0",
    "callTimeFilterTo": "0:00:0",
    "hidePcalls": True,
    "clientTimeZone": "UTC",
}
_PLACEHOLDER = re.compile(r"\{([^}]+)\}")


def function_path(operation_id: str, values: Mapping[str, object]) -> str:
    """The path (under /xapi/v1, without the leading slash) of an operation with these parameter values."""
    operation = registry.get(operation_id)
    parameters = {parameter.name: parameter for parameter in operation.path_parameters}

    def literal(found: re.Match[str]) -> str:
        parameter = parameters[found.group(1)]
        value = values[parameter.name]
        return odata.path_literal(value, name=parameter.name, edm_type=parameter.edm_type, nullable=parameter.nullable)

    return _PLACEHOLDER.sub(literal, operation.path).lstrip("/")


def last_minute(operation_id: str, now: datetime.datetime | None = None) -> str:
    """A call-log report over the last whole minute: the smallest window a report takes."""
    end = (now or datetime.datetime.now(datetime.UTC)).replace(second=0, microsecond=0)
    return function_path(
        operation_id, {**ALL_CALLS, "periodFrom": end - datetime.timedelta(minutes=1), "periodTo": end}
    )

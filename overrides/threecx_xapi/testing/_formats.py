"""How much control information a JSON answer carries, as the request asks (OData JSON Format 4.01, 3.1):
`odata.metadata=minimal` unless the Accept header or `$format` asks for `odata.metadata=none`, which leaves only
the counts and next links, or `odata.metadata=full`, which `_full_metadata` writes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import parse_qsl

MINIMAL = "application/json; odata.metadata=minimal"
NONE = "application/json; odata.metadata=none"
FULL = "application/json; odata.metadata=full"
# What `odata.metadata=none` keeps, as an annotation of the answer or of a property (`Groups@odata.count`).
KEPT_WITHOUT_METADATA = ("@odata.count", "@odata.nextLink", "@odata.deltaLink")

Level = Literal["minimal", "none", "full"]


def metadata_level(headers: Mapping[str, str], query: str) -> Level:
    """The `odata.metadata` the request asks for (headers keyed in lower case); `none` wins over `full`."""
    asked = [value for name, value in parse_qsl(query) if name.lower().removeprefix("$") == "format"]  # as $top
    formats = [text.replace(" ", "").lower() for text in [*asked, headers.get("accept", "")]]
    if any("odata.metadata=none" in text for text in formats):
        return "none"
    if any("odata.metadata=full" in text for text in formats):
        return "full"
    return "minimal"


def asks_for_no_metadata(headers: Mapping[str, str], query: str) -> bool:
    """Whether the request asks for `odata.metadata=none` (headers keyed in lower case)."""
    return metadata_level(headers, query) == "none"


def without_metadata(value: Any) -> Any:
    """`value` without the control information `odata.metadata=none` leaves out (context, etags, ids, types)."""
    if isinstance(value, dict):
        return {
            name: without_metadata(item)
            for name, item in value.items()
            if "@odata." not in name or name.endswith(KEPT_WITHOUT_METADATA)
        }
    if isinstance(value, list):
        return [without_metadata(item) for item in value]
    return value

"""Value codecs: the JSON text of a date-time or a duration and the Python value, one codec per type.

    parse_duration("P5DT13H43M24.960179S")  # timedelta(days=5, seconds=49404, microseconds=960179)
    format_duration(timedelta(seconds=-5))  # '-PT5S'

The models, the fast decoder, OData literals (`duration'PT5S'`) and the command line all read and write these
values here, so a value reads back exactly as it was written, whichever path it took.
"""

from __future__ import annotations

import datetime

__all__ = ["format_duration", "parse_datetime", "parse_duration"]


def parse_datetime(value: str) -> datetime.datetime:
    """An RFC 3339 date-time (`Z` or an offset, fractions past microseconds rounded, as the fast decoder reads
    them); any other ISO 8601 form Python reads, else a ValueError."""
    import msgspec

    try:
        return msgspec.convert(value, datetime.datetime)
    except msgspec.ValidationError:
        try:
            return datetime.datetime.fromisoformat(value)
        except (TypeError, ValueError):
            raise ValueError(f"not an ISO 8601 date-time: {value!r}") from None


def parse_duration(value: object) -> datetime.timedelta:
    """An ISO 8601 duration of days, hours, minutes and seconds (`PT0S`, `-P1D`, `P5DT13H43M24.960179S`)."""
    import msgspec

    if not isinstance(value, str):
        raise TypeError(f"a duration is an ISO 8601 string, got {type(value).__name__}")
    try:
        return msgspec.convert(value, datetime.timedelta)
    except msgspec.ValidationError:
        raise ValueError(f"not an ISO 8601 duration of days, hours, minutes and seconds: {value!r}") from None


def format_duration(value: datetime.timedelta) -> str:
    """The ISO 8601 form of a timedelta that `parse_duration` reads back: `P1DT2H3M4.5S`, `-PT5S`, `PT0S`."""
    sign = "-" if value < datetime.timedelta(0) else ""
    value = abs(value)
    hours, rest = divmod(value.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    time_part = "".join(f"{amount}{unit}" for amount, unit in ((hours, "H"), (minutes, "M")) if amount)
    if value.microseconds:
        time_part += f"{seconds}.{value.microseconds:06d}".rstrip("0") + "S"
    elif seconds:
        time_part += f"{seconds}S"
    day_part = f"{value.days}D" if value.days else ""
    if not day_part and not time_part:
        return "PT0S"
    return f"{sign}P{day_part}" + (f"T{time_part}" if time_part else "")

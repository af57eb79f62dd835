"""A strict reader of OData literals in URL paths, written from the OData v4.01 ABNF construction rules.

It reads what a PBX reads: the text of a key or function parameter (already percent-decoded) as one
declared Edm type. It is written from the ABNF rules quoted beside each reader, never from the client's
encoder (`threecx_xapi.odata`), so the tests can check one against the other and the emulator can
refuse what 3CX would refuse.

    >>> parse_literal("'O''Brien'", "Edm.String")
    "O'Brien"
    >>> split_parameters("periodFrom=2026-09-12T00:00:00Z,sourceFilter='a,b'")
    [('periodFrom', '2026-09-12T00:00:00Z'), ('sourceFilter', "'a,b'")]

Where the ABNF leaves a choice, the reader is the stricter one: booleans are `true`/`false` in lower
case (as every OData service writes them), a duration is quoted (`duration'P1D'` or `'P1D'`), and
fractional seconds beyond Python's microseconds are truncated.
"""

from __future__ import annotations

import datetime
import math
import re
import uuid
from collections.abc import Callable
from decimal import Decimal

__all__ = ["ODataLiteralError", "parse_literal", "split_parameters"]


class ODataLiteralError(ValueError):
    """Text that is not a literal of the expected type; the message says what was wrong and where."""

    def __init__(self, message: str, *, position: int | None = None) -> None:
        super().__init__(message if position is None else f"{message} (at position {position})")
        self.position = position


def _shown(text: str) -> str:
    """The text for a message, cut short: request paths can be long."""
    return repr(text if len(text) <= 60 else text[:57] + "...")


# ABNF building blocks (section 7 "Literal Data Values" and section 9 "Punctuation").
_SIGN = r"[+-]"  # SIGN = "+" / "%2B" / "-"  (text is percent-decoded)
_YEAR = r"(?P<year>-?(?:0[0-9]{3}|[1-9][0-9]{3,}))"  # year = [ "-" ] ( "0" 3DIGIT / oneToNine 3*DIGIT )
_MONTH = r"(?P<month>0[1-9]|1[0-2])"
_DAY = r"(?P<day>0[1-9]|[12][0-9]|3[01])"
_TIME = (  # timeOfDayValueInUrl = hour COLON minute [ COLON second [ "." fractionalSeconds ] ]
    r"(?P<hour>[01][0-9]|2[0-3]):(?P<minute>[0-5][0-9])(?::(?P<second>[0-5][0-9])(?:\.(?P<fraction>[0-9]{1,12}))?)?"
)
_OFFSET = rf"(?P<offset>[Zz]|(?P<offset_sign>{_SIGN})(?P<offset_hour>[01][0-9]|2[0-3]):(?P<offset_minute>[0-5][0-9]))"

_DATE_RULE = re.compile(rf"{_YEAR}-{_MONTH}-{_DAY}")
_TIME_RULE = re.compile(_TIME)
# dateTimeOffsetValueInUrl = year "-" month "-" day "T" timeOfDayValueInUrl ( "Z" / SIGN hour COLON minute )
_DATE_TIME_OFFSET_RULE = re.compile(rf"{_YEAR}-{_MONTH}-{_DAY}[Tt]{_TIME}{_OFFSET}")
# guidValue = 8HEXDIG "-" 4HEXDIG "-" 4HEXDIG "-" 4HEXDIG "-" 12HEXDIG
_GUID_RULE = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")
# decimalValue = [ SIGN ] 1*DIGIT [ "." 1*DIGIT ] [ "e" [ SIGN ] 1*DIGIT ] / nanInfinity
_DECIMAL_RULE = re.compile(rf"{_SIGN}?[0-9]+(?:\.[0-9]+)?(?:[eE]{_SIGN}?[0-9]+)?|NaN|-INF|INF")
# duration = [ "duration" ] SQUOTE durationValue SQUOTE; durationValue = [ SIGN ] "P" [ 1*DIGIT "D" ]
#   [ "T" [ 1*DIGIT "H" ] [ 1*DIGIT "M" ] [ 1*DIGIT [ "." 1*DIGIT ] "S" ] ]; the ABNF defers to the xml
#   dayTimeDuration lexical form, which has only "-": a leading "+" is refused, as a PBX refuses it
_DURATION_RULE = re.compile(
    r"(?:duration)?'(?P<sign>-)?P(?:(?P<days>[0-9]+)D)?"
    r"(?:T(?:(?P<hours>[0-9]+)H)?(?:(?P<minutes>[0-9]+)M)?(?:(?P<seconds>[0-9]+)(?:\.(?P<fraction>[0-9]+))?S)?)?'",
    re.IGNORECASE,
)
# byteValue = 1*3DIGIT; sbyteValue = [ SIGN ] 1*3DIGIT; int16Value = [ SIGN ] 1*5DIGIT; int32Value = ... 1*10DIGIT
_INTEGER_RULES: dict[str, tuple[re.Pattern[str], int, int]] = {
    "Edm.Byte": (re.compile(r"[0-9]{1,3}"), 0, 255),
    "Edm.SByte": (re.compile(rf"{_SIGN}?[0-9]{{1,3}}"), -(2**7), 2**7 - 1),
    "Edm.Int16": (re.compile(rf"{_SIGN}?[0-9]{{1,5}}"), -(2**15), 2**15 - 1),
    "Edm.Int32": (re.compile(rf"{_SIGN}?[0-9]{{1,10}}"), -(2**31), 2**31 - 1),
    "Edm.Int64": (re.compile(rf"{_SIGN}?[0-9]{{1,19}}"), -(2**63), 2**63 - 1),
}
_EXAMPLES = {
    "Edm.Boolean": "true",
    "Edm.Date": "2026-09-12",
    "Edm.TimeOfDay": "23:59:59",
    "Edm.DateTimeOffset": "2026-09-12T00:00:00Z",
    "Edm.Guid": "01234567-89ab-cdef-0123-456789abcdef",
    "Edm.Decimal": "12.5",
    "Edm.Double": "1.5e-3",
    "Edm.Single": "1.5",
    "Edm.Duration": "duration'P1DT2H'",
    "Edm.Byte": "255",
    "Edm.SByte": "-128",
    "Edm.Int16": "-32768",
    "Edm.Int32": "42",
    "Edm.Int64": "9223372036854775807",
}
_SINGLE_MAX = 3.4028234663852886e38


def _match(rule: re.Pattern[str], text: str, edm_type: str) -> re.Match[str]:
    """The whole text read by `rule`, or an error that says whether it was quoted, wrong, or followed by garbage."""
    whole = rule.fullmatch(text)
    if whole is not None:
        return whole
    example = _EXAMPLES.get(edm_type, "")
    if text.startswith("'") and edm_type != "Edm.Duration":
        raise ODataLiteralError(f"{edm_type} literals are written without quotes (like {example}), got {_shown(text)}")
    start = rule.match(text)
    if start is not None:
        end = start.end()
        raise ODataLiteralError(f"unexpected {_shown(text[end:])} after the {edm_type} literal", position=end)
    raise ODataLiteralError(f"{_shown(text)} is not an {edm_type} literal (like {example})", position=0)


def _read_string(text: str) -> str:
    """string = SQUOTE *( SQUOTE-in-string / pchar-no-SQUOTE ) SQUOTE; SQUOTE-in-string = SQUOTE SQUOTE."""
    if not text.startswith("'"):
        raise ODataLiteralError(f"an Edm.String literal is enclosed in single quotes, got {_shown(text)}", position=0)
    characters: list[str] = []
    index = 1
    while index < len(text):
        character = text[index]
        if character != "'":
            characters.append(character)
            index += 1
        elif text.startswith("''", index):
            characters.append("'")
            index += 2
        elif index + 1 == len(text):
            return "".join(characters)
        else:
            raise ODataLiteralError(
                f"unexpected {_shown(text[index + 1 :])} after the string's closing quote"
                " (a quote inside a string is written twice)",
                position=index + 1,
            )
    raise ODataLiteralError("the Edm.String literal has no closing quote", position=len(text))


def _read_boolean(text: str) -> bool:
    """booleanValue = "true" / "false"."""
    if text in ("true", "false"):
        return text == "true"
    raise ODataLiteralError(f"an Edm.Boolean literal is true or false, got {_shown(text)}", position=0)


def _integer_reader(edm_type: str) -> Callable[[str], int]:
    rule, low, high = _INTEGER_RULES[edm_type]

    def read(text: str) -> int:
        value = int(_match(rule, text, edm_type).group())
        if not low <= value <= high:
            raise ODataLiteralError(f"{value} is out of the {edm_type} range {low}..{high}")
        return value

    return read


def _read_decimal(text: str) -> Decimal:
    return Decimal(_match(_DECIMAL_RULE, text, "Edm.Decimal").group())


def _floating_reader(edm_type: str, largest: float) -> Callable[[str], float]:
    def read(text: str) -> float:
        value = float(_match(_DECIMAL_RULE, text, edm_type).group().replace("INF", "inf"))
        if (math.isfinite(value) and abs(value) > largest) or (math.isinf(value) and "INF" not in text):
            raise ODataLiteralError(f"{_shown(text)} is out of the {edm_type} range")
        return value

    return read


def _microseconds(fraction: str | None) -> int:
    """fractionalSeconds = 1*12DIGIT; Python keeps six digits, so further digits are truncated."""
    return int((fraction or "0")[:6].ljust(6, "0"))


def _year(text: str, edm_type: str) -> int:
    year = int(text)
    if not datetime.MINYEAR <= year <= datetime.MAXYEAR:
        raise ODataLiteralError(f"the year {year} of the {edm_type} literal is outside 1..9999")
    return year


def _read_date(text: str) -> datetime.date:
    """dateValue = year "-" month "-" day."""
    parts = _match(_DATE_RULE, text, "Edm.Date")
    try:
        return datetime.date(_year(parts["year"], "Edm.Date"), int(parts["month"]), int(parts["day"]))
    except ValueError as exc:
        raise ODataLiteralError(f"{_shown(text)} is not a calendar date: {exc}") from None


def _read_time_of_day(text: str) -> datetime.time:
    parts = _match(_TIME_RULE, text, "Edm.TimeOfDay")
    return datetime.time(
        int(parts["hour"]), int(parts["minute"]), int(parts["second"] or 0), _microseconds(parts["fraction"])
    )


def _read_date_time_offset(text: str) -> datetime.datetime:
    parts = _match(_DATE_TIME_OFFSET_RULE, text, "Edm.DateTimeOffset")
    if parts["offset"] in ("Z", "z"):
        zone = datetime.UTC
    else:
        offset = datetime.timedelta(hours=int(parts["offset_hour"]), minutes=int(parts["offset_minute"]))
        zone = datetime.timezone(-offset if parts["offset_sign"] == "-" else offset)
    try:
        return datetime.datetime(
            _year(parts["year"], "Edm.DateTimeOffset"),
            int(parts["month"]),
            int(parts["day"]),
            int(parts["hour"]),
            int(parts["minute"]),
            int(parts["second"] or 0),
            _microseconds(parts["fraction"]),
            tzinfo=zone,
        )
    except ValueError as exc:
        raise ODataLiteralError(f"{_shown(text)} is not a calendar date-time: {exc}") from None


def _read_guid(text: str) -> uuid.UUID:
    return uuid.UUID(_match(_GUID_RULE, text, "Edm.Guid").group())


def _read_duration(text: str) -> datetime.timedelta:
    parts = _match(_DURATION_RULE, text, "Edm.Duration")
    names = ("days", "hours", "minutes", "seconds")
    if not any(parts[name] for name in names) or text.rstrip("'").upper().endswith("T"):
        raise ODataLiteralError(f"the Edm.Duration {_shown(text)} names no days, hours, minutes or seconds")
    try:
        value = datetime.timedelta(
            days=int(parts["days"] or 0),
            hours=int(parts["hours"] or 0),
            minutes=int(parts["minutes"] or 0),
            seconds=int(parts["seconds"] or 0),
            microseconds=_microseconds(parts["fraction"]),
        )
    except OverflowError:
        raise ODataLiteralError(f"the Edm.Duration {_shown(text)} is longer than Python can hold") from None
    return -value if parts["sign"] == "-" else value


_READERS: dict[str, Callable[[str], object]] = {
    "Edm.String": _read_string,
    "Edm.Boolean": _read_boolean,
    **{edm_type: _integer_reader(edm_type) for edm_type in _INTEGER_RULES},
    "Edm.Decimal": _read_decimal,
    "Edm.Double": _floating_reader("Edm.Double", math.inf),
    "Edm.Single": _floating_reader("Edm.Single", _SINGLE_MAX),
    "Edm.Date": _read_date,
    "Edm.TimeOfDay": _read_time_of_day,
    "Edm.DateTimeOffset": _read_date_time_offset,
    "Edm.Guid": _read_guid,
    "Edm.Duration": _read_duration,
}
SUPPORTED_TYPES = frozenset(_READERS)


def parse_literal(text: str, edm_type: str, *, nullable: bool = False) -> object:
    """The Python value of one percent-decoded literal of `edm_type`; `null` is None only when `nullable`.

    Raises ODataLiteralError for anything the ABNF does not allow for that type: a bare string, a quoted
    date-time, an undoubled quote inside a string, trailing text, an out-of-range number.
    """
    if not isinstance(text, str):
        raise TypeError(f"parse_literal reads str, got {type(text).__name__}")
    reader = _READERS.get(edm_type)
    if reader is None:
        raise ODataLiteralError(f"{edm_type} has no literal reader here (known: {', '.join(sorted(_READERS))})")
    if text == "null":  # nullValue = 'null'
        if nullable:
            return None
        raise ODataLiteralError(f"null is not allowed: this {edm_type} parameter is not nullable")
    return reader(text)


# odataIdentifier = identifierLeadingCharacter *127identifierCharacter (Unicode letters allowed)
_PARAMETER_NAME = re.compile(r"[^\W\d]\w{0,127}")


def _top_level_parts(inner: str) -> list[tuple[int, str]]:
    """The comma-separated parts outside string literals, each with its start position."""
    parts: list[tuple[int, str]] = []
    in_string = False
    string_start = start = 0
    for index, character in enumerate(inner):
        if character == "'":
            in_string = not in_string  # a doubled quote leaves and re-enters the string: no split between them
            string_start = index if in_string else string_start
        elif in_string:
            continue
        elif character == ",":
            parts.append((start, inner[start:index]))
            start = index + 1
        elif character in "()":
            raise ODataLiteralError(f"unexpected {character!r} outside a string literal", position=index)
    if in_string:
        raise ODataLiteralError("unbalanced quote: the string literal has no closing quote", position=string_start)
    parts.append((start, inner[start:]))
    return parts


def split_parameters(inner: str) -> list[tuple[str | None, str]]:
    """The (name, literal text) pairs between the parentheses of a key or function segment.

    keyPredicate: `42` -> [(None, '42')]; compoundKey / functionParameters: `Number='O''Brien'` ->
    [('Number', "'O''Brien'")]. Commas, `=` and parentheses inside string literals are text, not syntax.
    Empty text (`Pbx.ExportExtensions()`) has no parameters.
    """
    if inner == "":
        return []
    pairs: list[tuple[str | None, str]] = []
    for start, part in _top_level_parts(inner):
        name = _PARAMETER_NAME.match(part)
        if name is not None and part[name.end() : name.end() + 1] == "=":
            key: str | None = name.group()
            value, value_start = part[name.end() + 1 :], start + name.end() + 1
        else:
            key, value, value_start = None, part, start
        if value == "":
            raise ODataLiteralError("a parameter has no value", position=value_start)
        pairs.append((key, value))
    names = [key for key, _ in pairs]
    if None in names and len(pairs) > 1:
        raise ODataLiteralError(f"only a single key may be written without a name, got {len(pairs)} parameters")
    duplicates = sorted({key for key in names if key is not None and names.count(key) > 1})
    if duplicates:
        raise ODataLiteralError(f"the parameter {duplicates[0]!r} is given more than once")
    return pairs

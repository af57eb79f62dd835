"""Path literals: what `odata.path_literal` encodes, the strict ABNF reader reads back exactly, per Edm type.

The reader (`threecx_xapi.testing.odata_abnf`) is written from the OData ABNF, not from the encoder, so each
round trip checks the encoder against the grammar a PBX applies.
"""

from __future__ import annotations

import datetime
import enum
import math
import re
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any
from urllib.parse import unquote, unquote_plus
from zoneinfo import ZoneInfo

import httpx
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from threecx_xapi import XapiClient, odata, registry
from threecx_xapi.api.report_call_log_data import get_call_log_data
from threecx_xapi.api.users import get_user, get_user_by_number
from threecx_xapi.testing.odata_abnf import SUPPORTED_TYPES, ODataLiteralError, parse_literal, split_parameters

UTC = datetime.UTC


def encode(value: object, edm_type: str, *, nullable: bool = False, name: str = "param") -> str:
    return odata.path_literal(value, name=name, edm_type=edm_type, nullable=nullable)


def round_trip(value: object, edm_type: str, *, nullable: bool = False) -> object:
    """Encode for the path, percent-decode as a server does, read back with the ABNF reader."""
    return parse_literal(unquote(encode(value, edm_type, nullable=nullable)), edm_type, nullable=nullable)


# --- strings -------------------------------------------------------------------------------------------------

STRINGS = [
    ("", "''"),
    ("O'Brien", "'O''Brien'"),
    ("''", "''''''"),
    ("'", "''''"),
    ("Zoë Åström 日本語 🎉", "'Zoë Åström 日本語 🎉'"),
    ("/ ? # % + & =", "'/ ? # % + & ='"),
    ("  two  spaces  ", "'  two  spaces  '"),
    ("')", "''')'"),
    ("x') or true or ('", "'x'') or true or ('''"),
    ("a',b=1,c='", "'a'',b=1,c='''"),
    ("null", "'null'"),
    ("%27%2B", "'%27%2B'"),
    ("back\\slash\ttab\nline", "'back\\slash\ttab\nline'"),
]


@pytest.mark.parametrize(("text", "decoded_literal"), STRINGS, ids=[repr(text) for text, _ in STRINGS])
def test_strings_are_quoted_with_quotes_doubled_and_read_back_exactly(text: str, decoded_literal: str) -> None:
    segment = encode(text, "Edm.String")
    assert unquote(segment) == decoded_literal
    assert parse_literal(unquote(segment), "Edm.String") == text
    assert not set(segment) & set("/?# +\t\n"), segment


@pytest.mark.parametrize("text", ["')", "x') or true or ('", "a',b=1,c='", "1),Users(2"])
def test_injection_attempts_stay_inside_their_parameter(text: str) -> None:
    decoded = unquote(encode(text, "Edm.String"))
    pairs = split_parameters(f"number={decoded},enabled=true")
    assert pairs == [("number", decoded), ("enabled", "true")]
    assert parse_literal(pairs[0][1], "Edm.String") == text


def test_reserved_characters_are_percent_encoded_once() -> None:
    assert encode("/ ? # % + & =", "Edm.String") == "'%2F%20%3F%20%23%20%25%20%2B%20%26%20='"
    assert encode("100%", "Edm.String") == "'100%25'", "a % is encoded once, never %2525"
    assert encode("Zoë", "Edm.String") == "'Zo%C3%AB'"


def test_text_that_cannot_be_utf8_is_a_value_error_naming_the_parameter() -> None:
    with pytest.raises(ValueError, match="'Number'.*not valid Unicode"):
        encode("lone \ud800 surrogate", "Edm.String", name="Number")


def test_an_enum_member_is_sent_as_its_value() -> None:
    class Colour(enum.StrEnum):
        RED = "Red"

    assert unquote(encode(Colour.RED, "Edm.String")) == "'Red'"


# --- None ----------------------------------------------------------------------------------------------------

NON_NULLABLE_TYPES = ["Edm.String", "Edm.Int32", "Edm.Int64", "Edm.Boolean", "Edm.DateTimeOffset", "Edm.Guid"]


def test_none_is_null_for_a_nullable_parameter_and_not_the_string_null() -> None:
    assert encode(None, "Edm.String", nullable=True) == "null"
    assert round_trip(None, "Edm.String", nullable=True) is None
    assert encode("null", "Edm.String", nullable=True) == "'null'"
    assert round_trip("null", "Edm.String", nullable=True) == "null"


@pytest.mark.parametrize("edm_type", NON_NULLABLE_TYPES)
def test_none_for_a_non_nullable_parameter_is_an_error_naming_it(edm_type: str) -> None:
    with pytest.raises(ValueError, match=r"'queueNumber'.*may not be None"):
        encode(None, edm_type, name="queueNumber")
    with pytest.raises(ODataLiteralError, match="not nullable"):
        parse_literal("null", edm_type)


# --- date-times ----------------------------------------------------------------------------------------------

PLUS_TWO = datetime.timezone(datetime.timedelta(hours=2))
MINUS_FIVE_THIRTY = datetime.timezone(-datetime.timedelta(hours=5, minutes=30))

DATE_TIMES = [
    (datetime.datetime(2026, 9, 12, tzinfo=UTC), "2026-09-12T00:00:00Z"),
    (datetime.datetime(2026, 9, 12, tzinfo=datetime.timezone(datetime.timedelta(0))), "2026-09-12T00:00:00Z"),
    (datetime.datetime(2026, 9, 13, 23, 59, 59, 250000, tzinfo=UTC), "2026-09-13T23:59:59.250000Z"),
    (datetime.datetime(2026, 9, 12, 2, 0, tzinfo=PLUS_TWO), "2026-09-12T02:00:00+02:00"),
    (datetime.datetime(2026, 1, 1, 8, 15, 30, tzinfo=MINUS_FIVE_THIRTY), "2026-01-01T08:15:30-05:30"),
]


@pytest.mark.parametrize(("value", "decoded_literal"), DATE_TIMES, ids=[text for _, text in DATE_TIMES])
def test_aware_date_times_are_bare_iso_literals_read_back_with_their_offset(
    value: datetime.datetime, decoded_literal: str
) -> None:
    segment = encode(value, "Edm.DateTimeOffset")
    assert unquote(segment) == decoded_literal
    read = parse_literal(unquote(segment), "Edm.DateTimeOffset")
    assert isinstance(read, datetime.datetime)
    assert read == value and read.utcoffset() == value.utcoffset()


def test_a_positive_offset_travels_as_percent_2b_never_a_bare_plus() -> None:
    segment = encode(datetime.datetime(2026, 9, 12, 2, 0, tzinfo=PLUS_TWO), "Edm.DateTimeOffset")
    assert "+" not in segment and "%2B02:00" in segment
    assert unquote(segment).endswith("+02:00")
    assert unquote_plus(segment) == unquote(segment), "even a form-style decoder keeps the +"


def test_a_naive_datetime_is_a_value_error_naming_the_parameter() -> None:
    with pytest.raises(ValueError, match=r"'periodFrom'.*timezone-aware"):
        encode(datetime.datetime(2026, 9, 12), "Edm.DateTimeOffset", name="periodFrom")


# --- numbers and booleans ------------------------------------------------------------------------------------

NUMBERS = [
    (0, "Edm.Int32", "0"),
    (-(2**31), "Edm.Int32", "-2147483648"),
    (2**31 - 1, "Edm.Int32", "2147483647"),
    (-(2**63), "Edm.Int64", "-9223372036854775808"),
    (2**63 - 1, "Edm.Int64", "9223372036854775807"),
    (-32768, "Edm.Int16", "-32768"),
    (255, "Edm.Byte", "255"),
    (-128, "Edm.SByte", "-128"),
    (True, "Edm.Boolean", "true"),
    (False, "Edm.Boolean", "false"),
    (1.5, "Edm.Double", "1.5"),
    (1e300, "Edm.Double", "1e+300"),
    (Decimal("12.50"), "Edm.Decimal", "12.50"),
]


@pytest.mark.parametrize(("value", "edm_type", "decoded_literal"), NUMBERS, ids=[f"{t}:{s}" for _, t, s in NUMBERS])
def test_numbers_and_booleans_are_bare_literals_read_back_exactly(
    value: object, edm_type: str, decoded_literal: str
) -> None:
    segment = encode(value, edm_type)
    assert unquote(segment) == decoded_literal
    read = parse_literal(unquote(segment), edm_type)
    assert read == value and type(read) is type(value)


OVERFLOWS = [
    (2**31, "Edm.Int32"),
    (-(2**31) - 1, "Edm.Int32"),
    (2**63, "Edm.Int64"),
    (-(2**63) - 1, "Edm.Int64"),
    (32768, "Edm.Int16"),
    (256, "Edm.Byte"),
    (-1, "Edm.Byte"),
    (128, "Edm.SByte"),
]


@pytest.mark.parametrize(("value", "edm_type"), OVERFLOWS, ids=[f"{t}:{v}" for v, t in OVERFLOWS])
def test_integers_out_of_range_are_refused_by_encoder_and_reader(value: int, edm_type: str) -> None:
    with pytest.raises(ValueError, match=rf"'sourceType' \({edm_type}\) must be between"):
        encode(value, edm_type, name="sourceType")
    with pytest.raises(ODataLiteralError, match=rf"out of the {edm_type} range|not an {edm_type} literal"):
        parse_literal(str(value), edm_type)


@pytest.mark.parametrize(("value", "expected"), [(float("nan"), "NaN"), (float("inf"), "INF"), (float("-inf"), "-INF")])
def test_a_double_without_a_finite_value_is_written_as_the_abnf_names_it(value: float, expected: str) -> None:
    assert encode(value, "Edm.Double", name="ratio") == expected
    read_back = round_trip(value, "Edm.Double")
    assert isinstance(read_back, float)
    assert (math.isnan(read_back) and math.isnan(value)) or read_back == value


def test_an_int_beyond_the_double_range_is_refused_naming_the_parameter() -> None:
    with pytest.raises(ValueError, match=r"'ratio' \(Edm.Double\): the int is beyond"):
        encode(10**400, "Edm.Double", name="ratio")


# --- wrong Python types --------------------------------------------------------------------------------------

WRONG_TYPES = [
    (True, "Edm.Int32", "int"),
    ("42", "Edm.Int32", "int"),
    (4.0, "Edm.Int64", "int"),
    (1, "Edm.Boolean", "bool"),
    ("true", "Edm.Boolean", "bool"),
    (42, "Edm.String", "str"),
    (b"bytes", "Edm.String", "str"),
    ("2026-09-12T00:00:00Z", "Edm.DateTimeOffset", "datetime"),
    (datetime.date(2026, 9, 12), "Edm.DateTimeOffset", "datetime"),
    (datetime.datetime(2026, 9, 12, tzinfo=UTC), "Edm.Date", "date"),
    ("01234567-89ab-cdef-0123-456789abcdef", "Edm.Guid", "uuid.UUID"),
    (90, "Edm.Duration", "timedelta"),
    (True, "Edm.Double", "float"),
]


@pytest.mark.parametrize(("value", "edm_type", "expected"), WRONG_TYPES, ids=[f"{t}:{v!r}" for v, t, _ in WRONG_TYPES])
def test_the_wrong_python_type_is_a_type_error_naming_parameter_and_expected_type(
    value: object, edm_type: str, expected: str
) -> None:
    with pytest.raises(TypeError, match=rf"'callsType' expects {expected} \({edm_type}\)"):
        encode(value, edm_type, name="callsType")


# --- GUIDs, dates, times and durations -----------------------------------------------------------------------


def test_guids_are_bare_and_read_back() -> None:
    value = uuid.UUID("0a1b2c3d-4e5f-6789-abcd-ef0123456789")
    assert encode(value, "Edm.Guid") == "0a1b2c3d-4e5f-6789-abcd-ef0123456789"
    assert round_trip(value, "Edm.Guid") == value
    assert parse_literal("0A1B2C3D-4E5F-6789-ABCD-EF0123456789", "Edm.Guid") == value


def test_dates_and_times_of_day_read_back() -> None:
    assert encode(datetime.date(2026, 9, 12), "Edm.Date") == "2026-09-12"
    assert round_trip(datetime.date(2026, 2, 28), "Edm.Date") == datetime.date(2026, 2, 28)
    assert round_trip(datetime.time(23, 59, 59, 500), "Edm.TimeOfDay") == datetime.time(23, 59, 59, 500)


def test_a_time_of_day_with_a_timezone_is_refused() -> None:
    with pytest.raises(ValueError, match="'opensAt'.*timezone"):
        encode(datetime.time(9, 0, tzinfo=UTC), "Edm.TimeOfDay", name="opensAt")


DURATIONS = [
    (datetime.timedelta(days=1, hours=2, minutes=3, seconds=4.5), "duration'P1DT2H3M4.5S'"),
    (datetime.timedelta(0), "duration'PT0S'"),
    (-datetime.timedelta(hours=1), "duration'-PT1H'"),
    (datetime.timedelta(microseconds=1), "duration'PT0.000001S'"),
    (datetime.timedelta(days=400), "duration'P400D'"),
]


@pytest.mark.parametrize(("value", "decoded_literal"), DURATIONS, ids=[text for _, text in DURATIONS])
def test_durations_are_prefixed_quoted_literals_read_back(value: datetime.timedelta, decoded_literal: str) -> None:
    segment = encode(value, "Edm.Duration")
    assert unquote(segment) == decoded_literal
    assert parse_literal(unquote(segment), "Edm.Duration") == value


def test_the_reader_takes_the_duration_forms_the_abnf_allows() -> None:
    assert parse_literal("'P1D'", "Edm.Duration") == datetime.timedelta(days=1)
    assert parse_literal("DURATION'pt90m'", "Edm.Duration") == datetime.timedelta(minutes=90)
    for text in ["P1D", "duration'P'", "duration'PT'", "duration'P1DT'", "duration'P1Y'"]:
        with pytest.raises(ODataLiteralError):
            parse_literal(text, "Edm.Duration")


# --- the strict reader itself --------------------------------------------------------------------------------

REFUSED = [
    ("O'Brien", "Edm.String", "enclosed in single quotes"),
    ("'O'Brien'", "Edm.String", "written twice"),
    ("'abc", "Edm.String", "no closing quote"),
    ("'abc'x", "Edm.String", "after the string's closing quote"),
    ("'2026-09-12T00:00:00Z'", "Edm.DateTimeOffset", "without quotes"),
    ("2026-09-12T00:00:00", "Edm.DateTimeOffset", "not an Edm.DateTimeOffset literal"),
    ("2026-09-12T00:00:00 02:00", "Edm.DateTimeOffset", "not an Edm.DateTimeOffset literal"),
    ("2026-09-12T00:00:00Zjunk", "Edm.DateTimeOffset", "unexpected 'junk'"),
    ("2026-02-30T00:00:00Z", "Edm.DateTimeOffset", "not a calendar date-time"),
    ("2026-09-12T24:00:00Z", "Edm.DateTimeOffset", "not an Edm.DateTimeOffset literal"),
    ("42 ", "Edm.Int32", "unexpected ' '"),
    ("'42'", "Edm.Int32", "without quotes"),
    ("4.2", "Edm.Int32", "unexpected '.2'"),
    ("12345678901", "Edm.Int32", "unexpected '1'"),
    ("True", "Edm.Boolean", "true or false"),
    ("1", "Edm.Boolean", "true or false"),
    ("'0a1b2c3d-4e5f-6789-abcd-ef0123456789'", "Edm.Guid", "without quotes"),
    ("guid'0a1b2c3d-4e5f-6789-abcd-ef0123456789'", "Edm.Guid", "not an Edm.Guid literal"),
    (".5", "Edm.Double", "not an Edm.Double literal"),
    ("1e999", "Edm.Double", "out of the Edm.Double range"),
    ("2026-9-12", "Edm.Date", "not an Edm.Date literal"),
    ("@alias", "Edm.String", "enclosed in single quotes"),
]


@pytest.mark.parametrize(("text", "edm_type", "message"), REFUSED, ids=[f"{t}:{x}" for x, t, _ in REFUSED])
def test_the_reader_refuses_what_the_abnf_does_not_allow(text: str, edm_type: str, message: str) -> None:
    with pytest.raises(ODataLiteralError, match=message):
        parse_literal(text, edm_type)


def test_reader_errors_say_where() -> None:
    with pytest.raises(ODataLiteralError, match=r"at position 3") as caught:
        parse_literal("'O'Brien'", "Edm.String")
    assert caught.value.position == 3


def test_the_reader_reads_offsets_and_long_fractions() -> None:
    read = parse_literal("2026-09-12T02:00:00.1234567+02:00", "Edm.DateTimeOffset")
    assert read == datetime.datetime(2026, 9, 12, 2, 0, 0, 123456, tzinfo=PLUS_TWO)
    assert parse_literal("2026-09-12T00:00Z", "Edm.DateTimeOffset") == datetime.datetime(2026, 9, 12, tzinfo=UTC)


SPLITS = [
    ("42", [(None, "42")]),
    ("'O''Brien'", [(None, "'O''Brien'")]),
    ("Number='O''Brien'", [("Number", "'O''Brien'")]),
    (
        "periodFrom=2026-09-12T00:00:00Z,sourceFilter='a,b',hidePcalls=true",
        [("periodFrom", "2026-09-12T00:00:00Z"), ("sourceFilter", "'a,b'"), ("hidePcalls", "true")],
    ),
    ("a='x=1)',b=null", [("a", "'x=1)'"), ("b", "null")]),
    ("d=duration'PT1H'", [("d", "duration'PT1H'")]),
    ("", []),
]


@pytest.mark.parametrize(("inner", "pairs"), SPLITS, ids=[inner or "empty" for inner, _ in SPLITS])
def test_split_parameters_reads_keys_and_function_parameters(inner: str, pairs: list[tuple[str | None, str]]) -> None:
    assert split_parameters(inner) == pairs


BAD_SPLITS = [
    ("a='x,b=1", "unbalanced quote"),
    ("a='x''", "unbalanced quote"),
    ("a=1,,b=2", "no value"),
    ("a=1,", "no value"),
    ("a=", "no value"),
    ("1,2", "without a name"),
    ("a=1,a=2", "more than once"),
    ("a=1),b=(2", "unexpected ')'"),
]


@pytest.mark.parametrize(("inner", "message"), BAD_SPLITS, ids=[inner for inner, _ in BAD_SPLITS])
def test_split_parameters_refuses_malformed_lists(inner: str, message: str) -> None:
    with pytest.raises(ODataLiteralError, match=re.escape(message)):
        split_parameters(inner)


# --- properties ----------------------------------------------------------------------------------------------


# Any text, with the characters that mean something in a path or a literal drawn far more often than by chance.
ANY_TEXT = st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from("'(),=/?#%+&@ \t"))


@given(ANY_TEXT)
def test_any_text_reads_back_exactly_and_nothing_ends_its_literal_early(text: str) -> None:
    decoded = unquote(encode(text, "Edm.String"), errors="strict")
    assert parse_literal(decoded, "Edm.String") == text
    pairs = split_parameters(f"a={decoded},b=1")
    assert pairs == [("a", decoded), ("b", "1")]


@given(ANY_TEXT)
def test_an_encoded_segment_holds_no_raw_path_delimiters_or_spaces(text: str) -> None:
    segment = encode(text, "Edm.String")
    assert not set(segment) & set("/?# +"), segment
    assert segment.isascii() and segment.isprintable()


@given(
    st.datetimes(
        timezones=st.builds(datetime.timezone, st.integers(-1439, 1439).map(lambda m: datetime.timedelta(minutes=m)))
    )
)
def test_any_aware_date_time_reads_back_with_its_offset(value: datetime.datetime) -> None:
    segment = encode(value, "Edm.DateTimeOffset")
    assert "+" not in segment
    read = parse_literal(unquote(segment), "Edm.DateTimeOffset")
    assert read == value and read.utcoffset() == value.utcoffset()  # type: ignore[attr-defined]


@example(datetime.datetime(1955, 9, 25, 1, tzinfo=ZoneInfo("America/Indiana/Marengo"), fold=1))  # a repeated hour
@given(
    st.datetimes(
        timezones=st.one_of(
            st.timezones(),
            st.builds(datetime.timezone, st.integers(-86399, 86399).map(lambda s: datetime.timedelta(seconds=s))),
        )
    )
)
def test_any_date_time_in_any_zone_reads_back_as_the_same_instant(value: datetime.datetime) -> None:
    """Offsets with seconds (zoneinfo's local mean times, say) have no OData form: they go as UTC."""
    read = parse_literal(unquote(encode(value, "Edm.DateTimeOffset")), "Edm.DateTimeOffset")
    # As UTC: Python never calls a time in a zone's repeated hour equal to one in another zone (PEP 495).
    assert read.astimezone(datetime.UTC) == value.astimezone(datetime.UTC)  # type: ignore[attr-defined]
    offset = value.utcoffset()
    if offset is not None and not offset % datetime.timedelta(minutes=1):
        assert read.utcoffset() == offset  # type: ignore[attr-defined]


def test_an_offset_with_seconds_is_sent_in_utc() -> None:
    local_mean_time = datetime.datetime(1900, 1, 1, 12, tzinfo=ZoneInfo("Europe/Amsterdam"))  # +00:19:32
    assert unquote(encode(local_mean_time, "Edm.DateTimeOffset")) == "1900-01-01T11:40:28Z"


@given(st.integers(-(2**63), 2**63 - 1))
def test_any_int64_reads_back(value: int) -> None:
    assert round_trip(value, "Edm.Int64") == value


@given(st.timedeltas())
def test_any_duration_reads_back(value: datetime.timedelta) -> None:
    assert round_trip(value, "Edm.Duration") == value


# --- every type the documents put in a path ------------------------------------------------------------------

SAMPLES: dict[str, object] = {
    "Edm.String": "O'Brien",
    "Edm.Int32": 42,
    "Edm.Int64": 2**40,
    "Edm.Boolean": True,
    "Edm.DateTimeOffset": datetime.datetime(2026, 9, 12, 2, tzinfo=PLUS_TWO),
    "Edm.Date": datetime.date(2026, 9, 12),
    "Edm.Guid": uuid.UUID(int=42),
    "Edm.Duration": datetime.timedelta(hours=1),
    "Edm.Double": 0.25,
    "Edm.Decimal": Decimal("0.25"),
}


def _check_path_types(types: set[tuple[str, bool]]) -> None:
    for edm_type, nullable in sorted(types):
        assert edm_type in SUPPORTED_TYPES, f"the reader has no {edm_type}"
        assert edm_type in SAMPLES, f"no sample value for {edm_type}"
        assert round_trip(SAMPLES[edm_type], edm_type, nullable=nullable) == SAMPLES[edm_type]
        if nullable:
            assert round_trip(None, edm_type, nullable=True) is None


def test_every_path_parameter_type_of_the_pinned_document_encodes_and_reads_back() -> None:
    types = {(p.edm_type, p.nullable) for op in registry.operations() for p in op.path_parameters}
    assert {edm_type for edm_type, _ in types} >= {"Edm.String", "Edm.Int32", "Edm.DateTimeOffset"}  # any 20.0.x
    _check_path_types(types)


# Path parameter types of all eleven published documents (20.0.4 to 20.0.10), surveyed with generator.registry's
# edm_type after generator.transforms; the documents are fixed, so the survey is a constant.
PATH_TYPES_OF_THE_ELEVEN_DOCUMENTS = {
    ("Edm.String", True),
    ("Edm.String", False),
    ("Edm.Int32", False),
    ("Edm.DateTimeOffset", False),
    ("Edm.Boolean", False),
    ("Edm.Guid", False),
}


def test_every_path_parameter_type_of_the_eleven_documents_encodes_and_reads_back() -> None:
    _check_path_types(PATH_TYPES_OF_THE_ELEVEN_DOCUMENTS)


# --- a bad argument sends nothing ----------------------------------------------------------------------------


class EveryRequest:
    """An in-process PBX that records every request, the token request included."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path == "/connect/token":
            return httpx.Response(200, json={"access_token": "t0ken", "token_type": "Bearer", "expires_in": 3600})
        return httpx.Response(200, json={"value": []})


@pytest.fixture
def pbx() -> EveryRequest:
    return EveryRequest()


@pytest.fixture
def client(pbx: EveryRequest) -> Iterator[XapiClient]:
    transport = httpx.MockTransport(pbx)
    with XapiClient(
        "https://pbx.example.com", "demo-client", "demo-secret", httpx_args={"transport": transport}
    ) as xapi:
        yield xapi


AWARE_FROM = datetime.datetime(2026, 9, 12, tzinfo=UTC)
AWARE_TO = datetime.datetime(2026, 9, 13, tzinfo=UTC)
NAIVE = datetime.datetime(2026, 9, 12)
CALL_LOG = {
    "period_from": AWARE_FROM,
    "period_to": AWARE_TO,
    "source_type": 0,
    "source_filter": "",
    "destination_type": 0,
    "destination_filter": "",
    "calls_type": 0,
    "call_time_filter_type": 0,
    "call_time_filter_from": "",
    "call_time_filter_to": "",
    "hide_pcalls": True,
}
BAD_CALLS: list[tuple[str, Callable[..., Any], dict[str, Any], type[Exception], str]] = [
    ("none-for-int-key", get_user.sync, {"id": None}, ValueError, "'Id'"),
    ("int-for-string-key", get_user_by_number.sync, {"number": 100}, TypeError, "'Number' expects str"),
    ("bool-for-int-key", get_user.sync, {"id": True}, TypeError, "'Id' expects int"),
    ("naive-period-to", get_call_log_data.sync, {**CALL_LOG, "period_to": NAIVE}, ValueError, "'periodTo'"),
    (
        "string-for-bool",
        get_call_log_data.sync,
        {**CALL_LOG, "hide_pcalls": "true"},
        TypeError,
        "'hidePcalls' expects bool",
    ),
]


@pytest.mark.parametrize(
    ("function", "arguments", "error", "message"), [case[1:] for case in BAD_CALLS], ids=[case[0] for case in BAD_CALLS]
)
def test_a_bad_argument_sends_no_request_at_all(
    client: XapiClient,
    pbx: EveryRequest,
    function: Callable[..., Any],
    arguments: dict[str, Any],
    error: type[Exception],
    message: str,
) -> None:
    with pytest.raises(error, match=message):
        function(client=client, **arguments)
    assert pbx.requests == [], "not even the token request"


async def test_a_bad_argument_sends_nothing_from_async_calls_either(client: XapiClient, pbx: EveryRequest) -> None:
    with pytest.raises(ValueError, match="'Id'"):
        await get_user.asyncio_detailed(None, client=client)  # type: ignore[arg-type]
    assert pbx.requests == []


def test_a_good_call_after_a_bad_one_goes_out_as_usual(client: XapiClient, pbx: EveryRequest) -> None:
    with pytest.raises(TypeError):
        get_user.sync("42", client=client)  # type: ignore[arg-type]
    get_user_by_number.sync_detailed("O'Brien", client=client)
    assert [request.url.path for request in pbx.requests] == ["/connect/token", "/xapi/v1/Users(Number='O''Brien')"]

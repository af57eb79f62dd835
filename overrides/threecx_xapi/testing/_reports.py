"""Report rows made from the seed and their index, so a page costs what the page costs, not the whole report.

A report of N rows is a lazy sequence: row i is one of a few hundred schema-valid template rows, with its
date-times placed at i/N of the period (rows come in time order) and the filter's subjects carried in.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, overload

from ._fakedata import SUBJECT_STARTS, FakeData, chronological, resolve, subject_name, user_name

TEMPLATES = 64  # distinct rows per report; beyond them rows differ in their date-times
_CALLER_CALLEE = (("Caller", "Callee"), ("Source", "Destination"), ("Src", "Dst"), ("From", "To"))
_NUMBER_SUFFIXES = ("CallerNumber", "Dn", "No", "Number")
_CALL_IDS = frozenset({"CallHistoryId", "MainCallHistoryId"})
# What most calls lack (no transfer, no recording, no AI summary): a PBX leaves such null and zero values out.
_MOSTLY_UNSET = ("ActionDn", "actionDn", "ActionType", "Recording", "Transcription", "Summary", "Sentiment", "Reason")


class ReportRows(Sequence[Any]):  # rows are objects, or strings and numbers for a few functions
    def __init__(
        self,
        fake: FakeData,
        schema: Mapping[str, Any],
        count: int,
        *,
        salt: str,
        carry: Callable[[list[Any]], None] | None = None,
    ) -> None:
        self._count = count
        templates = fake.rows(schema, min(count, TEMPLATES), salt=salt)
        if carry is not None:
            carry(templates)
        flat = resolve(fake.schemas, schema)
        self._moments = chronological(
            key
            for key, sub in flat.get("properties", {}).items()
            if resolve(fake.schemas, sub).get("format") == "date-time"
        )
        self._templates = [
            _left_out(_named_parties(_distinct_parties(row)), keep_rare=index % 4 == 0)
            for index, row in enumerate(templates)
        ]
        # Bases for the GUIDs of calls and legs: made once, so a row's ids cost an addition, not a seeded generator.
        self._call_base = random.Random(f"{fake.seed}:{salt}:call").getrandbits(128)
        self._leg_base = random.Random(f"{fake.seed}:{salt}:leg").getrandbits(128)
        start, end = fake.period
        self._start = start
        self._step = (end - start) / max(count, 1)
        # An agent's session lasts hours; a call's moments (start, answer, end) are seconds to minutes apart.
        self._spacing = 3600 if any("logged" in key.lower() for key in self._moments) else 37

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> Any: ...
    @overload
    def __getitem__(self, index: slice) -> list[Any]: ...
    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return [self._row(position) for position in range(*index.indices(self._count))]
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError(index)
        return self._row(index)

    def __iter__(self) -> Iterator[Any]:
        return (self._row(position) for position in range(self._count))

    def _row(self, index: int) -> Any:
        template = self._templates[index % len(self._templates)]
        if not isinstance(template, dict):
            return template
        row = dict(template)
        call_ids = _CALL_IDS.intersection(row)
        if call_ids:
            call_id = _guid(self._call_base, index // 3)  # every leg of one call shares its id: three rows a call
            row.update(dict.fromkeys(call_ids, call_id))
        if "CdrId" in row:
            row["CdrId"] = _guid(self._leg_base, index)  # a leg's own id
        if self._moments:
            when = self._start + self._step * index
            for offset, key in enumerate(self._moments):
                # Later date-times of a row follow its first (a call starts, then it is answered, then it ends).
                moment = when + datetime.timedelta(seconds=self._spacing * offset * (1 + index % 5))
                row[key] = moment.isoformat(timespec="seconds").replace("+00:00", "Z")
        return row


_GUID_STRIDE = 0x9E3779B97F4A7C15F39CC0605CEDC835  # odd: n -> base + n * stride is one-to-one modulo 2**128


# What uuid.UUID(version=4) clears and sets: the variant bits (RFC 4122) and the version nibble.
_V4_CLEARED = ~((0xC000 << 48) | (0xF000 << 64))
_V4_SET = (0x8000 << 48) | (4 << 76)


def _guid(base: int, number: int) -> str:
    """The `number`th of a sequence of distinct, scattered-looking version 4 GUIDs starting at `base`, written as
    `str(uuid.UUID(int=..., version=4))` writes it (without building the UUID: a report page asks for thousands)."""
    digits = f"{(base + number * _GUID_STRIDE) % 2**128 & _V4_CLEARED | _V4_SET:032x}"
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


def _distinct_parties(row: Any) -> Any:
    """A call's caller and callee are never the same party."""
    if not isinstance(row, dict):
        return row
    for first, second in _CALLER_CALLEE:
        for key in [key for key in row if key.startswith(first)]:
            other = second + key[len(first) :]
            if other in row and row[other] == row[key] and isinstance(row[key], str):
                row[other] = _other(row[key])
    return row


def _named_parties(row: Any) -> Any:
    """A party's name is the name of whom holds its number, as Users and Queues list them (100 is Alex Smith)."""
    if not isinstance(row, dict):
        return row
    for key, value in list(row.items()):
        suffix = next((end for end in _NUMBER_SUFFIXES if key.endswith(end) and key != end), None)
        if key == "Queue":
            suffix = ""  # some queue reports hold the queue's number in `Queue`, its name in `QueueDisplayName`
        if suffix is None or not isinstance(value, str) or not value.isdigit():
            continue
        name = _holder_name(int(value))
        prefix = key[: len(key) - len(suffix)]
        for name_key in (prefix + "DisplayName", prefix + "Name", prefix if prefix != key else ""):
            if name is not None and isinstance(row.get(name_key), str):
                row[name_key] = name
    return row


def _holder_name(number: int) -> str | None:
    """The seeded name of the user, queue, ring group or IVR holding `number`; None past them."""
    if 100 <= number < 500:
        return user_name(number - 100)
    for set_name, start in SUBJECT_STARTS.items():
        if start <= number < start + 100:
            return subject_name(set_name, number - start)
    return None


def _left_out(row: Any, *, keep_rare: bool) -> Any:
    """A row as a PBX sends it: no null or zero values, and the rarely set ones only in some rows."""
    if not isinstance(row, dict):
        return row
    kept = {}
    for key, value in row.items():
        if value is None or (value == 0 and not isinstance(value, bool)):
            continue
        if not keep_rare and key.startswith(_MOSTLY_UNSET):
            value = [] if isinstance(value, list) else None
            if value is None:
                continue
        kept[key] = value
    return kept


def _other(text: str) -> str:
    return str(int(text) + 1) if text.isdigit() else text + " (2)"

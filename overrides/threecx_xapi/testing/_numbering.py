"""One numbering plan, as on a PBX: users, queues, ring groups, IVRs, fax, trunks, parkings, ... share it.

A number is unique across the plan (a second one is a 409), a create without `Number` takes the first
free number from the set's range, and a Number cannot change once the entity exists (400).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

# Where each kind's numbers start when the PBX picks one (a real PBX's defaults look alike).
STARTS: dict[str, tuple[str, int]] = {
    "Users": ("", 100),
    "ServicePrincipals": ("", 500),
    "Receptionists": ("", 600),
    "RingGroups": ("", 700),
    "Queues": ("", 800),
    "Fax": ("", 900),
    "CallFlowApps": ("", 950),
    "Trunks": ("", 10000),
    "Parkings": ("SP", 0),
}
GROUP_PREFIX = "GRP"  # groups are numbered apart: GRP0000 (the default group), GRP0001, ...


def group_number(index: int) -> str:
    return f"{GROUP_PREFIX}{index:04d}"


class NumberError(Exception):
    """A number the plan refuses: `status` 409 (taken) or 400 (a change); `message` as the PBX words it."""

    def __init__(self, status: int, message: str, target: str = "Number") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.target = target


class NumberingPlan:
    """The numbers the member sets hold, read from the rows themselves (so deletes free them at once).

    `sets` gives the sets seeded so far: a set seeded later takes the free numbers of its range then.
    """

    def __init__(self, sets: Callable[[], Mapping[str, Iterable[Mapping[str, Any]]]]) -> None:
        self._sets = sets

    def taken(self) -> set[str]:
        return {
            str(row["Number"])
            for name, rows in self._sets().items()
            if name in STARTS
            for row in rows
            if row.get("Number")
        }

    def first_free(self, set_name: str) -> str:
        return self.free_numbers(set_name, 1)[0]

    def free_numbers(self, set_name: str, count: int) -> list[str]:
        """The first `count` free numbers of the set's range, lowest first."""
        prefix, number = STARTS.get(set_name, ("", 100))
        taken = self.taken()
        found: list[str] = []
        while len(found) < count:
            if f"{prefix}{number}" not in taken:
                found.append(f"{prefix}{number}")
            number += 1
        return found

    def claim(self, set_name: str, entity: dict[str, Any]) -> None:
        """A new entity's number: the first free one when none was sent, a 409 when it is taken."""
        if set_name not in STARTS:
            return
        number = entity.get("Number")
        if number in (None, ""):
            entity["Number"] = self.first_free(set_name)
        elif str(number) in self.taken():
            raise NumberError(409, f"Number:\nWARNINGS.XAPI.ALREADY_IN_USE ({number})")

    @staticmethod
    def check_change(entity: Mapping[str, Any], changes: Mapping[str, Any]) -> None:
        """PATCH may repeat the entity's Number but never change it."""
        if "Number" in changes and "Number" in entity and changes["Number"] != entity["Number"]:
            raise NumberError(400, "Number:\nWARNINGS.XAPI.CANNOT_BE_CHANGED")

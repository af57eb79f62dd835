"""Names in a request as a PBX reads them: ASP.NET Core OData matches property and function names in any case."""

from __future__ import annotations

from collections.abc import Iterable


def resolve_name(names: Iterable[str], written: str) -> str | None:
    """The declared name `written` stands for: itself, else the one name equal to it ignoring case, else None.

    ODL's case-insensitive resolver (on by default in ASP.NET Core OData 8) prefers an exact match and refuses a
    name two declared names share ignoring case; `firstname` is `FirstName`.
    """
    declared = names if isinstance(names, (set, frozenset, dict)) else set(names)
    if written in declared:
        return written
    folded = written.casefold()
    matches = [name for name in declared if name.casefold() == folded]
    return matches[0] if len(matches) == 1 else None

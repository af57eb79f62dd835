"""Reading one XAPI document: its `$ref`s and each operation's success response, one rule each.

The transforms, the registry and `diff` all look things up through these, so they never disagree.
"""

from __future__ import annotations

from typing import Any

COMPONENTS = "#/components/"


def ref_target(ref: str) -> tuple[str, str]:
    """(`schemas`, `Pbx.User`) for `#/components/schemas/Pbx.User`; a ValueError for any other reference."""
    kind, slash, name = ref.removeprefix(COMPONENTS).partition("/")
    if not ref.startswith(COMPONENTS) or not slash or not name:
        raise ValueError(f"only #/components/<kind>/<name> references are read, not {ref!r}")
    return kind, name


def resolve(document: dict[str, Any], node: Any) -> Any:
    """`node` with its `#/components/...` references followed (a chain too); any other node as it is.

    A reference to a missing component is a KeyError naming it: the document contradicts itself.
    """
    seen: set[str] = set()
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        if ref in seen:
            raise ValueError(f"the reference {ref!r} refers to itself")
        seen.add(ref)
        kind, name = ref_target(ref)
        try:
            node = document["components"][kind][name]
        except KeyError:
            raise KeyError(f"the document has no component {ref!r}") from None
    return node


def success_response(document: dict[str, Any], operation: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
    """The success response of an operation: its lowest 2xx status (a `2XX` range counts as 200), resolved.

    None when the operation declares none: XAPI then answers 204 without content.
    """
    responses = operation.get("responses", {})
    statuses = sorted(
        (200 if str(code).upper() == "2XX" else int(code), code)
        for code in responses
        if (str(code).isdigit() and str(code).startswith("2")) or str(code).upper() == "2XX"
    )
    if not statuses:
        return None
    status, code = statuses[0]
    response = resolve(document, responses[code])
    return status, response if isinstance(response, dict) else {}

"""`python -m generator verify`: every (method, path) of the document has exactly one generated function."""

from __future__ import annotations

import ast
import json
from collections import Counter
from pathlib import Path

from .build import PACKAGE
from .document import parse_document
from .lock import SpecLock
from .transforms import iter_operations

# What every operation module offers its callers.
CALLS = frozenset({"sync", "sync_detailed", "asyncio", "asyncio_detailed"})


def module_calls(module: Path) -> set[str]:
    """The public calls an endpoint module defines, read from its source without importing it."""
    if not module.is_file():
        return set()
    tree = ast.parse(module.read_text(encoding="utf-8"))
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in CALLS
    }


def generated_operations(package_dir: Path) -> Counter[tuple[str, str]]:
    """(METHOD, path) of every operation of the registry (api/operations.json) whose module has all four calls."""
    registry = json.loads((package_dir / "api" / "operations.json").read_text(encoding="utf-8"))
    found: Counter[tuple[str, str]] = Counter()
    for entry in registry["operations"]:
        module = package_dir.joinpath(*entry["module"].split(".")[1:]).with_suffix(".py")
        if module_calls(module) == CALLS:
            found[(entry["method"], entry["path"])] += 1
    return found


def documented_operations(document: dict[str, object]) -> Counter[tuple[str, str]]:
    return Counter((method.upper(), path) for path, method, _ in iter_operations(document))


def run(spec: Path | None, output: Path) -> int:
    data = spec.read_bytes() if spec is not None else SpecLock.read().fetch()[0]
    documented = documented_operations(parse_document(data, source=str(spec or "the pinned document")))
    generated = generated_operations(output / PACKAGE)
    missing = sorted(set(documented) - set(generated))
    extra = sorted(set(generated) - set(documented))
    repeated = sorted(key for key, count in generated.items() if count > 1)
    print(f"documented {sum(documented.values())}, generated {sum(generated.values())}")
    for label, keys in (("missing", missing), ("not in the document", extra), ("generated twice", repeated)):
        for method, path in keys[:20]:
            print(f"{label}: {method} {path}")
        if len(keys) > 20:
            print(f"... and {len(keys) - 20} more {label}")
    return 0 if not (missing or extra or repeated) else 1

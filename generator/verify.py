"""`python -m generator verify`: every (method, path) of the document has exactly one generated function."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

from .build import PACKAGE
from .document import parse_document
from .lock import SpecLock
from .transforms import iter_operations

# What every operation module offers its callers.
CALLS = frozenset({"sync", "sync_detailed", "asyncio", "asyncio_detailed"})


def generated_operations(package_dir: Path) -> Counter[tuple[str, str]]:
    """(METHOD, path) of every endpoint module with all four calls, read from its source without importing it."""
    found: Counter[tuple[str, str]] = Counter()
    for module in sorted((package_dir / "api").glob("*/*.py")):
        if module.name == "__init__.py":
            continue
        constants: dict[str, str] = {}
        calls: set[str] = set()
        for node in ast.parse(module.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                for target in node.targets:
                    if isinstance(target, ast.Name) and isinstance(node.value.value, str):
                        constants[target.id] = node.value.value
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in CALLS:
                calls.add(node.name)
        if "METHOD" in constants and "PATH" in constants and calls == CALLS:
            found[(constants["METHOD"], constants["PATH"])] += 1
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

"""`python -m generator drift`: the committed generated_client/ must be byte for byte what `generate` makes."""

from __future__ import annotations

import filecmp
import tempfile
from pathlib import Path

from .build import DEFAULT_OUTPUT, PACKAGE, generate
from .lock import REPO_ROOT


def _files(root: Path) -> set[str]:
    return {
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


def compare_trees(committed: Path, fresh: Path) -> list[str]:
    """Every difference between two package trees, one line each; empty when they are identical."""
    committed_files, fresh_files = _files(committed), _files(fresh)
    differences = [f"only in the committed tree: {name}" for name in sorted(committed_files - fresh_files)]
    differences += [f"missing from the committed tree: {name}" for name in sorted(fresh_files - committed_files)]
    differences += [
        f"differs: {name}"
        for name in sorted(committed_files & fresh_files)
        if not filecmp.cmp(committed / name, fresh / name, shallow=False)
    ]
    return differences


def run(output: Path = DEFAULT_OUTPUT) -> int:
    with tempfile.TemporaryDirectory(prefix=".drift-", dir=REPO_ROOT) as scratch:
        generate(None, Path(scratch))
        differences = compare_trees(output / PACKAGE, Path(scratch) / PACKAGE)
    for line in differences[:30]:
        print(line)
    if differences:
        print(f"{len(differences)} differences: run 'make generate' and commit generated_client/")
        return 1
    print("no drift: generated_client/ is what 'make generate' makes")
    return 0

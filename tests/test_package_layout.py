"""One package, two roots: the hand-written runtime and the generated code never hold the same file."""

from __future__ import annotations

from pathlib import Path

import threecx_xapi

REPO = Path(__file__).resolve().parents[1]
RUNTIME = REPO / "overrides" / "threecx_xapi"
GENERATED = REPO / "generated_client" / "threecx_xapi"


def _files(root: Path) -> set[str]:
    return {
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


def test_no_file_of_the_runtime_is_repeated_in_the_generated_tree() -> None:
    assert _files(RUNTIME) & _files(GENERATED) == set()


def test_the_generated_tree_holds_only_generated_code_and_its_data() -> None:
    top_level = {name.split("/")[0] for name in _files(GENERATED)}
    assert top_level == {"_pinned.py", "api", "models"}


def test_the_package_imports_the_runtime_where_it_lives_and_the_operations_from_the_generated_root() -> None:
    from threecx_xapi import client
    from threecx_xapi.api.users import list_user

    assert Path(client.__file__).resolve().is_relative_to(RUNTIME)
    assert Path(list_user.__file__).resolve().is_relative_to(GENERATED)
    assert [Path(root).resolve() for root in threecx_xapi.__path__] == [RUNTIME, GENERATED]

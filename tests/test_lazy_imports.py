"""Importing the package or one operation loads only what it needs: names resolve on first use (PEP 562)."""

from __future__ import annotations

import ast
import importlib.util
import json
import subprocess
import sys
import typing
from pathlib import Path

import threecx_xapi
from threecx_xapi import RetryPolicy, TokenStore, XapiClient
from threecx_xapi.client import CodePrompt

# The package's roots: the hand-written runtime first, then the generated api/ and models/.
PACKAGE_DIRS = [Path(root).resolve() for root in threecx_xapi.__path__]
MODELS = "threecx_xapi.models"

LOADED_AFTER = """
import json, sys
{statement}
ours = ("threecx_xapi", "msgspec")
print(json.dumps(sorted(name for name in sys.modules if {everything} or name.split(".")[0] in ours)))
"""
# What only signing in by browser, a token store or the first client needs: never loaded by importing an operation.
SIGN_IN_MACHINERY = {
    "asyncio",
    "webbrowser",
    "http.server",
    "threecx_xapi._auth",
    "threecx_xapi._grants",
    "threecx_xapi._pkce",
    "threecx_xapi._token_store",
}


def loaded_after(statement: str, *, everything: bool = False) -> set[str]:
    """The threecx_xapi and msgspec modules (every module, with `everything`) a fresh interpreter holds after
    running `statement`."""
    script = LOADED_AFTER.format(statement=statement, everything=everything)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout))


def source_of(module: str) -> Path | None:
    """The file that runs when `module` is imported, or None when no such module exists."""
    for root in PACKAGE_DIRS:
        path = root.joinpath(*module.split(".")[1:])
        for candidate in (path / "__init__.py", path.with_suffix(".py")):
            if candidate.is_file():
                return candidate
    return None


def imported_at_load(module: str) -> set[str]:
    """Every threecx_xapi module that importing `module` runs: parents and module-level imports, followed.

    Imports inside functions or under `if TYPE_CHECKING:` are not module-level statements, so they are not
    followed; `from ..models import X` is, through the models package's table of lazy names.
    """
    from threecx_xapi import models

    seen: set[str] = set()
    pending = [module]
    while pending:
        parts = pending.pop().split(".")
        for depth in range(1, len(parts) + 1):
            name = ".".join(parts[:depth])
            path = source_of(name)
            if name in seen or path is None:
                continue
            seen.add(name)
            package = name if path.name == "__init__.py" else name.rpartition(".")[0]
            for node in ast.parse(path.read_text(encoding="utf-8")).body:
                if not isinstance(node, ast.ImportFrom) or not (node.level or node.module == "threecx_xapi"):
                    continue
                target = importlib.util.resolve_name("." * node.level + (node.module or ""), package)
                pending.append(target)
                for alias in node.names:
                    if target == MODELS:
                        pending.append(f"{MODELS}{models._MODULE_OF[alias.name]}")
                    elif source_of(f"{target}.{alias.name}") is not None:
                        pending.append(f"{target}.{alias.name}")  # `from . import errors` imports the submodule
    return seen


def models_in(modules: set[str]) -> set[str]:
    return {name for name in modules if name.startswith(f"{MODELS}.")}


def test_importing_one_operation_loads_only_the_models_it_imports() -> None:
    expected = models_in(imported_at_load("threecx_xapi.api.users.list_user"))
    every_model = {
        path.stem for root in PACKAGE_DIRS for path in (root / "models").glob("*.py") if path.stem != "__init__"
    }

    loaded = loaded_after("import threecx_xapi.api.users.list_user")

    assert models_in(loaded) == expected
    assert f"{MODELS}.user_collection_response" in expected  # its response model, which loads the rest on first parse
    assert len(expected) <= 3 < 500 < len(every_model)
    assert "msgspec" not in loaded  # imported on the first parse


def test_importing_one_operation_loads_no_sign_in_machinery_until_a_client_is_built() -> None:
    imported = loaded_after("import threecx_xapi.api.users.list_user", everything=True)
    built = loaded_after(
        "from threecx_xapi import XapiClient\nXapiClient('https://pbx.example.com', 'app', 'secret')", everything=True
    )

    assert imported & SIGN_IN_MACHINERY == set()
    assert "threecx_xapi._files" not in imported  # File and SavedFile load with the first file answer
    assert {"threecx_xapi._auth", "threecx_xapi._grants", "threecx_xapi._token_store"} <= built
    assert "webbrowser" not in built and "threecx_xapi._pkce" not in built  # only a browser sign-in needs them


def test_the_client_constructor_hints_resolve_though_sign_in_loads_later() -> None:
    # Dependency injectors and documentation tools read a constructor's hints with typing.get_type_hints.
    hints = typing.get_type_hints(XapiClient.__init__)

    assert hints["retry"] == RetryPolicy | None
    assert hints["token_store"] == TokenStore | None
    assert hints["security_code_prompt"] == CodePrompt | None


def test_the_models_stub_names_exactly_the_models_the_package_resolves() -> None:
    from threecx_xapi import models

    stub = next(root / "models" / "__init__.pyi" for root in PACKAGE_DIRS if (root / "models").is_dir())
    declared = {
        alias.asname
        for node in ast.parse(stub.read_text(encoding="utf-8")).body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }

    assert declared == set(models._MODULE_OF) == set(models.__all__)
    assert len(declared) > 500


def test_importing_the_package_loads_no_model_and_not_msgspec() -> None:
    loaded = loaded_after("import threecx_xapi")

    assert {name for name in loaded if name.startswith(MODELS)} == set()
    assert "msgspec" not in loaded
    assert loaded == imported_at_load("threecx_xapi")


def test_a_model_imported_from_the_models_package_loads_only_its_own_module_and_imports() -> None:
    loaded = loaded_after(
        "import threecx_xapi.models\n"
        "assert not [name for name in sys.modules if name.startswith('threecx_xapi.models.')]\n"
        "from threecx_xapi.models import User\n"
        "assert User.__module__ == 'threecx_xapi.models.user', User.__module__"
    )

    assert models_in(loaded) == models_in(imported_at_load(f"{MODELS}.user"))
    assert f"{MODELS}.user" in loaded


def test_dir_of_the_package_lists_the_names_it_resolves_on_first_use() -> None:
    loaded = loaded_after(
        "import threecx_xapi\n"
        "names = dir(threecx_xapi)\n"
        "assert {'XapiClient', 'iterate', 'aiterate', 'F', 'XapiError', '__version__'} <= set(names), names\n"
        "assert 'XapiClient' not in vars(threecx_xapi)  # listing a name does not import it"
    )

    assert "threecx_xapi.client" not in loaded

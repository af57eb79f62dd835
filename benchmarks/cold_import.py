"""Cold import times: each import in a fresh interpreter, median of several, against `import httpx, attrs`."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys

from measure import Figure, ms

BASELINE = "httpx, attrs"
PROBE = "import time; started = time.perf_counter(); import {modules}; print(time.perf_counter() - started)"


def _environment() -> dict[str, str]:
    # An installed wheel has its bytecode compiled; a shell with PYTHONDONTWRITEBYTECODE would time the compiler.
    return {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def import_seconds(modules: str) -> float:
    """The seconds one fresh interpreter spends on `import <modules>` (start-up itself not counted)."""
    command = [sys.executable, "-c", PROBE.format(modules=modules)]
    result = subprocess.run(command, capture_output=True, text=True, check=True, env=_environment())
    return float(result.stdout)


def median_import(modules: str, runs: int) -> float:
    import_seconds(modules)  # the first run writes the .pyc files; not counted
    return statistics.median(import_seconds(modules) for _ in range(runs))


def figures(runs: int = 7) -> list[Figure]:
    baseline = median_import(BASELINE, runs)
    endpoint = median_import("threecx_xapi.api.users.list_user", runs)
    package = median_import("threecx_xapi", runs)
    against = f"vs `import {BASELINE}` {ms(baseline)}; median of {runs} fresh interpreters"
    return [
        Figure.at_most(
            "cold import threecx_xapi.api.users.list_user", endpoint / baseline, 1.5, f"{ms(endpoint)} {against}"
        ),
        Figure.at_most("cold import threecx_xapi", package / baseline, 1.3, f"{ms(package)} {against}"),
    ]

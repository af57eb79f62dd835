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


def median_imports(candidates: list[str], runs: int) -> dict[str, float]:
    """Median import seconds of each, taken in turn round after round so that a busy moment hits all alike."""
    timings: dict[str, list[float]] = {modules: [] for modules in candidates}
    for modules in candidates:
        import_seconds(modules)  # the first run writes the .pyc files; not counted
    for _ in range(runs):
        for modules in candidates:
            timings[modules].append(import_seconds(modules))
    return {modules: statistics.median(values) for modules, values in timings.items()}


def figures(runs: int = 7) -> list[Figure]:
    endpoint_module, package = "threecx_xapi.api.users.list_user", "threecx_xapi"
    medians = median_imports([BASELINE, endpoint_module, package], runs)
    baseline = medians[BASELINE]
    against = f"vs `import {BASELINE}` {ms(baseline)}; median of {runs} fresh interpreters"
    return [
        Figure.at_most(
            f"cold import {endpoint_module}",
            medians[endpoint_module] / baseline,
            1.1,
            f"{ms(medians[endpoint_module])} {against}",
        ),
        Figure.at_most(f"cold import {package}", medians[package] / baseline, 1.3, f"{ms(medians[package])} {against}"),
    ]

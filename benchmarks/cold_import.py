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


def import_timings(candidates: list[str], runs: int) -> dict[str, list[float]]:
    """Import seconds of each, one fresh interpreter per run, taken in turn round after round."""
    timings: dict[str, list[float]] = {modules: [] for modules in candidates}
    for modules in candidates:
        import_seconds(modules)  # the first run writes the .pyc files; not counted
    for _ in range(runs):
        for modules in candidates:
            timings[modules].append(import_seconds(modules))
    return timings


def paired_ratio(ours: list[float], baseline: list[float]) -> float:
    """The median of each round's ratio: a busy moment on a shared machine hits both imports of a round."""
    return statistics.median(mine / base for mine, base in zip(ours, baseline, strict=True))


def figures(runs: int = 31) -> list[Figure]:
    endpoint_module, package = "threecx_xapi.api.users.list_user", "threecx_xapi"
    timings = import_timings([BASELINE, endpoint_module, package], runs)
    baseline = timings[BASELINE]
    against = f"vs `import {BASELINE}` {ms(statistics.median(baseline))}; median of {runs} paired fresh interpreters"
    return [
        Figure.at_most(
            f"cold import {name}",
            paired_ratio(timings[name], baseline),
            limit,
            f"{ms(statistics.median(timings[name]))} {against}",
        )
        for name, limit in ((endpoint_module, 1.1), (package, 1.3))
    ]

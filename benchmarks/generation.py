"""Generation time of our generator against stock openapi-python-client on the same pinned document."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from measure import Figure, seconds

REPO = Path(__file__).resolve().parents[1]
STOCK = Path(sys.executable).with_name("openapi-python-client")
# `make bench` does not put the venv's bin on PATH; both generators look ruff up there, and stock skips it when missing.
ENVIRONMENT = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}
WRITE_DOCUMENT = "import sys; from generator.lock import SpecLock; sys.stdout.buffer.write(SpecLock.read().fetch()[0])"


def _run(command: list[str]) -> bytes:
    return subprocess.run(command, cwd=REPO, env=ENVIRONMENT, check=True, capture_output=True).stdout


def _timed(command: list[str]) -> float:
    return seconds(lambda: _run(command))


def figures(runs: int = 3) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="threecx-xapi-bench-") as scratch:
        root = Path(scratch)
        document = root / "xapi.yaml"
        document.write_bytes(_run([sys.executable, "-c", WRITE_DOCUMENT]))
        ours_command = [sys.executable, "-m", "generator", "generate", "--spec", str(document)]
        # Stock output goes to a fresh folder each run; it skips the 77 operations it cannot type, and says so.
        stock_command = [str(STOCK), "generate", "--path", str(document), "--meta", "none", "--overwrite"]
        ours: list[float] = []
        stock: list[float] = []
        for run in range(runs):
            ours.append(_timed([*ours_command, "--output", str(root / f"ours-{run}")]))
            stock.append(_timed([*stock_command, "--output-path", str(root / f"stock-{run}")]))
    mine, theirs = statistics.median(ours), statistics.median(stock)
    detail = f"{mine:.1f} s vs {theirs:.1f} s for stock openapi-python-client (ruff included), median of {runs}"
    return [Figure.at_most("generation time vs stock openapi-python-client", mine / theirs, 1.0, detail)]

"""The peer SDK (`3cx-xapi-python-sdk`, pydantic) on the same 10,000-row body, in its own venv under .venv/peer."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import call_history
from measure import Figure, ms
from parse_page import ROWS

REPO = Path(__file__).resolve().parents[1]
PEER_VENV = REPO / ".venv" / "peer"
PEER_PYTHON = PEER_VENV / "bin" / "python"
PEER_REQUIREMENT = "3cx-xapi-python-sdk==3.0.0"
PROBE = Path(__file__).with_name("peer_probe.py")


def install() -> None:
    """Create the peer's own venv (never mixed with ours) and install the peer SDK into it."""
    subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
    subprocess.run([str(PEER_PYTHON), "-m", "pip", "install", "--quiet", PEER_REQUIREMENT], check=True)


def figures(rounds: int = 9) -> list[Figure]:
    if not PEER_PYTHON.exists():
        print(f"  skipped: the peer SDK is not installed (benchmarks/run.py --install-peer puts it in {PEER_VENV})")
        return []
    with tempfile.NamedTemporaryFile(suffix=".json") as body:
        body.write(call_history.page_body(ROWS))
        body.flush()
        command = [str(PEER_PYTHON), str(PROBE), body.name, str(rounds)]
        result = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
    peer, baseline = result["peer"], result["baseline"]
    detail = f"{ms(peer)} vs {ms(baseline)} for httpx + json.loads in the peer's venv; median of {rounds} rounds"
    return [Figure.reference(f"peer SDK {PEER_REQUIREMENT}: {ROWS:,}-row page", result["ratio"], detail)]

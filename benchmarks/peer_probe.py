"""Runs inside the peer SDK's own venv: times `3cx-xapi-python-sdk` on a page body against httpx + json.loads.

Usage: peer-python peer_probe.py BODY_FILE ROUNDS; prints the median of per-round ratios peer / baseline and the
median seconds of each, the two timed in turn round after round.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

import httpx
from threecx import ThreeCXClient
from threecx.auth import _Token

PBX = "http://pbx.bench"


def main() -> None:
    body, rounds = Path(sys.argv[1]).read_bytes(), int(sys.argv[2])
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=body))
    peer = ThreeCXClient(base_url=PBX, client_id="bench", client_secret="bench", transport=transport)
    # The peer fetches its token with a bare httpx.post outside any transport: hand it one, so nothing leaves.
    peer._auth._token = _Token(access_token="bench-token", expires_at=time.monotonic() + 3600)
    raw = httpx.Client(base_url=PBX + "/xapi/v1", transport=transport)
    timings: dict[str, list[float]] = {"peer": [], "baseline": []}
    actions = {
        "peer": lambda: peer.call_history.list(),
        "baseline": lambda: json.loads(raw.get("/CallHistoryView").content),
    }
    for action in actions.values():
        action()  # warm-up, not counted
    for _ in range(rounds):
        for name, action in actions.items():
            started = time.perf_counter()
            action()
            timings[name].append(time.perf_counter() - started)
    ratios = [peer / base for peer, base in zip(timings["peer"], timings["baseline"], strict=True)]
    medians = {name: statistics.median(values) for name, values in timings.items()}
    print(json.dumps({"ratio": statistics.median(ratios), **medians}))


if __name__ == "__main__":
    main()

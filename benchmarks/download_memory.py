"""DownloadRecording of a 200 MB answer over loopback, streamed to a file: the client's peak memory above its
baseline (resident set high-water mark and tracemalloc's peak), against a PBX in another process."""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from measure import Figure
from threecx_xapi import XapiClient
from threecx_xapi.api.recordings import download_recording

SIZE = 200 * 2**20
SERVER = Path(__file__).with_name("loopback_pbx.py")


def _max_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def figures() -> list[Figure]:
    server = subprocess.Popen([sys.executable, str(SERVER), str(SIZE)], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        with (
            XapiClient(f"http://127.0.0.1:{port}", "bench-client", "bench-secret") as client,
            tempfile.TemporaryDirectory(prefix="threecx-xapi-bench-") as scratch,
        ):
            target = Path(scratch) / "recording.wav"
            client.get_httpx_client()
            baseline = _max_rss()
            tracemalloc.start()
            started = time.perf_counter()
            saved = download_recording.stream(client=client, rec_id=1, to=target)
            elapsed = time.perf_counter() - started
            traced_peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            rss_above = max(0, _max_rss() - baseline)
            if saved.size != SIZE or target.stat().st_size != SIZE:
                raise AssertionError(f"streamed {saved.size} bytes, not {SIZE}")
    finally:
        assert server.stdin is not None
        server.stdin.close()
        server.wait(timeout=10)
    above = max(rss_above, traced_peak) / 2**20
    detail = (
        f"resident high-water +{rss_above / 2**20:.1f} MiB, tracemalloc peak {traced_peak / 2**20:.1f} MiB; "
        f"{SIZE // 2**20} MiB in {elapsed:.1f} s ({SIZE / 2**20 / elapsed:.0f} MiB/s) over 127.0.0.1"
    )
    return [Figure.at_most("DownloadRecording 200 MB streamed to a file: MiB above baseline", above, 20.0, detail)]

"""`make demo`: the five scenarios against the emulator, each a table with rows."""

from __future__ import annotations

import subprocess
import sys

from threecx_xapi import demo
from threecx_xapi.testing import Emulator

TITLES = ("1. Inbound rule created", "2. Extensions export", "3. Call log", "4. Call distribution", "5. Agent login")


def test_each_scenario_prints_a_table_with_rows() -> None:
    pbx = Emulator()
    with pbx.client() as client:
        tables = demo.run(client)
    assert [table.strip().splitlines()[0][: len(title)] for table, title in zip(tables, TITLES, strict=True)] == list(
        TITLES
    )
    assert all("(no rows)" not in table and len(table.strip().splitlines()) >= 4 for table in tables)
    rule = pbx.entities("InboundRules")[-1]
    assert rule["RuleName"] == "Main number"
    assert rule["HolidaysDestination"]["To"] == "External"
    assert rule["OutOfOfficeHoursDestination"]["To"] == "VoiceMail"


def test_the_agent_login_table_shows_the_queue_it_asks_for() -> None:
    pbx = Emulator()
    with pbx.client() as client:
        table = demo.agent_logins(client)
    queue = min(str(row["Number"]) for row in pbx.entities("Queues"))
    title, header, _, *rows = table.strip().splitlines()
    assert title.endswith(f"for queue {queue}")
    start = header.index("Queue")
    assert rows and [row[start:].split()[0] for row in rows] == [queue] * len(rows)


def test_the_module_runs_to_the_end_over_http() -> None:
    finished = subprocess.run(
        [sys.executable, "-m", "threecx_xapi.demo"], capture_output=True, text=True, timeout=120, check=False
    )
    assert finished.returncode == 0, finished.stderr
    assert all(title in finished.stdout for title in TITLES)
    assert "the emulator is stopped now" in finished.stdout.splitlines()[-1]

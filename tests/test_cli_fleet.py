"""`threecx-xapi fleet check|call` against an emulated fleet served over HTTP on 127.0.0.1."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from threecx_xapi.cli import cli
from threecx_xapi.testing.fleet import EmulatedFleet

CALL_LOG = [
    "periodFrom=2026-08-01T00:00:00Z",
    "periodTo=2026-08-31T23:59:59Z",
    "sourceType=0",
    "sourceFilter=",
    "destinationType=0",
    "destinationFilter=",
    "callsType=0",
    "callTimeFilterType=0",
    "callTimeFilterFrom=0:00:0",
    "callTimeFilterTo=0:00:0",
    "hidePcalls=true",
]


@pytest.fixture(scope="module")
def served() -> Iterator[EmulatedFleet]:
    with EmulatedFleet(3, versions=("20.0.7.1100", "20.0.10.1621"), collection_size=30) as pbxs:
        yield pbxs


def test_fleet_call_writes_one_file_per_pbx_and_a_summary(served: EmulatedFleet, tmp_path: Path) -> None:
    fleet_file = served.write_fleet_file(tmp_path)
    params = [item for assignment in CALL_LOG for item in ("--param", assignment)]
    args = ["fleet", "call", str(fleet_file), "GetCallLogData", *params, "--all", "--top", "10", "--format", "csv"]
    result = CliRunner().invoke(cli, [*args, "--output", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    files = sorted((tmp_path / "out").iterdir())
    assert [path.name for path in files] == ["pbx-001.csv", "pbx-002.csv", "pbx-003.csv"]  # no partial files left
    for path in files:
        rows = list(csv.DictReader(path.read_text(encoding="utf-8").splitlines()))
        assert len(rows) == 30 and "StartTime" in rows[0]
    assert "3 of 3 PBXs ok, 90 rows" in result.output
    assert "pbx-002  20.0.10.1621  ok      30" in result.output
    assert "GetCallLogData [####################] 3/3 PBXs, 0 failed, 90 rows" in result.stderr


def test_fleet_call_exits_1_and_names_the_pbxs_that_failed(served: EmulatedFleet, tmp_path: Path) -> None:
    fleet_file = served.write_fleet_file(tmp_path)
    result = CliRunner().invoke(cli, ["fleet", "call", str(fleet_file), "GetAISettings", "-o", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "1 of 3 PBXs ok" in result.output
    failed = [line for line in result.output.splitlines() if " failed " in line]
    assert [line.split()[0] for line in failed] == ["pbx-001", "pbx-003"]
    assert all("it is in 20.0.9, 20.0.10" in line for line in failed)
    assert sorted(path.name for path in (tmp_path / "o").iterdir()) == ["pbx-002.json"]


def test_fleet_check_prints_which_pbxs_can_run_what(served: EmulatedFleet, tmp_path: Path) -> None:
    fleet_file = served.write_fleet_file(tmp_path, concurrency=2, timeout=30.0)
    result = CliRunner().invoke(cli, ["fleet", "check", str(fleet_file), "GetCallLogData", "GetAISettings"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[2].split() == ["pbx-001", "20.0.7.1100", "yes", "no"]
    assert lines[3].split() == ["pbx-002", "20.0.10.1621", "yes", "yes"]
    assert "pbx-003: GetAISettings is not in XAPI 20.0.7" in result.output


def test_bad_input_is_refused_before_any_pbx_is_asked(served: EmulatedFleet, tmp_path: Path) -> None:
    fleet_file = served.write_fleet_file(tmp_path)
    before = sum(len(pbx.emulator.requests) for pbx in served)
    result = CliRunner().invoke(cli, ["fleet", "call", str(fleet_file), "GetCallLogData", "-o", str(tmp_path / "o")])
    assert result.exit_code == 2 and "needs periodFrom" in result.output
    result = CliRunner().invoke(cli, ["fleet", "check", str(tmp_path / "missing.toml"), "ListUser"])
    assert result.exit_code == 2 and "cannot read the fleet file" in result.output
    assert sum(len(pbx.emulator.requests) for pbx in served) == before


def test_fleet_call_writes_one_file_with_a_pbx_column(served: EmulatedFleet, tmp_path: Path) -> None:
    fleet_file = served.write_fleet_file(tmp_path)
    args = ["fleet", "call", str(fleet_file), "ListUser", "--all", "--select", "Number,FirstName", "--format", "csv"]
    result = CliRunner().invoke(cli, [*args, "--output", str(tmp_path / "users.csv")])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader((tmp_path / "users.csv").read_text(encoding="utf-8").splitlines()))
    assert list(rows[0])[0] == "PBX" and {"Number", "FirstName"} <= set(rows[0])
    expected = [pbx.name for pbx in served for _ in pbx.emulator.entities("Users")]
    assert [row["PBX"] for row in rows] == expected and len(expected) == 90
    assert sorted(path.name for path in tmp_path.iterdir() if path.is_file()) == ["fleet.toml", "users.csv"]

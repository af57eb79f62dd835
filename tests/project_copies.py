"""Copies of the project and fresh venvs for tests that act as a user would: offline, beside the real project.

A fresh venv gets the packages of the test's own venv linked in (never the project itself), so `pip install
--no-index` finds every dependency already installed and installs only what the test asks for.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# What the test run was started with stays out of the commands a test runs as a user.
UNSET_VARIABLES = ("XAPI_SPEC", "THREECX_XAPI_URL", "PYTEST_ADDOPTS", "PYTEST_CURRENT_TEST", "VIRTUAL_ENV")


def copy_project(destination: Path) -> None:
    """The project's files as a clone has them (tracked and new, not ignored), uncommitted edits included."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)


def fresh_venv(env_dir: Path) -> Path:
    """A venv with this venv's packages linked in, except threecx-xapi; returns its python."""
    venv.EnvBuilder(with_pip=False, symlinks=True).create(env_dir)
    ours = Path(sysconfig.get_paths()["purelib"])
    theirs = env_dir / ours.relative_to(sys.prefix)
    for entry in ours.iterdir():
        if not entry.name.startswith(("threecx_xapi", "_threecx_xapi")):
            (theirs / entry.name).symlink_to(entry)
    for tool in Path(sys.executable).parent.iterdir():  # ruff's binary and friends; the venv's python stays its own
        if not (env_dir / "bin" / tool.name).exists() and not tool.name.startswith(("python", "activate", "pip")):
            (env_dir / "bin" / tool.name).symlink_to(tool)
    return env_dir / "bin" / "python"


def environment() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if name not in UNSET_VARIABLES}


def run(cwd: Path, command: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(command, cwd=cwd, env=environment(), capture_output=True, text=True)
    if check:
        assert result.returncode == 0, f"{' '.join(command)}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result

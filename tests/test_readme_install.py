"""README's text for adding threecx-xapi to a user's own project works, as written, in a fresh venv.

Both `pip install` lines of "Adding it to your project" run in a venv that holds the dependencies but not
threecx-xapi (offline: `--no-index`, every dependency is already there), with the README's example path and
URL replaced by a wheel built here and a git repository of the project. Then the user's own test runs there
with the emulator's pytest fixture, as README's "Testing your own code" shows.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from project_copies import REPO, copy_project, fresh_venv, run
from threecx_xapi import _pinned

pytestmark = pytest.mark.slow  # builds the package twice and installs it into fresh venvs

USER_TEST = """
from threecx_xapi import XapiClient, __xapi_version__
from threecx_xapi.api.users import list_user


def test_my_sync_job(xapi_emulator):
    with XapiClient(xapi_emulator.url, xapi_emulator.client_id, xapi_emulator.client_secret) as client:
        assert list_user.sync(client=client, top=3).value
    assert __xapi_version__ == "{version}"
"""


def _install_lines() -> dict[str, str]:
    """The README's `pip install` lines of its "Adding it to your project" section, by kind (file, git)."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Adding it to your project", 1)[1].split("\n## ", 1)[0]
    lines = [line.strip() for line in section.splitlines() if line.strip().startswith("pip install ")]
    return {("git" if "git+" in line else "file"): line for line in lines}


def _requirement(line: str) -> str:
    (requirement,) = re.findall(r"'([^']+)'", line)
    return requirement


def _install_and_use(tmp_path: Path, requirement: str, *pip_options: str) -> str:
    python = fresh_venv(tmp_path / "venv")
    run(tmp_path, [str(python), "-m", "pip", "install", "--quiet", "--no-index", *pip_options, requirement])
    (tmp_path / "test_mine.py").write_text(USER_TEST.format(version=_pinned.XAPI_VERSION), encoding="utf-8")
    where = run(tmp_path, [str(python), "-c", "import threecx_xapi.testing as t; print(t.__file__)"]).stdout
    assert where.startswith(str(tmp_path / "venv")), where  # the installed package, not the project's checkout
    result = run(tmp_path, [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_mine.py"])
    return result.stdout


def test_the_readme_names_a_wheel_and_a_git_reference_with_the_emulator_extra() -> None:
    lines = _install_lines()

    assert set(lines) == {"file", "git"}
    assert _requirement(lines["file"]).startswith("threecx-xapi[emulator] @ file:///")
    assert re.fullmatch(r"threecx-xapi\[emulator\] @ git\+https://\S+\.git@<commit>", _requirement(lines["git"]))
    assert "pip install 'threecx-xapi[emulator]'" not in (REPO / "README.md").read_text(encoding="utf-8")


def test_the_readme_wheel_line_installs_in_a_fresh_venv_and_the_emulator_fixture_works(tmp_path: Path) -> None:
    # The wheel `make wheel` builds for the pinned document: generated_client/ is that document's output (drift).
    dist = tmp_path / "dist"
    build = [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(dist)]
    subprocess.run(build, cwd=REPO, check=True, capture_output=True)
    (wheel,) = dist.glob("*.whl")
    assert wheel.name == f"threecx_xapi-{_pinned.PACKAGE_VERSION}-py3-none-any.whl"
    requirement = re.sub(r"file://\S+\.whl", wheel.as_uri(), _requirement(_install_lines()["file"]))

    assert "1 passed" in _install_and_use(tmp_path, requirement)


def test_the_readme_git_line_installs_in_a_fresh_venv_and_the_emulator_fixture_works(tmp_path: Path) -> None:
    repository = tmp_path / "threecx-xapi"
    copy_project(repository)
    for command in (["init", "-q"], ["add", "-A"], ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x"]):
        run(repository, ["git", *command])
    commit = run(repository, ["git", "rev-parse", "HEAD"]).stdout.strip()
    line = _requirement(_install_lines()["git"])
    requirement = re.sub(r"git\+https://\S+\.git@<commit>", f"git+{repository.as_uri()}@{commit}", line)

    # Built from source, as pip does for a git reference; offline, with the hatchling this venv has.
    assert "1 passed" in _install_and_use(tmp_path, requirement, "--no-build-isolation")

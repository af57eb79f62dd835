"""README's upgrade flow, run as a user would in a copy of the project: it ends green on the new pin.

The copy gets its own venv (the packages of this one, linked, and the copy installed editable with pip, offline),
so `make` runs there exactly as in a fresh clone. The flow: `diff pinned` an older published document, `make pull`
it (refused as a downgrade, then allowed), `make generate`, and the fast part of the suite (`make
test-fast`: the tests that generate every published document are left out, to stay within CI's time) passes on
the new pin. Then `make pull` from a PBX URL (a server on 127.0.0.1 answering swagger.yaml with X-3CX-Version) back
to the project's document, and `make generate` gives the project's generated_client/ and docs byte for byte.
"""

from __future__ import annotations

import filecmp
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from loopback import Answer, serving
from project_copies import REPO, copy_project, fresh_venv, run

from generator.document import version_key
from generator.drift import compare_trees
from generator.lock import SpecLock

SHARED = REPO.parent / "shared"
MANIFEST = SHARED / "specs" / "MANIFEST.json"
pytestmark = [
    pytest.mark.skipif(not MANIFEST.is_file(), reason="../shared/specs is not beside the project"),
    pytest.mark.slow,  # generates twice and runs the fast suite in the copy: minutes
]


def _make_venv(project: Path) -> None:
    """The copy's own .venv, with the copy installed editable (offline), as `make setup` would leave it."""
    python = fresh_venv(project / ".venv")
    install = ["-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--no-index", "-e", "."]
    _run(project, [str(python), *install])
    (project / ".venv" / ".installed").touch()  # the Makefile's setup stamp: the venv is ready


_run = run


def _make(project: Path, *arguments: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return _run(project, ["make", "--no-print-directory", *arguments], check=check)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("upgrade")
    (root / "shared").symlink_to(SHARED)  # ../shared beside the copy, as beside the project
    copy = root / "project"
    copy_project(copy)
    _make_venv(copy)
    return copy


def _older_published_document(pinned: SpecLock) -> dict[str, str]:
    """The newest published document of an older 3CX version than the pinned one."""
    entries = json.loads(MANIFEST.read_text(encoding="utf-8"))
    older = [entry for entry in entries if version_key(entry["api_version"]) < version_key(pinned.xapi_version)]
    return max(older, key=lambda entry: (version_key(entry["api_version"]), entry["published"]))


@pytest.fixture
def pbx_serving_the_project_document() -> Iterator[str]:
    """A PBX on 127.0.0.1 serving the project's pinned document with its X-3CX-Version, as PBXs do."""
    lock = SpecLock.read(REPO / "spec" / "xapi.lock.json")
    answer = Answer(body=lock.fetch()[0], headers={"X-3CX-Version": f"{lock.xapi_version}.1621"})
    with serving(answer) as server:
        yield server.url


def test_readme_upgrade_flow_ends_green_on_another_document_and_back(
    project: Path, pbx_serving_the_project_document: str
) -> None:
    lock_file = project / "spec" / "xapi.lock.json"
    pinned = SpecLock.read(lock_file)
    older = _older_published_document(pinned)
    document = f"../shared/specs/{older['file']}"
    python = str(project / ".venv" / "bin" / "python")

    # 1. What would change, before anything changes: the older document removes operations, which may break.
    diff = _run(project, [python, "-m", "generator", "diff", "pinned", document, "--fail-on-breaking"], check=False)
    assert diff.returncode == 1 and "breaking changes:" in diff.stderr

    # 2. Pulling an older version is a downgrade: one line, nothing changed.
    before = lock_file.read_bytes()
    refused = _make(project, "pull", f"FROM={document}", check=False)
    assert refused.returncode != 0 and "Traceback" not in refused.stderr
    assert [line for line in refused.stderr.splitlines() if not line.startswith("make")] == [
        f"error: {document} is XAPI {older['api_version']}, older than the pinned XAPI {pinned.xapi_version} "
        f"({pinned.file}): a downgrade; pass --allow-downgrade (make pull FROM=... ALLOW_DOWNGRADE=1) to pin it"
    ]
    assert lock_file.read_bytes() == before

    # 3. Asked for, it is pinned; generate writes the package and its docs; the fast suite passes on the new pin.
    _make(project, "pull", f"FROM={document}", "ALLOW_DOWNGRADE=1")
    assert SpecLock.read(lock_file).xapi_version == older["api_version"]
    generated = _make(project, "generate")
    assert f"generated {older['operations']} of {older['operations']} operations" in generated.stdout
    assert (project / "docs" / "operations.md").read_bytes() != (REPO / "docs" / "operations.md").read_bytes()
    suite = _make(project, "test-fast", check=False)
    assert suite.returncode == 0, suite.stdout[-6000:]

    # 4. From a PBX's URL back to the project's document: the same package and docs, byte for byte.
    _make(project, "pull", f"FROM={pbx_serving_the_project_document}")
    repinned = SpecLock.read(lock_file)
    assert (repinned.xapi_version, repinned.sha256) == (pinned.xapi_version, pinned.sha256)
    assert repinned.pulled_from == f"{pbx_serving_the_project_document}/xapi/v1/swagger.yaml (X-3CX-Version " + (
        f"{pinned.xapi_version}.1621)"
    )
    _make(project, "generate")
    package = "generated_client/threecx_xapi"
    assert compare_trees(REPO / package, project / package) == []
    for page in ("docs/operations.md", "docs/xapi-changes.md"):
        assert filecmp.cmp(REPO / page, project / page, shallow=False), page

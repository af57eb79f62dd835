"""Every published XAPI document generates completely: no operation skipped, one function per operation."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from generator.document import load_document
from generator.transforms import iter_operations
from generator.verify import generated_operations

REPO = Path(__file__).resolve().parents[1]
SPECS = REPO.parent / "shared" / "specs"
MANIFEST = json.loads((SPECS / "MANIFEST.json").read_text()) if (SPECS / "MANIFEST.json").is_file() else []

pytestmark = pytest.mark.skipif(not MANIFEST, reason="../shared/specs is not beside the project")


def _generate(spec: Path, output: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "generator", "generate", "--spec", str(spec), "--output", str(output)],
        cwd=REPO,
        capture_output=True,
        text=True,
    )


@pytest.fixture(scope="module")
def generated_trees(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    """Each document generated into its own folder, two at a time (the machine has two cores)."""
    root = tmp_path_factory.mktemp("eleven")
    jobs = {entry["file"]: (SPECS / entry["file"], root / entry["file"].removesuffix(".yaml")) for entry in MANIFEST}
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = dict(zip(jobs, pool.map(lambda job: _generate(*job), jobs.values()), strict=True))
    return {name: (jobs[name][1], result.stdout + result.stderr) for name, result in results.items()}


@pytest.mark.parametrize("entry", MANIFEST, ids=[entry["file"] for entry in MANIFEST])
def test_every_operation_of_each_published_document_is_generated(
    entry: dict[str, object], generated_trees: dict[str, tuple[Path, str]]
) -> None:
    output, log = generated_trees[str(entry["file"])]
    documented = {(method.upper(), path) for path, method, _ in iter_operations(load_document(SPECS / str(entry["file"])))}
    generated = generated_operations(output / "threecx_xapi")

    assert len(documented) == entry["operations"], "the manifest and the document disagree"
    assert set(generated) == documented, log
    assert all(count == 1 for count in generated.values())
    assert f"generated {entry['operations']} of {entry['operations']} operations" in log
    assert f"XAPI {entry['api_version']}" in log


def test_verify_reports_generated_equals_documented_for_the_pinned_document() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "generator", "verify"], cwd=REPO, capture_output=True, text=True, check=False
    )
    lock = json.loads((REPO / "spec" / "xapi.lock.json").read_text())
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"documented {lock['operations']}, generated {lock['operations']}" in result.stdout

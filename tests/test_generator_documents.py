"""Every published XAPI document generates completely, and its wheel installs and imports in a fresh venv."""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
import venv
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest

from generator.document import load_document
from generator.transforms import iter_operations
from generator.verify import generated_operations
from generator.wheel import package

REPO = Path(__file__).resolve().parents[1]
SPECS = REPO.parent / "shared" / "specs"
MANIFEST: list[dict[str, Any]] = (
    json.loads((SPECS / "MANIFEST.json").read_text()) if (SPECS / "MANIFEST.json").is_file() else []
)
IDS = [entry["file"] for entry in MANIFEST]

pytestmark = [
    pytest.mark.skipif(not MANIFEST, reason="../shared/specs is not beside the project"),
    pytest.mark.slow,  # generates every published document: minutes, not part of the fast run
]

T = TypeVar("T")
R = TypeVar("R")


def _two_at_a_time(work: Callable[[T], R], items: dict[str, T]) -> dict[str, R]:
    """The machine has two cores: run subprocess-bound work two at a time."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(items, pool.map(work, items.values()), strict=True))


def _generate(job: tuple[Path, Path]) -> str:
    spec, project = job
    result = subprocess.run(
        [sys.executable, "-m", "generator", "generate", "--spec", str(spec), "--output", f"{project}/generated_client"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    return result.stdout + result.stderr


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    """Each document generated into its own project folder; the value is (folder, generator output)."""
    root = tmp_path_factory.mktemp("documents")
    jobs = {entry["file"]: (SPECS / entry["file"], root / entry["file"].removesuffix(".yaml")) for entry in MANIFEST}
    logs = _two_at_a_time(_generate, jobs)
    return {name: (jobs[name][1], logs[name]) for name in jobs}


@pytest.mark.parametrize("entry", MANIFEST, ids=IDS)
def test_every_operation_of_each_published_document_is_generated(
    entry: dict[str, Any], projects: dict[str, tuple[Path, str]]
) -> None:
    project, log = projects[entry["file"]]
    documented = {(method.upper(), path) for path, method, _ in iter_operations(load_document(SPECS / entry["file"]))}
    generated = generated_operations(project / "generated_client" / "threecx_xapi")

    assert len(documented) == entry["operations"], "the manifest and the document disagree"
    assert set(generated) == documented, log
    assert all(count == 1 for count in generated.values())
    assert f"generated {entry['operations']} of {entry['operations']} operations" in log
    assert f"XAPI {entry['api_version']}" in log


def _install_and_import(job: tuple[Path, Path]) -> str:
    """Install a wheel with pip into a fresh venv and import it there; returns what the import printed."""
    wheel, env = job
    venv.EnvBuilder(with_pip=False).create(env)
    python = env / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
    )
    # Dependencies (httpx, attrs...) come from the test interpreter's site-packages, appended after the venv's own.
    probe = (
        f"import sys; sys.path.append({sysconfig.get_paths()['purelib']!r}); "
        "import threecx_xapi, threecx_xapi.api.users.list_user as op; "
        "assert threecx_xapi.__file__.startswith(sys.prefix), threecx_xapi.__file__; "
        "print(threecx_xapi.__xapi_version__, threecx_xapi.__version__, op.ENDPOINT.operation_id)"
    )
    return subprocess.run([str(python), "-c", probe], check=True, capture_output=True, text=True).stdout.strip()


def test_every_published_document_builds_a_wheel_that_installs_and_imports_in_a_fresh_venv(
    projects: dict[str, tuple[Path, str]], tmp_path: Path
) -> None:
    wheels = {name: package(project, tmp_path / "dist" / name) for name, (project, _log) in projects.items()}
    printed = _two_at_a_time(
        _install_and_import, {name: (wheel, tmp_path / f"venv-{i}") for i, (name, wheel) in enumerate(wheels.items())}
    )
    for entry in MANIFEST:
        version = entry["api_version"]
        expected = f"{version} 0.1.0+xapi.{version}.{entry['sha256'][:8]} ListUser"
        assert printed[entry["file"]] == expected


def test_verify_reports_generated_equals_documented_for_the_pinned_document() -> None:
    result = subprocess.run([sys.executable, "-m", "generator", "verify"], cwd=REPO, capture_output=True, text=True)
    lock = json.loads((REPO / "spec" / "xapi.lock.json").read_text())
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"documented {lock['operations']}, generated {lock['operations']}" in result.stdout


# A 20.0.10 user: Tags "AI" and "WeakPass" and the fields AIAgent/AgentSettings/BlockTunnel are unknown to 20.0.4.
NEWER_USER = {
    "Id": 7,
    "Number": "100",
    "FirstName": "Zoë",
    "Tags": ["Teams", "AI", "WeakPass"],
    "AIAgent": True,
    "AgentSettings": {"Mode": "Assist"},
    "BlockTunnel": False,
}

# The real call path: a token, GET /Users, the response parsed by parse_json (msgspec; from_dict for wrong types).
TOLERANCE_PROBE = """
import json, sys
import httpx
from threecx_xapi import XapiClient, __xapi_version__
from threecx_xapi.api.users import list_user
from threecx_xapi.models import UserCollectionResponse

payload = json.loads(sys.argv[1])
bodies = [{"value": [payload]}, {"value": [{"Number": "101", "Tags": payload["Tags"]}]}]

def pbx(request):
    if request.url.path == "/connect/token":
        return httpx.Response(200, json={"access_token": "token", "token_type": "Bearer", "expires_in": 3600})
    assert request.url.path == "/xapi/v1/Users", request.url
    return httpx.Response(200, json=bodies.pop(0))

tolerant_parses = []
from_dict = UserCollectionResponse.from_dict.__func__
UserCollectionResponse.from_dict = classmethod(lambda cls, src: tolerant_parses.append(src) or from_dict(cls, src))

transport = httpx.MockTransport(pbx)
with XapiClient("https://pbx.example.com", "id", "secret", httpx_args={"transport": transport}) as client:
    user = list_user.sync(client=client).value[0]
    tagged = list_user.sync(client=client).value[0]
print(json.dumps({
    "version": __xapi_version__,
    "tags": [[tag.value, tag.is_known] for tag in user.tags],
    "unknown_fields": sorted(user.additional_properties),
    "email_unset": type(user.email_address).__name__,
    "round_trip": user.to_dict() == payload,
    "tolerant_parses": len(tolerant_parses),
    "fast_tags": [[tag.value, tag.is_known] for tag in tagged.tags],
}))
"""


def test_a_client_generated_from_20_0_4_keeps_what_a_20_0_10_pbx_sends(projects: dict[str, tuple[Path, str]]) -> None:
    oldest = next(entry for entry in MANIFEST if entry["api_version"] == "20.0.4")
    package_root = projects[oldest["file"]][0] / "generated_client"
    # -S: no .pth files, so the checkout's own generated_client/ cannot join the 20.0.4 package's path.
    roots = [REPO / "overrides", package_root, Path(sysconfig.get_paths()["purelib"])]
    result = subprocess.run(
        [sys.executable, "-S", "-c", TOLERANCE_PROBE, json.dumps(NEWER_USER)],
        env={"PYTHONPATH": ":".join(map(str, roots)), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["version"] == "20.0.4"
    assert seen["tags"] == [["Teams", True], ["AI", False], ["WeakPass", False]]
    assert seen["unknown_fields"] == ["AIAgent", "AgentSettings", "BlockTunnel"]
    assert seen["email_unset"] == "Unset"
    assert seen["round_trip"] is True
    # The fast decoder learns the unknown fields and keeps them: neither body is parsed a second time by from_dict.
    assert seen["tolerant_parses"] == 0
    assert seen["fast_tags"] == seen["tags"]

"""`python -m generator wheel` builds one wheel per document, named by its 3CX version, again and again."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import pytest

from generator.__main__ import main
from generator.build import xapi_version_for
from generator.document import sha256_of, version_from_file_name
from generator.lock import REPO_ROOT, SpecLock

# A document small enough to generate in about a second; no lock or manifest knows it.
DOCUMENT = b"""openapi: 3.0.4
info: {title: XAPI, version: 1.0.0}
paths:
  /Users:
    get:
      operationId: ListUser
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/User"}
components:
  schemas:
    User:
      type: object
      properties:
        Number: {type: string}
"""
DIGEST = sha256_of(DOCUMENT)[:8]


def document_named(tmp_path: Path, name: str) -> Path:
    path = tmp_path / "specs" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(DOCUMENT)
    return path


def test_building_the_same_wheel_twice_replaces_it_and_exits_0(tmp_path: Path) -> None:
    spec, dist = document_named(tmp_path, "pbx.yaml"), tmp_path / "dist"
    command = ["wheel", "--spec", str(spec), "--dist", str(dist), "--xapi-version", "20.0.11"]
    wheel = dist / f"threecx_xapi-0.1.0+xapi.20.0.11.{DIGEST}-py3-none-any.whl"

    assert main(command) == 0
    wheel.write_bytes(b"an older build")
    assert main(command) == 0

    assert list(dist.iterdir()) == [wheel]  # one wheel, no staging folder left behind
    with zipfile.ZipFile(wheel) as built:
        assert 'XAPI_VERSION = "20.0.11"' in built.read("threecx_xapi/_pinned.py").decode()


def test_generate_takes_the_version_from_a_published_file_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = document_named(tmp_path, "xapi-20.0.9-2026-01-22.yaml")

    assert main(["generate", "--spec", str(spec), "--output", str(tmp_path / "out")]) == 0

    assert "XAPI 20.0.9," in capsys.readouterr().out
    assert 'XAPI_VERSION = "20.0.9"' in (tmp_path / "out" / "threecx_xapi" / "_pinned.py").read_text()


@pytest.mark.parametrize("command", ["generate", "wheel"])
@pytest.mark.parametrize("version", ["20.0", "v20.0.10", "20.0.10.1621", "latest"])
def test_an_xapi_version_not_like_20_0_10_is_refused_before_any_work(
    command: str, version: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = document_named(tmp_path, "pbx.yaml")
    destination = ["--output" if command == "generate" else "--dist", str(tmp_path / "out")]

    with pytest.raises(SystemExit) as exited:
        main([command, "--spec", str(spec), *destination, "--xapi-version", version])

    assert exited.value.code == 2
    assert f"an XAPI version is three numbers like 20.0.10, not {version!r}" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("name", "version"),
    [
        ("xapi-20.0.9-2026-01-22.yaml", "20.0.9"),
        ("xapi-20.0.10-8934b31ce6c4.yaml", "20.0.10"),  # as `pull` caches a PBX's document
        ("xapi-20.0.10.json", "20.0.10"),
        ("xapi-20.0.yaml", None),
        ("swagger.yaml", None),
        ("xapi-20.0.9-2026-01-22.txt", None),
    ],
)
def test_the_version_a_file_name_gives(name: str, version: str | None) -> None:
    assert version_from_file_name(Path(name)) == version


def test_a_given_version_wins_then_the_lock_then_the_file_name_then_info_version(tmp_path: Path) -> None:
    lock = SpecLock.read()
    named, unnamed = tmp_path / "xapi-20.0.9-2026-01-22.yaml", tmp_path / "pbx.yaml"

    assert xapi_version_for(named, DIGEST, lock, given="20.0.11") == "20.0.11"
    assert xapi_version_for(None, lock.sha256, lock, given="20.0.11") == "20.0.11"
    assert xapi_version_for(named, lock.sha256, lock) == lock.xapi_version
    assert xapi_version_for(named, DIGEST, lock) == "20.0.9"
    assert xapi_version_for(unnamed, DIGEST, lock, document={"info": {"version": "20.0.12.300"}}) == "20.0.12"
    with pytest.raises(ValueError, match="cannot tell the 3CX version of .*pbx.yaml.*XAPI_VERSION=20.0.x"):
        xapi_version_for(unnamed, DIGEST, lock, document={"info": {"version": "1.0.0"}})  # as 3CX's documents say


def test_a_wheel_of_a_document_that_tells_no_version_is_refused_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec, dist = document_named(tmp_path, "pbx.yaml"), tmp_path / "dist"

    assert main(["wheel", "--spec", str(spec), "--dist", str(dist)]) == 2

    assert capsys.readouterr().err == (
        f"error: cannot tell the 3CX version of {spec}: no MANIFEST.json entry beside it, no version in its file "
        "name or info.version; give it: --xapi-version 20.0.x (make wheel SPEC=... XAPI_VERSION=20.0.x)\n"
    )
    assert not dist.exists() or not any(dist.iterdir())


def test_a_wheel_takes_the_version_from_info_version_when_it_is_a_3cx_version(tmp_path: Path) -> None:
    spec, dist = document_named(tmp_path, "pbx.yaml"), tmp_path / "dist"
    spec.write_bytes(DOCUMENT.replace(b"version: 1.0.0", b"version: 20.0.11.1700"))

    assert main(["wheel", "--spec", str(spec), "--dist", str(dist)]) == 0

    (wheel,) = dist.iterdir()
    assert wheel.name == f"threecx_xapi-0.1.0+xapi.20.0.11.{sha256_of(spec.read_bytes())[:8]}-py3-none-any.whl"


def test_make_wheel_passes_xapi_version_on() -> None:
    printed = subprocess.run(
        ["make", "--dry-run", "wheel", "SPEC=pbx.yaml", "XAPI_VERSION=20.0.9"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    assert '-m generator wheel --spec "pbx.yaml" --xapi-version "20.0.9" --dist dist' in printed

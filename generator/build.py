"""Generate the `threecx_xapi` package from an XAPI document.

Steps: read and check the document, apply the transforms, let openapi-python-client parse it, render
with our templates layered over its own, write the operation registry and the pinned-version module,
stamp every file, and format with ruff. The output holds only generated files (`api/`, `models/`, data): the
hand-written runtime lives in `overrides/threecx_xapi/` and joins it as one package (docs/architecture.md).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openapi_python_client import Project
from openapi_python_client.config import Config, ConfigFile, MetaType
from openapi_python_client.parser import GeneratorData
from openapi_python_client.parser.errors import GeneratorError

from .document import parse_document, sha256_of, version_from_file_name, version_from_manifest
from .lock import GENERATOR_VERSION, REPO_ROOT, SpecLock
from .registry import TemplateHelpers, build_registry
from .transforms import apply_all, iter_operations

PACKAGE = "threecx_xapi"
PACKAGE_BASE_VERSION = "0.1.0"
TEMPLATES = Path(__file__).resolve().parent / "templates"
CONFIG = Path(__file__).resolve().parent / "openapi-python-client.yaml"
OVERRIDES = REPO_ROOT / "overrides"
# What openapi-python-client writes beside api/ and models/ that the hand-written runtime provides instead.
RUNTIME_FILES = ("__init__.py", "client.py", "errors.py", "types.py", "py.typed")
DEFAULT_OUTPUT = REPO_ROOT / "generated_client"
RUFF_CONFIG = REPO_ROOT / "pyproject.toml"
XAPI_VERSION = re.compile(r"\d+\.\d+\.\d+")


class GenerationError(RuntimeError):
    """openapi-python-client reported a problem; with --fail-on-warning semantics every one is fatal."""


@dataclass(frozen=True)
class Generated:
    package_dir: Path
    xapi_version: str
    sha256: str
    documented: int
    generated: int


def xapi_version_for(spec: Path | None, sha256: str, lock: SpecLock, given: str | None = None) -> str:
    """The 3CX version of a document: `given`, the lock's, a MANIFEST.json's, its file name's, else 'unknown'."""
    if given is not None:
        return checked_xapi_version(given)
    if sha256 == lock.sha256:
        return lock.xapi_version
    if spec is None:
        return "unknown"
    return version_from_manifest(spec, sha256) or version_from_file_name(spec) or "unknown"


def checked_xapi_version(text: str) -> str:
    """A 3CX version as the package version carries it: three numbers, like 20.0.10."""
    if not XAPI_VERSION.fullmatch(text):
        raise ValueError(f"an XAPI version is three numbers like 20.0.10, not {text!r}")
    return text


def package_version(xapi_version: str, sha256: str) -> str:
    """`0.1.0+xapi.20.0.10.8934b31c`: 3CX republishes a version's document, so the digest tells them apart."""
    return f"{PACKAGE_BASE_VERSION}+xapi.{xapi_version}.{sha256[:8]}"


def _config(output_dir: Path, source: str) -> Config:
    file_config = ConfigFile.load_from_path(CONFIG)
    return Config.from_sources(file_config, MetaType.NONE, source, "utf-8", True, output_dir)


def _raise_on_errors(errors: list[GeneratorError]) -> None:
    if errors:
        lines = [f"{error.level.value}: {error.header or ''} {error.detail or ''}".strip() for error in errors]
        raise GenerationError("openapi-python-client reported:\n" + "\n".join(lines))


def _parse_errors(parsed: GeneratorData) -> list[GeneratorError]:
    """What openapi-python-client could not read: each operation or schema it would leave out."""
    errors: list[GeneratorError] = list(parsed.errors)
    for collection in parsed.endpoint_collections_by_tag.values():
        errors.extend(collection.parse_errors)
    return errors


def render(document: dict[str, Any], package_dir: Path, source: str) -> list[dict[str, Any]]:
    """Run openapi-python-client with our templates; returns the operation registry."""
    config = _config(package_dir, source)
    parsed = GeneratorData.from_dict(document, config=config)
    if isinstance(parsed, GeneratorError):
        _raise_on_errors([parsed])
        raise AssertionError("unreachable")
    _raise_on_errors(_parse_errors(parsed))  # before the registry: it expects every operation to be there
    entries = build_registry(document, parsed, field_prefix=config.field_prefix)
    project = Project(openapi=parsed, config=config, custom_template_path=TEMPLATES)
    project.env.globals["xapi"] = TemplateHelpers(entries)
    _raise_on_errors(list(project.build()))
    return entries


def _header(text: str) -> str:
    return "".join(f"# {line}\n" if line else "#\n" for line in text.splitlines())


def write_runtime_data(
    package_dir: Path, document: dict[str, Any], entries: list[dict[str, Any]], xapi_version: str, sha256: str
) -> None:
    """The registry, the document's schemas (for the emulator), the pinned-version module and py.typed."""
    registry = {"xapi_version": xapi_version, "spec_sha256": sha256, "operations": entries}
    (package_dir / "api" / "operations.json").write_text(json.dumps(registry, indent=1) + "\n", encoding="utf-8")
    schemas = document.get("components", {}).get("schemas", {})
    (package_dir / "models" / "schemas.json").write_text(json.dumps(schemas, indent=1) + "\n", encoding="utf-8")
    (package_dir / "_pinned.py").write_text(
        '"""The XAPI document this package was generated from."""\n\n'
        f'XAPI_VERSION = "{xapi_version}"\n'
        f'SPEC_SHA256 = "{sha256}"\n'
        f"OPERATION_COUNT = {len(entries)}\n"
        f'GENERATOR = "{GENERATOR_VERSION}"\n'
        f'PACKAGE_VERSION = "{package_version(xapi_version, sha256)}"\n',
        encoding="utf-8",
    )
    (package_dir / "py.typed").write_text("", encoding="utf-8")


def drop_runtime_files(package_dir: Path) -> None:
    """Remove openapi-python-client's own runtime modules: overrides/threecx_xapi provides them, once."""
    for name in RUNTIME_FILES:
        (package_dir / name).unlink(missing_ok=True)


def stamp(package_dir: Path, xapi_version: str, sha256: str) -> None:
    """Mark every generated Python file as build output."""
    header = _header(
        f"Generated by threecx-xapi's generator ({GENERATOR_VERSION}) from XAPI {xapi_version}, document sha256 "
        f"{sha256[:16]}.\nDo not edit: change generator/ or overrides/, run 'make generate'."
    )
    for path in sorted(package_dir.rglob("*.py")):
        path.write_text(header + path.read_text(encoding="utf-8"), encoding="utf-8")


def format_with_ruff(*paths: Path) -> None:
    """Sort imports, drop unused ones and format, always with the project's ruff settings."""
    ruff = [sys.executable, "-m", "ruff"]
    config = ["--config", str(RUFF_CONFIG)]
    targets = [str(path) for path in paths]
    subprocess.run([*ruff, "check", "--fix-only", "--quiet", "--extend-select", "I", *config, *targets], check=True)
    subprocess.run([*ruff, "format", "--quiet", *config, *targets], check=True)


def generate(
    spec: Path | None = None,
    output: Path = DEFAULT_OUTPUT,
    lock: SpecLock | None = None,
    xapi_version: str | None = None,
) -> Generated:
    """Generate `<output>/threecx_xapi` from `spec`, or from the locked document when `spec` is None.

    `xapi_version`, when given, is the document's 3CX version, whatever the lock, a manifest or the file name say.
    """
    lock = lock or SpecLock.read()
    if spec is None:
        data, source = lock.fetch()
    else:
        data, source = spec.read_bytes(), str(spec)
    sha256 = sha256_of(data)
    xapi_version = xapi_version_for(spec, sha256, lock, given=xapi_version)
    document = apply_all(parse_document(data, source=source))

    output.mkdir(parents=True, exist_ok=True)
    package_dir = output / PACKAGE
    with tempfile.TemporaryDirectory(prefix=".threecx-xapi-", dir=output) as staging_root:
        staging = Path(staging_root) / PACKAGE
        entries = render(document, staging, source)
        write_runtime_data(staging, document, entries, xapi_version, sha256)
        drop_runtime_files(staging)
        stamp(staging, xapi_version, sha256)
        format_with_ruff(staging)
        if package_dir.exists():
            shutil.rmtree(package_dir)
        staging.rename(package_dir)
    documented = sum(1 for _ in iter_operations(document))
    return Generated(package_dir, xapi_version, sha256, documented, len(entries))

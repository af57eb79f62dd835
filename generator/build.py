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

from .document import parse_document, sha256_of, xapi_version_of
from .lock import GENERATOR_VERSION, REPO_ROOT, SpecLock
from .registry import TemplateHelpers, build_registry
from .transforms import apply_all, iter_operations
from .versions import DocumentEntry, document_signatures, packaged_text, read_table

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


def xapi_version_for(
    spec: Path | None, sha256: str, lock: SpecLock, given: str | None = None, document: dict[str, Any] | None = None
) -> str:
    """The 3CX version of a document: `given`, the lock's, else what the document tells (`xapi_version_of`).

    A document that tells nothing is refused: a package named `+xapi.unknown` pins nothing.
    """
    if given is not None:
        return checked_xapi_version(given)
    if sha256 == lock.sha256:
        return lock.xapi_version
    found = xapi_version_of(document or {}, sha256=sha256, path=spec)
    if found is None:
        raise ValueError(
            f"cannot tell the 3CX version of {spec}: no MANIFEST.json entry beside it, no version in its file name "
            "or info.version; give it: --xapi-version 20.0.x (make wheel SPEC=... XAPI_VERSION=20.0.x)"
        )
    return found


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
    _write_models_stub(project, parsed, package_dir)
    return entries


def _write_models_stub(project: Project, parsed: GeneratorData, package_dir: Path) -> None:
    """models/__init__.pyi: the names the lazy models/__init__.py resolves on first use, for type checkers."""
    classes = [model.class_info for model in parsed.models] + [enum.class_info for enum in parsed.enums]
    stub = project.env.get_template("models_init.pyi.jinja").render(classes=classes)
    (package_dir / "models" / "__init__.pyi").write_text(stub, encoding="utf-8")


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


def write_version_table(package_dir: Path, document: dict[str, Any], xapi_version: str, sha256: str) -> None:
    """api/versions.json: the committed operations-by-version table, with this document when it is not in it."""
    table = read_table()
    if not table.has(sha256):
        table = table.with_document(DocumentEntry(xapi_version, "", sha256), document_signatures(document))
    (package_dir / "api" / "versions.json").write_text(packaged_text(table), encoding="utf-8")


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
    for path in sorted([*package_dir.rglob("*.py"), *package_dir.rglob("*.pyi")]):
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
    parsed = parse_document(data, source=source)
    xapi_version = xapi_version_for(spec, sha256, lock, given=xapi_version, document=parsed)
    document = apply_all(parsed)

    output.mkdir(parents=True, exist_ok=True)
    package_dir = output / PACKAGE
    with tempfile.TemporaryDirectory(prefix=".threecx-xapi-", dir=output) as staging_root:
        staging = Path(staging_root) / PACKAGE
        entries = render(document, staging, source)
        write_runtime_data(staging, document, entries, xapi_version, sha256)
        write_version_table(staging, parsed, xapi_version, sha256)
        drop_runtime_files(staging)
        stamp(staging, xapi_version, sha256)
        format_with_ruff(staging)
        if package_dir.exists():
            shutil.rmtree(package_dir)
        staging.rename(package_dir)
    documented = sum(1 for _ in iter_operations(document))
    return Generated(package_dir, xapi_version, sha256, documented, len(entries))

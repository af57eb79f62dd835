"""`python -m generator wheel [--spec DOC]`: a wheel of threecx-xapi generated for one XAPI document.

The wheel's version names the document (`0.1.0+xapi.20.0.9`), so production can pin one 3CX version.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .build import OVERRIDES, generate
from .lock import REPO_ROOT


def package(project: Path, dist: Path) -> Path:
    """Build the wheel of a project folder: generated_client/threecx_xapi with our runtime, pyproject and README.

    A wheel of the same name already in `dist` is replaced: hatchling would otherwise build nothing new.
    """
    dist = dist.resolve()
    dist.mkdir(parents=True, exist_ok=True)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO_ROOT / name, project / name)
    if not (project / "overrides").exists():
        shutil.copytree(OVERRIDES, project / "overrides", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    with tempfile.TemporaryDirectory(prefix=".threecx-xapi-wheel-", dir=dist) as staging:
        subprocess.run(
            [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", staging],
            cwd=project,
            check=True,
            capture_output=True,
        )
        (built,) = Path(staging).glob("*.whl")
        return built.replace(dist / built.name)


def build_wheel(spec: Path | None, dist: Path, xapi_version: str | None = None) -> Path:
    """Generate into a scratch copy of the project and build its wheel into `dist`."""
    with tempfile.TemporaryDirectory(prefix="threecx-xapi-wheel-") as scratch:
        generate(spec.resolve() if spec else None, Path(scratch) / "generated_client", xapi_version=xapi_version)
        return package(Path(scratch), dist)

"""The spec lock: which XAPI document the package is generated from, and where to find it.

`spec/xapi.lock.json` pins the document by sha256. Sources are tried in order; the first one that
answers must match the pinned sha256, or generation stops: never a silent regeneration.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .document import SourceError, read_source, sha256_of, shown

REPO_ROOT = Path(__file__).resolve().parent.parent
LOCK_PATH = REPO_ROOT / "spec" / "xapi.lock.json"
GENERATOR_VERSION = "openapi-python-client==0.29.1"
PUBLISHED_URL = "https://raw.githubusercontent.com/3cx/xapi-tutorial/{commit}/swagger.yaml"


class LockError(RuntimeError):
    """The pinned document could not be found, or a source served a different one."""


@dataclass(frozen=True)
class SpecLock:
    xapi_version: str
    file: str
    sha256: str
    operations: int
    generator: str = GENERATOR_VERSION
    published_commit: str | None = None
    pulled_from: str | None = None
    sources: list[str] = field(default_factory=list)

    @classmethod
    def read(cls, path: Path = LOCK_PATH) -> SpecLock:
        return cls(**json.loads(path.read_text(encoding="utf-8")))

    def write(self, path: Path = LOCK_PATH) -> None:
        path.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")

    def candidate_sources(self) -> list[str]:
        """Where the pinned document is looked for, in order; see the `sources` field of the lock."""
        found: list[str] = []
        for template in self.sources:
            source = _expand(template, self)
            if source:
                found.append(source)
        return found

    def fetch(self) -> tuple[bytes, str]:
        """The pinned document's bytes and where they came from; a wrong sha256 is an error."""
        tried: list[str] = []
        for source in self.candidate_sources():
            try:
                data, _headers = read_source(source)
            except SourceError as exc:
                tried.append(f"{exc.where} ({exc.reason})")
                continue
            digest = sha256_of(data)
            if digest != self.sha256:
                raise LockError(
                    f"{shown(source)} has sha256 {digest}, the lock pins {self.sha256} ({self.file}, XAPI "
                    f"{self.xapi_version}); run 'make pull FROM={shown(source)}' to adopt it"
                )
            return data, source
        raise LockError(
            f"the pinned document {self.file} was not found; tried: {', '.join(tried) or 'nothing'}; set XAPI_SPEC "
            "to its path or THREECX_XAPI_URL to a PBX that serves it"
        )


def _expand(template: str, lock: SpecLock) -> str | None:
    """A source template with `$VAR`, `{file}`, `{commit}` and `{pbx}` filled in, or None when a part is unset."""
    if template.startswith("$"):
        return os.environ.get(template[1:]) or None
    if "{pbx}" in template:
        pbx = os.environ.get("THREECX_XAPI_URL", "").rstrip("/")
        if not pbx:
            return None
        pbx = pbx.removesuffix("/xapi/v1").split("://", 1)[-1]
        template = template.replace("{pbx}", pbx)
    if "{commit}" in template:
        if not lock.published_commit:
            return None
        template = template.replace("{commit}", lock.published_commit)
    source = template.replace("{file}", lock.file)
    if "://" not in source and not Path(source).is_absolute():
        source = str((REPO_ROOT / source).resolve())
    return source

"""The PBXs of a fleet: from code (`PbxConfig`) or from a TOML or YAML fleet file (`load_fleet`).

    [fleet]                                   # optional: how the fleet is worked
    concurrency = 20                          # PBXs worked on at once
    per_pbx = 2                               # requests in flight to one PBX
    timeout = 300                             # seconds for one PBX's whole job

    [defaults]                                # optional: every [[pbx]] starts from these
    client_id = "reports"
    client_secret_env = "XAPI_SECRET_{NAME}"  # {NAME}: the PBX's name, upper case, other characters as _

    [[pbx]]
    name = "acme"
    url = "https://acme.my3cx.eu"

    [[pbx]]
    name = "globex"
    url = "https://pbx.globex.com:5001"
    client_secret_file = "secrets/globex"     # relative to the fleet file; {name} is the PBX's name

A YAML file has the same keys (`fleet:`, `defaults:`, `pbx:` a list). A secret comes from the environment
(`client_secret_env`) or a file (`client_secret_file`), never from the fleet file itself, and never shows in a
repr, a log line or an error.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from ..client import split_base_url

PBX_KEYS = frozenset(
    {"name", "url", "client_id", "client_secret_env", "client_secret_file", "timeout", "per_pbx", "verify"}
)
SECRET_KEYS = frozenset({"client_secret_env", "client_secret_file"})
FLEET_KEYS = frozenset({"concurrency", "per_pbx", "timeout"})
_NOT_ALPHANUMERIC = re.compile(r"[^A-Za-z0-9]")


class FleetFileError(ValueError):
    """A fleet file that cannot be read as a fleet: names the file, the PBX and the field."""


@dataclass(frozen=True)
class PbxConfig:
    """One PBX of a fleet. `timeout` and `per_pbx` override the fleet's; `transport` replaces the network
    (tests, the emulator fleet)."""

    name: str
    url: str
    client_id: str
    client_secret: str = field(repr=False)
    timeout: float | None = None
    per_pbx: int | None = None
    verify: bool | str = True
    transport: httpx.AsyncBaseTransport | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError("a PBX needs a name")
        where = f"PBX {self.name!r}"
        try:
            split_base_url(self.url)
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None
        if not isinstance(self.client_id, str) or not self.client_id:
            raise ValueError(f"{where}: client_id is empty")
        if not isinstance(self.client_secret, str) or not self.client_secret:
            raise ValueError(f"{where}: client_secret is empty")
        if self.timeout is not None and not (isinstance(self.timeout, int | float) and self.timeout > 0):
            raise ValueError(f"{where}: timeout must be a positive number of seconds, not {self.timeout!r}")
        if self.per_pbx is not None:
            positive_int(self.per_pbx, f"{where}: per_pbx")


def positive_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a whole number of at least 1, not {value!r}")
    return value


@dataclass(frozen=True)
class FleetFile:
    """What a fleet file holds: the PBXs and the `[fleet]` settings it gives (absent ones are left out)."""

    pbxs: tuple[PbxConfig, ...]
    settings: dict[str, Any]


def _parse(path: Path) -> dict[str, Any]:
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise FleetFileError(f"cannot read the fleet file {path}: {exc.strerror or exc}") from None
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml  # only for YAML files: importing the fleet stays cheap

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise FleetFileError(f"{path} is not YAML: {exc}") from None
    elif path.suffix.lower() == ".toml":
        try:
            data = tomllib.loads(text.decode("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise FleetFileError(f"{path} is not TOML: {exc}") from None
    else:
        raise FleetFileError(f"{path}: a fleet file ends in .toml, .yaml or .yml")
    if not isinstance(data, dict):
        raise FleetFileError(f"{path}: a fleet file is a table with a `pbx` list")
    return data


def _table(data: Mapping[str, Any], key: str, where: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise FleetFileError(f"{where}: `{key}` must be a table")
    return value


def _secret(entry: Mapping[str, Any], name: str, folder: Path, environ: Mapping[str, str], where: str) -> str:
    variable, file_name = entry.get("client_secret_env"), entry.get("client_secret_file")
    if variable is not None and file_name is not None:
        raise FleetFileError(f"{where}: give client_secret_env or client_secret_file, not both")
    if variable is not None:
        variable = str(variable).replace("{NAME}", _NOT_ALPHANUMERIC.sub("_", name).upper()).replace("{name}", name)
        secret = environ.get(variable, "")
        if not secret:
            raise FleetFileError(f"{where}: the environment variable {variable} (client_secret_env) is not set")
        return secret
    if file_name is not None:
        secret_path = folder / str(file_name).replace("{name}", name)
        try:
            secret = secret_path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise FleetFileError(f"{where}: cannot read client_secret_file {secret_path}: {exc.strerror}") from None
        if not secret:
            raise FleetFileError(f"{where}: client_secret_file {secret_path} is empty")
        return secret
    raise FleetFileError(f"{where}: no secret: set client_secret_env or client_secret_file")


def _pbx(entry: Any, defaults: Mapping[str, Any], folder: Path, environ: Mapping[str, str], where: str) -> PbxConfig:
    if not isinstance(entry, dict):
        raise FleetFileError(f"{where}: each pbx entry must be a table")
    if "client_secret" in entry or "client_secret" in defaults:
        raise FleetFileError(
            f"{where}: a secret is never written in the fleet file: use client_secret_env or client_secret_file"
        )
    merged = dict(defaults)
    if SECRET_KEYS & set(entry):  # a PBX's own secret source replaces the defaults' one, of either kind
        for key in SECRET_KEYS:
            merged.pop(key, None)
    merged.update(entry)
    unknown = sorted(set(merged) - PBX_KEYS)
    if unknown:
        raise FleetFileError(f"{where}: unknown field(s) {', '.join(unknown)} (known: {', '.join(sorted(PBX_KEYS))})")
    name = merged.get("name")
    if not isinstance(name, str) or not name:
        raise FleetFileError(f"{where}: a PBX needs a `name`")
    where = f"{where} ({name!r})"
    for required in ("url", "client_id"):
        if not isinstance(merged.get(required), str) or not merged[required]:
            raise FleetFileError(f"{where}: `{required}` is missing")
    try:
        return PbxConfig(
            name=name,
            url=merged["url"],
            client_id=merged["client_id"],
            client_secret=_secret(merged, name, folder, environ, where),
            timeout=merged.get("timeout"),
            per_pbx=merged.get("per_pbx"),
            verify=merged.get("verify", True),
        )
    except FleetFileError:
        raise
    except ValueError as exc:
        raise FleetFileError(f"{where}: {exc}") from None


def read_fleet_file(path: str | Path, *, environ: Mapping[str, str] | None = None) -> FleetFile:
    """The PBXs and settings of a TOML or YAML fleet file; a FleetFileError names what is wrong and where."""
    path = Path(path)
    environ = os.environ if environ is None else environ
    data = _parse(path)
    unknown = sorted(set(data) - {"fleet", "defaults", "pbx"})
    if unknown:
        raise FleetFileError(f"{path}: unknown section(s) {', '.join(unknown)} (known: fleet, defaults, pbx)")
    settings = _table(data, "fleet", str(path))
    bad = sorted(set(settings) - FLEET_KEYS)
    if bad:
        known = ", ".join(sorted(FLEET_KEYS))
        raise FleetFileError(f"{path}: unknown [fleet] field(s) {', '.join(bad)} (known: {known})")
    defaults = _table(data, "defaults", str(path))
    entries = data.get("pbx")
    if not isinstance(entries, list) or not entries:
        raise FleetFileError(f"{path}: no PBXs: add a `pbx` list ([[pbx]] tables in TOML)")
    pbxs = tuple(
        _pbx(entry, defaults, path.parent, environ, f"{path}: pbx #{index}") for index, entry in enumerate(entries, 1)
    )
    names = [pbx.name for pbx in pbxs]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise FleetFileError(f"{path}: PBX name(s) given twice: {', '.join(twice)}")
    return FleetFile(pbxs, dict(settings))

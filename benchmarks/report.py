"""The machine's description and docs/benchmarks.md."""

from __future__ import annotations

import datetime as dt
import os
import platform
import sys
from importlib import metadata
from pathlib import Path

from measure import Figure

PACKAGES = ("threecx-xapi", "httpx", "attrs", "msgspec", "openapi-python-client")


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine() -> list[str]:
    return [
        f"platform: {platform.platform()}",
        f"CPU: {cpu_model()}, {os.cpu_count()} logical CPUs",
        f"Python: {sys.version.split()[0]} ({platform.python_implementation()})",
        "packages: " + ", ".join(f"{name} {_version(name)}" for name in PACKAGES),
    ]


def verdict(figure: Figure) -> str:
    return {True: "met", False: "NOT met", None: "for reference"}[figure.met]


def line(figure: Figure) -> str:
    return f"{figure.name}: {figure.ratio:.2f} (target {figure.target}, {verdict(figure)}) - {figure.detail}"


def markdown(figures: list[Figure], notes: list[str], elapsed: float) -> str:
    rows = [f"| {item.name} | {item.ratio:.2f} | {item.target} | {verdict(item)} | {item.detail} |" for item in figures]
    return "\n".join(
        [
            "# Benchmarks",
            "",
            "Written by `make bench` (`benchmarks/run.py`); every figure is a ratio to a baseline measured in the same",
            "run on the same machine, so figures from different machines compare. Lower is better except throughput.",
            "",
            f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC in {elapsed:.0f} s on:",
            "",
            *(f"- {fact}" for fact in machine()),
            "",
            "| figure | ratio | target | met | measured |",
            "| --- | ---: | --- | --- | --- |",
            *rows,
            "",
            *(f"- {note}" for note in notes),
            "",
        ]
    )

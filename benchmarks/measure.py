"""Timing helpers and the figure every benchmark returns: a ratio to a baseline measured in the same run."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    """One line of the report: `ratio` is ours over the baseline (or a page count for memory)."""

    name: str
    ratio: float
    target: str
    met: bool | None  # None: shown for reference, no target
    detail: str

    @classmethod
    def at_most(cls, name: str, ratio: float, limit: float, detail: str) -> Figure:
        return cls(name, ratio, f"<= {limit}", ratio <= limit, detail)

    @classmethod
    def reference(cls, name: str, ratio: float, detail: str) -> Figure:
        return cls(name, ratio, "none", None, detail)

    @classmethod
    def at_least(cls, name: str, ratio: float, limit: float, detail: str) -> Figure:
        return cls(name, ratio, f">= {limit}", ratio >= limit, detail)


def seconds(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


@dataclass(frozen=True)
class Paired:
    """`ratio`: the median over rounds of ours / baseline, each round timing the two back to back."""

    ratio: float
    ours: float
    baseline: float


def paired(candidate: Callable[[], object], baseline: Callable[[], object], rounds: int) -> Paired:
    """Time the two in turn, round after round: a busy moment on a shared machine hits both runs of a round."""
    candidate(), baseline()  # warm caches and lazy imports; not counted
    ours: list[float] = []
    theirs: list[float] = []
    for _ in range(rounds):
        ours.append(seconds(candidate))
        theirs.append(seconds(baseline))
    ratio = statistics.median(mine / base for mine, base in zip(ours, theirs, strict=True))
    return Paired(ratio, statistics.median(ours), statistics.median(theirs))


def ms(value: float) -> str:
    return f"{value * 1000:.1f} ms"

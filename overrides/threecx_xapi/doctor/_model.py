"""What the doctor says: one `Check` per thing tried, and the `Diagnosis` that holds them and what was observed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PASS, WARN, FAIL, SKIP = "ok", "warn", "fail", "skip"
VERDICTS = (PASS, WARN, FAIL, SKIP)


@dataclass(frozen=True)
class Check:
    """One line of the doctor's answer: what was tried, the verdict, what was seen, and the fix in words."""

    name: str
    tried: str
    verdict: str
    detail: str
    fix: str = ""

    def line(self) -> str:
        text = f"{self.verdict.upper():<4} {self.name:<24} {self.tried}: {self.detail}"
        return f"{text} -- fix: {self.fix}" if self.fix else text

    def to_dict(self) -> dict[str, str]:
        return {
            "check": self.name,
            "tried": self.tried,
            "verdict": self.verdict,
            "detail": self.detail,
            "fix": self.fix,
        }


@dataclass
class Diagnosis:
    """The checks in the order they ran, and the PBX's behaviour as measured (counts and shapes, no row values).

    `observed` uses the Emulator's keyword names where the emulator models the behaviour (`top_limit`,
    `max_page_size`, `forbidden`, `clock_offset`, `server_version`, `token_lifetime`, `expires_in_minutes`).
    """

    checks: list[Check] = field(default_factory=list)
    observed: dict[str, Any] = field(default_factory=dict)

    def add(self, name: str, tried: str, verdict: str, detail: str, fix: str = "") -> Check:
        check = Check(name, tried, verdict, detail, fix)
        self.checks.append(check)
        return check

    @property
    def failed(self) -> bool:
        return any(check.verdict == FAIL for check in self.checks)

    @property
    def exit_status(self) -> int:
        """0 when everything needed works, 1 when a check failed."""
        return 1 if self.failed else 0

    def check(self, name: str) -> Check | None:
        """The check of this name, if it ran."""
        return next((check for check in self.checks if check.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        """The `--json` answer: every check with its detail, what was observed, and the exit status."""
        return {
            "checks": [check.to_dict() for check in self.checks],
            "observed": self.observed,
            "exit_status": self.exit_status,
        }

"""README's Python examples run as written against the emulator, in order, as a reader would paste them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from threecx_xapi import XapiClient
from threecx_xapi.api.users import create_user
from threecx_xapi.models import User
from threecx_xapi.testing import Emulator

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCK = re.compile(r"^(<!-- not run by tests/test_readme_examples.py: .*? -->\n)?```python\n(.*?)^```", re.M | re.S)


def python_blocks(*, with_unrun: bool = False) -> list[str]:
    """The README's Python blocks in order; a block marked as not run needs what a test cannot give it."""
    found = BLOCK.findall(README.read_text(encoding="utf-8"))
    return [block for marker, block in found if with_unrun or not marker]


def test_only_the_examples_that_need_your_own_pbx_are_left_out() -> None:
    left_out = set(python_blocks(with_unrun=True)) - set(python_blocks())
    needs_your_pbx = ("sign_in_with_browser", "Fleet.from_file", "Emulator.from_report")  # a browser, PBXs, a report
    assert len(left_out) <= len(needs_your_pbx)
    assert all(any(name in block for name in needs_your_pbx) for block in left_out)


def test_readme_has_the_examples_it_promises() -> None:
    blocks = python_blocks()
    assert len(blocks) >= 4
    assert any("create_inbound_rule" in block and "iterate(" in block for block in blocks)


def test_the_everyday_jobs_pass_every_non_key_parameter_by_keyword() -> None:
    jobs = next(block for block in python_blocks() if "get_call_distribution" in block)
    calls = re.findall(r"\.sync\((.*?)\)(?:\.value)?\n", jobs, re.DOTALL)
    assert len(calls) >= 4
    for call in calls:
        arguments = [part.strip() for part in re.split(r",(?![^()]*\))", call) if part.strip()]
        assert all("=" in argument for argument in arguments), call


def test_readme_python_examples_run_against_the_emulator(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    opened: list[XapiClient] = []  # the examples leave their clients open, as a script may; the test closes them
    original_init = XapiClient.__init__

    def recording_init(self: XapiClient, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        opened.append(self)

    monkeypatch.setattr(XapiClient, "__init__", recording_init)
    with Emulator(seed=1, collection_size=5) as pbx:
        monkeypatch.setenv("THREECX_XAPI_URL", pbx.url)
        monkeypatch.setenv("THREECX_XAPI_CLIENT_ID", pbx.client_id)
        monkeypatch.setenv("THREECX_XAPI_CLIENT_SECRET", pbx.client_secret)
        with pbx.client() as client:  # the user the first example looks up
            create_user.sync(client=client, body=User(number="O'Brien", first_name="Pat"))
        namespace: dict[str, object] = {"__name__": "readme"}
        try:
            for number, block in enumerate(python_blocks(), start=1):
                exec(compile(block, f"README.md python block {number}", "exec"), namespace)  # noqa: S102
        finally:
            for client in opened:
                client.close()
        created = [rule for rule in pbx.entities("InboundRules") if rule.get("RuleName") == "Main number"]
    assert len(created) == 1
    assert namespace["user"].number == "O'Brien"  # type: ignore[attr-defined]
    assert capsys.readouterr().out  # job 3 printed the calls of the period

"""Test settings and fixtures shared by every test module."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import httpx
import pytest
from emulator_sessions import signed_in
from hypothesis import settings

if TYPE_CHECKING:
    from threecx_xapi.testing import Emulator

# Property tests check behaviour, not speed: no per-example deadline to trip on a busy CI machine.
settings.register_profile("threecx-xapi", deadline=None)
settings.load_profile("threecx-xapi")


@pytest.fixture
def http(pbx: Emulator) -> Iterator[httpx.Client]:
    """A plain httpx session signed in to the test module's `pbx` (each emulator test module defines one)."""
    with signed_in(pbx) as session:
        yield session

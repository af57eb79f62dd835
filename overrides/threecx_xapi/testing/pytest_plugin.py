"""pytest plugin (registered through the `pytest11` entry point): the `xapi_emulator` fixture.

def test_users(xapi_emulator):
    client = XapiClient(xapi_emulator.url, xapi_emulator.client_id, xapi_emulator.client_secret)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .emulator import Emulator


@pytest.fixture
def xapi_emulator() -> Iterator[Emulator]:
    """A fresh emulator serving on 127.0.0.1 for one test, stopped afterwards."""
    from .emulator import Emulator  # the server dependencies load only when a test asks for the fixture

    with Emulator() as emulator:
        yield emulator

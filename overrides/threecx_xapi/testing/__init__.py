"""Testing support: a local XAPI emulator and a pytest fixture (the `emulator` extra: `threecx-xapi[emulator]`).

    from threecx_xapi.testing import Emulator

    with Emulator() as pbx:
        client = XapiClient(pbx.url, pbx.client_id, pbx.client_secret)

Importing this package does not import the emulator's server dependencies; `Emulator` loads them on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .emulator import Emulator

__all__ = ["Emulator"]


def __getattr__(name: str) -> Any:
    if name == "Emulator":
        from .emulator import Emulator

        return Emulator
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

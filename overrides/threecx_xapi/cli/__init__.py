"""The `threecx-xapi` command line: find any XAPI operation and call it from the shell.

    threecx-xapi ops CallLog
    threecx-xapi call GetUserByNumber --param Number=100 --format json
    threecx-xapi call ListUser --all --top 500 --format csv --output users.csv
    threecx-xapi version
    threecx-xapi emulator --port 8080

Credentials come from THREECX_XAPI_URL, THREECX_XAPI_CLIENT_ID and THREECX_XAPI_CLIENT_SECRET or the
matching flags, or THREECX_XAPI_USERNAME and THREECX_XAPI_PASSWORD, or the tokens `threecx-xapi login` kept.
Errors are one line on stderr with exit status 2. For tests and embedding, pass a `Connection(transport=...)`
as click's `obj` (see connection.py).
"""

from __future__ import annotations

from .commands import cli
from .connection import Connection

__all__ = ["Connection", "cli", "main"]


def main() -> None:
    """The console script."""
    cli(prog_name="threecx-xapi")

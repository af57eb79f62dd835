"""Small HTTP servers on 127.0.0.1 for tests: a PBX document server, and the base any test server shares."""

from __future__ import annotations

import contextlib
import http.server
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TypeVar
from urllib.parse import parse_qs

SWAGGER = "/xapi/v1/swagger.yaml"


@dataclass
class Answer:
    """What the server answers at /xapi/v1/swagger.yaml; anything else is a 404 with the same headers."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    token: str | None = None  # when set, the document needs `Authorization: Bearer <token>` (else 401)
    client_secret: str = ""  # what /connect/token takes for `token`


class LoopbackServer(http.server.ThreadingHTTPServer):
    """A threading HTTP server on a free port of 127.0.0.1."""

    daemon_threads = True

    def __init__(self, handler: type[http.server.BaseHTTPRequestHandler]) -> None:
        super().__init__(("127.0.0.1", 0), handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


S = TypeVar("S", bound=LoopbackServer)


@contextlib.contextmanager
def running(server: S) -> Iterator[S]:
    """The server answering from a thread until the block ends."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


class DocumentServer(LoopbackServer):
    def __init__(self, answer: Answer) -> None:
        super().__init__(_Handler)
        self.answer = answer


class _Handler(http.server.BaseHTTPRequestHandler):
    server: DocumentServer

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        answer = self.server.answer
        found = self.path.split("?")[0] == SWAGGER
        if found and answer.token and self.headers.get("Authorization") != f"Bearer {answer.token}":
            self._answer(401, b'{"error": "unauthorized"}')
        else:
            self._answer(answer.status if found else 404, answer.body if found else b"{}")

    def do_POST(self) -> None:  # noqa: N802 - the http.server API
        form = parse_qs(self.rfile.read(int(self.headers.get("Content-Length", 0))).decode())
        answer = self.server.answer
        if self.path == "/connect/token" and answer.token and form.get("client_secret") == [answer.client_secret]:
            self._answer(200, json.dumps({"access_token": answer.token, "expires_in": 3600}).encode())
        else:
            self._answer(400, b'{"error": "invalid_client"}')

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        for name, value in self.server.answer.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet test server
        pass


def serving(answer: Answer) -> contextlib.AbstractContextManager[DocumentServer]:
    """A PBX document server answering `answer` (the test may replace `server.answer` as it goes)."""
    return running(DocumentServer(answer))

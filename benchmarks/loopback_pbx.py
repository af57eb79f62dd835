"""A PBX on 127.0.0.1 in its own process, answering the token request and a recording of SIZE bytes.

    python benchmarks/loopback_pbx.py 209715200     # prints the port, serves until stdin closes

The recording is written in chunks from one buffer, so the server itself holds no more than a chunk.
"""

from __future__ import annotations

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CHUNK = b"\x00\x01" * (1 << 15)
TOKEN = json.dumps({"access_token": "bench-token", "token_type": "Bearer", "expires_in": 3600}).encode()


def serve(size: int) -> None:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self._answer(200, "application/json", len(TOKEN))
            self.wfile.write(TOKEN)

        def do_GET(self) -> None:
            self._answer(200, "audio/wav", size, 'attachment; filename="recording.wav"')
            left = size
            while left > 0:
                piece = CHUNK if left >= len(CHUNK) else CHUNK[:left]
                self.wfile.write(piece)
                left -= len(piece)

        def _answer(self, status: int, content_type: str, length: int, disposition: str | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(length))
            self.send_header("X-3CX-Version", "20.0.10.1621")
            if disposition:
                self.send_header("Content-Disposition", disposition)
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdin.read()  # the parent closes stdin to stop the server
    server.shutdown()


if __name__ == "__main__":
    serve(int(sys.argv[1]))

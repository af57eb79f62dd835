"""A uvicorn server on a daemon thread, shared by the emulator and the emulated fleet: started, awaited, stopped."""

from __future__ import annotations

import socket
import threading
import time

import uvicorn


class ServerThread:
    """`start()` returns once uvicorn serves the given sockets; `stop()` ends it with the answers still waiting."""

    def __init__(self, config: uvicorn.Config, sockets: list[socket.socket]) -> None:
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": sockets}, daemon=True)

    def start(self, failure: str) -> None:
        """Start serving; `failure` is the RuntimeError's text when the server dies before it serves."""
        self._thread.start()
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError(failure)
            time.sleep(0.01)  # uvicorn has no start-up event to wait on

    def stop(self) -> None:
        self._server.should_exit = True
        self._server.force_exit = True  # answers still waiting out a `fail(delay=...)` end with the server
        self._thread.join(timeout=10)

    def wait(self, timeout: float) -> bool:
        """Whether the server still runs after waiting up to `timeout` seconds for it to end."""
        self._thread.join(timeout=timeout)
        return self._thread.is_alive()

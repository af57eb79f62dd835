"""Authorization code with PKCE (RFC 7636, S256) for desktop and command-line apps (RFC 8252).

    request = AuthorizationRequest.new(root_url, client_id, redirect_uri)
    webbrowser.open(request.url)                 # the user signs in at the PBX
    code = request.code_from(redirect_query)     # StateMismatch unless the state is the one sent

`LoopbackRedirect` listens on 127.0.0.1 (never another interface) on a free port and hands back the query
of the one redirect it receives.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import secrets
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from urllib.parse import parse_qsl, urlencode, urlsplit

from ._auth_errors import AuthorizationDenied, StateMismatch

AUTHORIZE_PATH = "/connect/authorize"
SCOPES = ("openid", "profile", "email", "offline_access")  # offline_access: a refresh token comes too
CALLBACK_PATH = "/callback"


def code_challenge(code_verifier: str) -> str:
    """S256: BASE64URL(SHA256(ASCII(code_verifier))) without padding (RFC 7636 §4.2)."""
    digest = hashlib.sha256(code_verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class AuthorizationRequest:
    """One authorization request: its URL, and the state and code_verifier only this client knows."""

    authorize_url: str
    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    state: str = field(repr=False)
    code_verifier: str = field(repr=False)

    @classmethod
    def new(
        cls, root_url: str, client_id: str, redirect_uri: str, scopes: Sequence[str] = SCOPES
    ) -> AuthorizationRequest:
        if not client_id:
            raise ValueError("client_id is empty")
        # 32 random bytes of state; 48 for the verifier: 64 characters, inside RFC 7636's 43 to 128.
        return cls(
            root_url + AUTHORIZE_PATH,
            client_id,
            redirect_uri,
            tuple(scopes),
            secrets.token_urlsafe(32),
            secrets.token_urlsafe(48),
        )

    @property
    def url(self) -> str:
        """Where the user's browser goes to sign in."""
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": " ".join(self.scopes),
            "state": self.state,
            "code_challenge": code_challenge(self.code_verifier),
            "code_challenge_method": "S256",
        }
        return f"{self.authorize_url}?{urlencode(query)}"

    def code_from(self, query: Mapping[str, str]) -> str:
        """The authorization code of a redirect, after checking its state (RFC 6749 §10.12)."""
        state = query.get("state", "")
        if not secrets.compare_digest(state.encode(), self.state.encode()):
            raise StateMismatch(
                "the redirect's state is not the one this sign-in sent: it was refused, nothing was exchanged",
                url=self.authorize_url,
            )
        if query.get("error"):
            reason = query.get("error_description") or query["error"]
            raise AuthorizationDenied(f"the PBX refused the authorization: {reason}", code=query["error"])
        code = query.get("code", "")
        if not code:
            raise AuthorizationDenied("the redirect carries no authorization code", url=self.authorize_url)
        return code


class LoopbackRedirect:
    """An HTTP listener on 127.0.0.1 that waits for one redirect (RFC 8252 §7.3) and answers a short page."""

    def __init__(self, port: int = 0, path: str = CALLBACK_PATH) -> None:
        self.path = path
        self._received = threading.Event()
        self._query: dict[str, str] = {}
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
                parts = urlsplit(self.path)
                if parts.path != owner.path or owner._received.is_set():
                    self.send_error(404)
                    return
                owner._query = dict(parse_qsl(parts.query, keep_blank_values=True))
                page = b"<!doctype html><title>Signed in</title><p>You may close this window and return to the app."
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)
                owner._received.set()

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the query carries the code
                return

        self._server = http.server.HTTPServer(("127.0.0.1", port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def __repr__(self) -> str:
        return f"LoopbackRedirect({self.redirect_uri!r})"

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{self.path}"

    def wait(self, timeout: float) -> dict[str, str]:
        """The redirect's query parameters; TimeoutError when no redirect came in `timeout` seconds."""
        if not self._received.wait(timeout):
            raise TimeoutError(f"no redirect reached {self.redirect_uri} within {timeout:g} seconds")
        return dict(self._query)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> LoopbackRedirect:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

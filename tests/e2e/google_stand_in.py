"""A stand-in for Google's OAuth token and userinfo endpoints on 127.0.0.1, for the real hub's
GoogleOAuthenticator (pointed at it by GOOGLE_API_URL, the variable OAuthenticator itself reads).

The authorization code a test sends to the hub's callback names the Google account that logs in: the
token endpoint hands the code back as the access token, and the userinfo endpoint answers for that
token with the account's email and Workspace domain (the `hd` claim Google sets for Workspace users).
"""

import contextlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from .processes import LOOPBACK


@dataclass(frozen=True)
class GoogleAccount:
    """What Google's userinfo says of an account."""

    email: str
    hosted_domain: str | None
    """The Workspace domain (`hd`); None for a consumer account such as gmail.com."""


class _Handler(BaseHTTPRequestHandler):
    accounts: dict[str, GoogleAccount] = {}

    def _answer(self, status: int, body: dict[str, object]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        if self.path != "/oauth2/v4/token":
            self._answer(404, {"error": "not_found"})
            return
        form = parse_qs(self.rfile.read(int(self.headers.get("Content-Length", 0))).decode())
        code = form.get("code", [""])[0]
        if code not in self.accounts or form.get("grant_type") != ["authorization_code"]:
            self._answer(400, {"error": "invalid_grant"})
            return
        self._answer(200, {"access_token": code, "token_type": "Bearer", "expires_in": 3600, "scope": "openid email"})

    def do_GET(self) -> None:
        token = self.headers.get("Authorization", "").removeprefix("Bearer ")
        account = self.accounts.get(token)
        if self.path != "/oauth2/v1/userinfo" or account is None:
            self._answer(401, {"error": "invalid_token"})
            return
        info: dict[str, object] = {"id": str(abs(hash(account.email))), "email": account.email, "verified_email": True}
        if account.hosted_domain is not None:
            info["hd"] = account.hosted_domain
        self._answer(200, info)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base class names it so)
        """Quiet: the tests read the hub's log, not this one's."""


@contextlib.contextmanager
def google_stand_in(accounts: dict[str, GoogleAccount]) -> Iterator[str]:
    """Serve Google's endpoints for these accounts (by authorization code); yields the API base URL."""
    handler = type("Handler", (_Handler,), {"accounts": dict(accounts)})
    server = ThreadingHTTPServer((LOOPBACK, 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{LOOPBACK}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)

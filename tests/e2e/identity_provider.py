"""A stand-in identity provider for the login tests: one HTTPS server on 127.0.0.1 that answers as each
provider the hub's real authenticator classes call (Entra ID, CILogon, GitLab, GitHub Enterprise, an
LTI 1.3 platform's key set), with ID tokens signed by a real RSA key (RS256) published as a JWKS.

An account is chosen by the authorization code the test brings back to the hub's callback (the browser's
step with the provider is the test's): the token endpoint answers for that code with an access token (the
code itself) and an ID token carrying the account's claims; userinfo and the APIs answer for the token.

Google's user login (token, userinfo) and its Admin SDK are answered too: a service account's token for
a Workspace administrator (its signed assertion checked), then the groups of a user.

Run as a program: `python -m tests.e2e.identity_provider --port P --accounts A.json --signing-key K.pem
--tls-dir D --issuer URL [--google-directory G.json]` (D holds cert.pem and key.pem), on 127.0.0.1 until
SIGTERM. A.json maps each
code to {"claims": {...}, "github": {"login", "id", "teams": ["org:team"]}, "gitlab": {"username", "id",
"groups": [full paths, as GitLab lists them for min_access_level=10], "projects": {"<id>": access level}}}.
"""

import argparse
import base64
import http.server
import json
import ssl
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

KEY_ID = "stand-in-1"


def new_signing_key(path: Path) -> rsa.RSAPrivateKey:
    """A fresh RSA key, written as PEM (the provider signs with it; so does a test playing an LMS)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return key


def load_signing_key(path: Path) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def sign(key: rsa.RSAPrivateKey, claims: dict[str, Any]) -> str:
    """A JWT of these claims, signed RS256 with the provider's key id."""
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": KEY_ID})


def _b64(number: int) -> str:
    return base64.urlsafe_b64encode(number.to_bytes((number.bit_length() + 7) // 8, "big")).rstrip(b"=").decode()


def jwks(key: rsa.RSAPrivateKey) -> dict[str, Any]:
    """The public half as a JSON Web Key Set."""
    public = key.public_key().public_numbers()
    return {
        "keys": [{"kty": "RSA", "use": "sig", "alg": "RS256", "kid": KEY_ID, "n": _b64(public.n), "e": _b64(public.e)}]
    }


GOOGLE_GROUPS_SCOPE = "https://www.googleapis.com/auth/admin.directory.group.readonly"
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"


class ProviderHandler(http.server.BaseHTTPRequestHandler):
    accounts: dict[str, dict[str, Any]]
    key: rsa.RSAPrivateKey
    issuer: str
    google: dict[str, Any]
    """Google's directory: {"serviceAccounts": {email: {"publicKey": PEM, "administrators": [email]}},
    "groups": {user email: [group emails]}}."""

    def _answer(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _account(self) -> dict[str, Any] | None:
        """The account of the request's bearer token (the authorization code it was issued for)."""
        token = self.headers.get("Authorization", "").split(" ", 1)[-1]
        return self.accounts.get(token)

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        form = parse_qs(self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode())
        if not (path.endswith("/token") or path.endswith("/access_token")):
            self._answer(404, {"error": "not_found"})
            return
        if form.get("grant_type") == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]:
            self._service_account_token(form.get("assertion", [""])[0])
            return
        code = form.get("code", [""])[0]
        account = self.accounts.get(code)
        if account is None or form.get("grant_type") != ["authorization_code"]:
            self._answer(400, {"error": "invalid_grant"})
            return
        now = int(time.time())
        client_id = form.get("client_id", ["hub"])[0]
        claims = {"iss": self.issuer, "aud": client_id, "iat": now, "exp": now + 300, **account.get("claims", {})}
        self._answer(
            200,
            {
                "access_token": code,
                "token_type": "Bearer",
                "expires_in": 300,
                "scope": " ".join(account.get("scopes", ["openid", "profile", "email"])),
                "id_token": sign(self.key, claims),
            },
        )

    def _service_account_token(self, assertion: str) -> None:
        """Google's token endpoint for a service account acting as a Workspace administrator: the
        assertion must be signed with the account's key, for this endpoint, asking the groups scope."""
        issuer = jwt.decode(assertion, options={"verify_signature": False}).get("iss", "")
        account = self.google.get("serviceAccounts", {}).get(issuer)
        if account is None:
            self._answer(400, {"error": "invalid_client"})
            return
        try:
            claims = jwt.decode(assertion, account["publicKey"], algorithms=["RS256"], audience=GOOGLE_TOKEN_URI)
        except jwt.PyJWTError as error:
            self._answer(400, {"error": "invalid_grant", "error_description": str(error)})
            return
        if claims.get("sub") not in account["administrators"] or GOOGLE_GROUPS_SCOPE not in claims.get("scope", ""):
            self._answer(401, {"error": "unauthorized_client"})
            return
        self._answer(200, {"access_token": f"directory:{claims['sub']}", "token_type": "Bearer", "expires_in": 3600})

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/jwks":
            self._answer(200, jwks(self.key))
            return
        if url.path.endswith("/.well-known/openid-configuration"):  # OpenID Connect discovery
            endpoints = {
                "authorization_endpoint": "authorize",
                "token_endpoint": "token",
                "userinfo_endpoint": "userinfo",
            }
            document = {name: f"{self.issuer}/{path}" for name, path in endpoints.items()}
            self._answer(200, {"issuer": self.issuer, "jwks_uri": f"{self.issuer}/jwks", **document})
            return
        if url.path == "/admin/directory/v1/groups":
            self._google_groups(parse_qs(url.query))
            return
        account = self._account()
        if account is None:
            self._answer(401, {"error": "invalid_token"})
            return
        if url.path.endswith("/userinfo"):
            self._answer(200, account.get("claims", {}))
        elif url.path.startswith("/api/v3/"):
            self._github(url.path.removeprefix("/api/v3"), account.get("github", {}))
        elif url.path.startswith("/api/v4/"):
            self._gitlab(url.path.removeprefix("/api/v4"), parse_qs(url.query), account.get("gitlab", {}))
        else:
            self._answer(404, {"message": "404 Not Found"})

    def _google_groups(self, query: dict[str, list[str]]) -> None:
        token = self.headers.get("Authorization", "").removeprefix("Bearer ")
        administrators = {a for sa in self.google.get("serviceAccounts", {}).values() for a in sa["administrators"]}
        if token.removeprefix("directory:") not in administrators:
            self._answer(403, {"error": {"message": "Not Authorized to access this resource/api"}})
            return
        user = query.get("userKey", [""])[0]
        groups = self.google.get("groups", {}).get(user, [])
        self._answer(200, {"kind": "admin#directory#groups", "groups": [{"email": group} for group in groups]})

    def _github(self, path: str, user: dict[str, Any]) -> None:
        if path == "/user":
            self._answer(200, {"login": user["login"], "id": user["id"], "name": user["login"], "email": None})
        elif path == "/user/teams":
            teams = [team.split(":") for team in user.get("teams", [])]
            self._answer(200, [{"slug": slug, "organization": {"login": org}} for org, slug in teams])
        elif path.startswith("/orgs/"):  # membership checks: 204 for a member, 404 otherwise
            parts = path.split("/")  # /orgs/<org>/members/<user> or /orgs/<org>/teams/<team>/members/<user>
            if len(parts) == 5 and parts[3] == "members":
                member = parts[4] == user["login"] and parts[2] in user.get("orgs", [])
            elif len(parts) == 7 and parts[3] == "teams" and parts[5] == "members":
                member = parts[6] == user["login"] and f"{parts[2]}:{parts[4]}" in user.get("teams", [])
            else:
                member = False
            self.send_response(204 if member else 404)
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self._answer(404, {"message": "Not Found"})

    def _gitlab(self, path: str, query: dict[str, list[str]], user: dict[str, Any]) -> None:
        if path == "/user":
            self._answer(200, {"username": user["username"], "id": user["id"], "name": user["username"]})
        elif path == "/version":
            self._answer(200, {"version": "17.5.0"})
        elif path == "/groups":
            if query.get("min_access_level") != ["10"]:
                self._answer(400, {"error": "expected min_access_level=10"})
                return
            # Two pages, as GitLab pages long lists: the hub must follow X-Next-Page.
            groups = [{"full_path": group} for group in user.get("groups", [])]
            page = int(query.get("page", ["1"])[0])
            half = (len(groups) + 1) // 2
            body = groups[:half] if page == 1 else groups[half:]
            self._answer(200, body, {"X-Next-Page": "2" if page == 1 and len(groups) > 1 else ""})
        elif path.startswith("/projects/") and "/members/all/" in path:
            project = path.removeprefix("/projects/").split("/members/all/")[0]
            level = user.get("projects", {}).get(project)
            self._answer(200 if level else 404, {"id": user["id"], "access_level": level} if level else {})
        else:
            self._answer(404, {"message": "404 Not Found"})

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class names it so
        """Quiet: the tests read the hub's log, not this one's."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--accounts", type=Path, required=True)
    parser.add_argument("--signing-key", type=Path, required=True)
    parser.add_argument("--tls-dir", type=Path, required=True)
    parser.add_argument("--issuer", required=True)
    parser.add_argument("--google-directory", type=Path, help="Google's directory (see ProviderHandler.google)")
    arguments = parser.parse_args()
    handler = type(
        "Handler",
        (ProviderHandler,),
        {
            "accounts": json.loads(arguments.accounts.read_text()),
            "key": load_signing_key(arguments.signing_key),
            "issuer": arguments.issuer,
            "google": json.loads(arguments.google_directory.read_text()) if arguments.google_directory else {},
        },
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", arguments.port), handler)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(arguments.tls_dir / "cert.pem", arguments.tls_dir / "key.pem")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.serve_forever()


if __name__ == "__main__":
    main()

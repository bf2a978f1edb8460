"""A browser-like HTTP client for JupyterHub: cookies, the _xsrf form field, API tokens."""

from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import requests


class HubClient:
    """One user's session with a hub, through the proxy's public address."""

    def __init__(self, public_url: str) -> None:
        self.public_url = public_url
        self.session = requests.Session()

    def xsrf(self, prefix: str = "hub/") -> str:
        """The _xsrf cookie set for a path below the base URL (the hub's, or e.g. a user server's)."""
        path = urlsplit(self.public_url + prefix).path
        for cookie in self.session.cookies:
            if cookie.name == "_xsrf" and path.startswith(cookie.path.rstrip("/")):
                return cookie.value or ""
        return ""

    def url(self, path: str) -> str:
        """An address below the hub's base URL (`path` without a leading slash)."""
        return self.public_url + path

    def login(self, username: str, password: str = "") -> requests.Response:
        """Log in through the login form; the answer after redirects (home on success)."""
        self.session.get(self.url("hub/login"), timeout=10)
        xsrf = self.xsrf()
        return self.session.post(
            self.url(f"hub/login?next={quote(self.public_url + 'hub/home')}"),
            data={"username": username, "password": password, "_xsrf": xsrf},
            timeout=30,
        )

    def oauth_login(self, code: str) -> int:
        """Log in through an OAuth provider as a browser does, coming back from the provider with `code`
        (a stand-in provider's account): the status of the hub's callback (302 in, 403 refused)."""
        started = self.get("hub/oauth_login", allow_redirects=False)
        assert started.status_code == 302, started.text
        state = parse_qs(urlsplit(started.headers["Location"]).query)["state"][0]
        return self.get(f"hub/oauth_callback?code={code}&state={state}", allow_redirects=False).status_code

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        """GET a page or API path with this session."""
        return self.session.get(self.url(path), timeout=30, **kwargs)

    def api(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> requests.Response:
        """Call the hub's REST API with this session's cookie (and _xsrf) or with a token."""
        headers = {"Authorization": f"token {token}"} if token else {"X-XSRFToken": self.xsrf()}
        return self.session.request(method, self.url(f"hub/api/{path}"), headers=headers, timeout=30, **kwargs)

    def new_token(self, username: str, **body: Any) -> str:
        """An API token of the logged-in user, created through the API as the token page does."""
        answer = self.api("POST", f"users/{username}/tokens", json={"note": "e2e", **body})
        answer.raise_for_status()
        return answer.json()["token"]

    def put_text_file(self, username: str, path: str, content: str) -> requests.Response:
        """Save a text file in a user's server through its contents API (as JupyterLab does)."""
        return self.session.put(
            self.url(f"user/{username}/api/contents/{path}"),
            timeout=30,
            json={"type": "file", "format": "text", "content": content},
            headers={"X-XSRFToken": self.xsrf(f"user/{username}/")},
        )

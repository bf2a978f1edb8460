"""Names and ports that connect the hub, the proxy and user servers inside one hub's namespace.

One definition used by the Services, the Deployments, the hub's settings and the NetworkPolicies, so
they cannot disagree. The tests check the rendered objects against each other independently.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Endpoints:
    """Service names and ports of one hub (all in the hub's namespace)."""

    hub_service: str = "hub"
    hub_port: int = 8081
    proxy_api_service: str = "proxy-api"
    proxy_api_port: int = 8001
    proxy_public_service: str = "proxy-public"
    proxy_http_port: int = 8000
    """The port configurable-http-proxy listens on for users (the Service exposes it on 80)."""
    proxy_public_port: int = 80
    proxy_https_port: int = 8443
    """The port configurable-http-proxy serves HTTPS on with a `manual` certificate."""
    proxy_public_https_port: int = 443
    proxy_http_service: str = "proxy-http"
    """With `letsencrypt`: the Service the HTTPS front forwards decrypted requests to (the proxy's http port)."""
    autohttps_http_port: int = 8080
    """With `letsencrypt`: the HTTPS front's port for plain HTTP (ACME challenges, redirects); Service port 80."""
    autohttps_https_port: int = 8443
    """With `letsencrypt`: the HTTPS front's port for HTTPS; Service port 443."""
    singleuser_port: int = 8888
    """The port KubeSpawner's user servers listen on."""

    @property
    def hub_url(self) -> str:
        """How the proxy and user servers reach the hub."""
        return f"http://{self.hub_service}:{self.hub_port}"

    @property
    def proxy_api_url(self) -> str:
        """How the hub reaches the proxy's REST API."""
        return f"http://{self.proxy_api_service}:{self.proxy_api_port}"


ENDPOINTS = Endpoints()

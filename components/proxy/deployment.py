"""The proxy's pod: configurable-http-proxy routing users to the hub and their servers."""

from typing import Any

from ..config.stack import JupyterHubConfig
from ..endpoints import Endpoints
from ..labels import PROXY, labels
from ..scheduling import CORE, Strictness, node_affinity
from ..security import container_security_context, pod_security_context

NOBODY = 65534
"""The configurable-http-proxy image runs as nobody."""


def proxy_command(endpoints: Endpoints, base_url: str) -> list[str]:
    """How the proxy container starts: users on the http port, the hub's API on the api port."""
    return [
        "configurable-http-proxy",
        "--ip=",
        "--api-ip=",
        f"--port={endpoints.proxy_http_port}",
        f"--api-port={endpoints.proxy_api_port}",
        f"--default-target={endpoints.hub_url}",
        f"--error-target={endpoints.hub_url}{base_url}hub/error",
    ]


def proxy_pod_template(
    hub_name: str,
    config: JupyterHubConfig,
    endpoints: Endpoints,
    node_purpose: Strictness,
    token_secret: Any,
    token_key: str,
    service_account: Any,
) -> dict[str, Any]:
    """The proxy Deployment's pod template; the API token comes from the hub Secret."""
    container = {
        "name": "chp",
        "image": config.proxy.image,
        "command": proxy_command(endpoints, config.hub.base_url),
        "env": [
            {
                "name": "CONFIGPROXY_AUTH_TOKEN",
                "valueFrom": {"secretKeyRef": {"name": token_secret, "key": token_key}},
            }
        ],
        "ports": [
            {"name": "http", "containerPort": endpoints.proxy_http_port},
            {"name": "api", "containerPort": endpoints.proxy_api_port},
        ],
        "resources": config.proxy.resources.as_kubernetes(),
        "securityContext": container_security_context(read_only_root=True),
        "readinessProbe": {"httpGet": {"path": "/_chp_healthz", "port": "http"}, "periodSeconds": 5},
        "livenessProbe": {
            "httpGet": {"path": "/_chp_healthz", "port": "http"},
            "initialDelaySeconds": 10,
            "periodSeconds": 10,
            "failureThreshold": 30,
            "timeoutSeconds": 3,
        },
    }
    spec: dict[str, Any] = {
        "serviceAccountName": service_account,
        "automountServiceAccountToken": False,  # the proxy never talks to the Kubernetes API
        "securityContext": pod_security_context(NOBODY, NOBODY),
        "containers": [container],
    }
    affinity = node_affinity(CORE, node_purpose)
    if affinity is not None:
        spec["affinity"] = affinity
    return {"metadata": {"labels": labels(hub_name, PROXY)}, "spec": spec}

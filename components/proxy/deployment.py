"""The proxy's pod: configurable-http-proxy routing users to the hub and their servers."""

from typing import Any

from ..checksum import SECRET_CHECKSUM_ANNOTATION
from ..endpoints import Endpoints
from ..labels import PROXY, labels
from ..manifest import ApiFields
from ..plan.edge import Edge, TlsAtProxy
from ..plan.hub_spec import HubSpec
from ..scheduling import on_core_nodes
from ..secret_key import SecretKey
from ..security import container_security_context, pod_security_context

NOBODY = 65534
"""The configurable-http-proxy image runs as nobody."""
TLS_DIR = "/etc/chp/tls"
"""Where the proxy finds the `manual` certificate (the TLS Secret's tls.crt and tls.key)."""


def public_ports(endpoints: Endpoints, edge: Edge) -> dict[str, int]:
    """The proxy's container ports for users, by name: HTTPS and the redirect from HTTP (TLS at the
    proxy), or plain HTTP (everywhere else: plain HTTP, or decrypted by the front or load balancer)."""
    if isinstance(edge, TlsAtProxy):
        return {"https": endpoints.proxy_https_port, "http": endpoints.proxy_http_port}
    return {"http": endpoints.proxy_http_port}


def proxy_command(endpoints: Endpoints, base_url: str, edge: Edge) -> list[str]:
    """How the proxy container starts: users on the public port(s), the hub's API on the api port."""
    listen = [f"--port={endpoints.proxy_http_port}"]
    if isinstance(edge, TlsAtProxy):
        listen = [
            f"--port={endpoints.proxy_https_port}",
            f"--ssl-key={TLS_DIR}/tls.key",
            f"--ssl-cert={TLS_DIR}/tls.crt",
            f"--redirect-port={endpoints.proxy_http_port}",  # plain HTTP answers with a redirect to HTTPS
            f"--redirect-to={endpoints.proxy_public_https_port}",
        ]
    return [
        "configurable-http-proxy",
        "--ip=",
        "--api-ip=",
        *listen,
        f"--api-port={endpoints.proxy_api_port}",
        f"--default-target={endpoints.hub_url}",
        f"--error-target={endpoints.hub_url}{base_url}hub/error",
    ]


def proxy_pod_template(
    spec: HubSpec, *, token: SecretKey, service_account: Any, tls_secret: Any | None, secret_checksum: Any
) -> ApiFields:
    """The proxy Deployment's pod template; the API token comes from the hub Secret, the certificate
    (TLS at the proxy) from `tls_secret`; `secret_checksum` (a keyed digest of both) rolls the proxy
    with the hub when either changes, so the two never hold different tokens."""
    config, endpoints = spec.config, spec.endpoints
    ports = public_ports(endpoints, spec.edge)
    health = {"path": "/_chp_healthz", "port": next(iter(ports))}
    if "https" in ports:
        health["scheme"] = "HTTPS"
    container: dict[str, Any] = {
        "name": "chp",
        "image": config.proxy.image,
        "command": proxy_command(endpoints, config.hub.base_url, spec.edge),
        "env": [{"name": "CONFIGPROXY_AUTH_TOKEN", "valueFrom": token.env_source()}],
        "ports": [
            *({"name": name, "containerPort": port} for name, port in ports.items()),
            {"name": "api", "containerPort": endpoints.proxy_api_port},
        ],
        "resources": config.proxy.resources.as_kubernetes(),
        "securityContext": container_security_context(read_only_root=True),
        "readinessProbe": {"httpGet": health, "periodSeconds": 5},
        "livenessProbe": {
            "httpGet": health,
            "initialDelaySeconds": 10,
            "periodSeconds": 10,
            "failureThreshold": 30,
            "timeoutSeconds": 3,
        },
    }
    pod: dict[str, Any] = {
        "serviceAccountName": service_account,
        "automountServiceAccountToken": False,  # the proxy never talks to the Kubernetes API
        "securityContext": pod_security_context(NOBODY, NOBODY, fs_group=NOBODY),  # reads the TLS Secret
        "containers": [container],
    }
    if tls_secret is not None:
        container["volumeMounts"] = [{"name": "tls", "mountPath": TLS_DIR, "readOnly": True}]
        pod["volumes"] = [{"name": "tls", "secret": {"secretName": tls_secret, "defaultMode": 0o440}}]
    return {
        "metadata": {"labels": labels(spec.name, PROXY), "annotations": {SECRET_CHECKSUM_ANNOTATION: secret_checksum}},
        "spec": on_core_nodes(pod, spec.node_purpose, spec.core_priority),
    }

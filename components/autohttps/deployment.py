"""The HTTPS front's pod: Caddy, with an init container and a sidecar that keep its certificates in a
Secret (certificate_store.py, run with the hub image's Python)."""

from typing import Any

from ..api_access import KUBE_API_ACCESS_MOUNT, KUBE_API_ACCESS_VOLUME
from ..checksum import CHECKSUM_ANNOTATION
from ..config.hub import HUB_IMAGE_UID
from ..labels import AUTOHTTPS, labels
from ..manifest import ApiFields
from ..plan.edge import CaddyFront
from ..plan.hub_spec import HubSpec
from ..scheduling import on_core_nodes
from ..security import container_security_context, pod_security_context
from .caddyfile import CONFIG_DIR, DATA_DIR, STORAGE_DIR

STORE_DIR = "/usr/local/etc/certificate-store"
STORE_PROGRAM = "certificate_store.py"
CERTIFICATE_SECRET = "https-certificates"
HEARTBEAT = f"{DATA_DIR}/certificate-store.alive"
"""Touched by the sidecar after every round (outside the synced folder)."""
HEARTBEAT_PROBE = {
    "exec": {
        "command": [
            "python3",
            "-c",
            "import os, sys, time; sys.exit(time.time() - os.path.getmtime(sys.argv[1]) > 120)",
            HEARTBEAT,
        ]
    },
    "periodSeconds": 30,
    "timeoutSeconds": 10,
}
"""Healthy while the sidecar's loop has gone round within the last two minutes."""


def caddy_security_context() -> dict[str, Any]:
    """The restricted profile, plus the one capability it permits: the official Caddy binary carries the
    file capability NET_BIND_SERVICE, and the kernel refuses to run such a binary when the capability
    is outside the container's bounding set (it still binds only the unprivileged ports here)."""
    context = container_security_context(read_only_root=True)
    context["capabilities"] = {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}
    return context


def _store_container(name: str, action: str, image: str) -> dict[str, Any]:
    container: dict[str, Any] = {
        "name": name,
        "image": image,
        "command": [
            "python3",
            f"{STORE_DIR}/{STORE_PROGRAM}",
            action,
            f"--secret={CERTIFICATE_SECRET}",
            f"--data-dir={STORAGE_DIR}",
        ],
        "env": [{"name": "PYTHONUNBUFFERED", "value": "1"}],
        "resources": {"requests": {"cpu": "10m", "memory": "32Mi"}, "limits": {"cpu": "200m", "memory": "128Mi"}},
        "securityContext": container_security_context(read_only_root=True),
        "volumeMounts": [
            {"name": "store", "mountPath": STORE_DIR, "readOnly": True},
            {"name": "data", "mountPath": DATA_DIR},
            KUBE_API_ACCESS_MOUNT,
        ],
    }
    if action == "sync":
        container["command"].append(f"--heartbeat={HEARTBEAT}")
        container["readinessProbe"] = {**HEARTBEAT_PROBE, "initialDelaySeconds": 5}
        container["livenessProbe"] = {**HEARTBEAT_PROBE, "initialDelaySeconds": 60, "failureThreshold": 4}
    return container


def autohttps_pod_template(
    spec: HubSpec,
    front: CaddyFront,
    *,
    service_account: Any,
    config_map: Any,
    caddy_files: list[str],
    config_checksum: str,
) -> ApiFields:
    """The HTTPS front's pod template; `caddy_files` are the ConfigMap's keys Caddy reads (the Caddyfile,
    and the ACME server's CA when given). Only the certificate store's containers mount an API token."""
    letsencrypt, endpoints = front.letsencrypt, spec.endpoints
    https_probe = {"tcpSocket": {"port": "https"}}
    caddy = {
        "name": "caddy",
        "image": letsencrypt.image,
        "command": ["caddy", "run", "--config", f"{CONFIG_DIR}/Caddyfile", "--adapter", "caddyfile"],
        "workingDir": CONFIG_DIR,  # the Caddyfile names the ACME server's CA file relative to it
        "env": [
            {"name": "HTTP_PORT", "value": str(endpoints.autohttps_http_port)},
            {"name": "HTTPS_PORT", "value": str(endpoints.autohttps_https_port)},
            {"name": "PROXY_UPSTREAM", "value": f"{endpoints.proxy_http_service}:{endpoints.proxy_http_port}"},
            {"name": "XDG_DATA_HOME", "value": DATA_DIR},
            {"name": "XDG_CONFIG_HOME", "value": "/config"},
        ],
        "ports": [
            {"name": "http", "containerPort": endpoints.autohttps_http_port},
            {"name": "https", "containerPort": endpoints.autohttps_https_port},
        ],
        "resources": letsencrypt.resources.as_kubernetes(),
        "securityContext": caddy_security_context(),
        "volumeMounts": [
            {"name": "caddyfile", "mountPath": CONFIG_DIR, "readOnly": True},
            {"name": "data", "mountPath": DATA_DIR},
            {"name": "config-home", "mountPath": "/config"},
        ],
        "readinessProbe": {**https_probe, "periodSeconds": 5},
        "livenessProbe": {**https_probe, "initialDelaySeconds": 10, "periodSeconds": 10, "failureThreshold": 6},
    }
    image = spec.config.hub.image
    pod: dict[str, Any] = {
        "serviceAccountName": service_account,
        "automountServiceAccountToken": False,
        "securityContext": pod_security_context(HUB_IMAGE_UID, HUB_IMAGE_UID, fs_group=HUB_IMAGE_UID),
        "initContainers": [_store_container("restore-certificates", "restore", image)],
        "containers": [caddy, _store_container("store-certificates", "sync", image)],
        # Let the sidecar store what Caddy wrote last before the pod goes.
        "terminationGracePeriodSeconds": 30,
        "volumes": [
            {
                "name": "caddyfile",
                "configMap": {"name": config_map, "items": [{"key": name, "path": name} for name in caddy_files]},
            },
            {
                "name": "store",
                "configMap": {"name": config_map, "items": [{"key": STORE_PROGRAM, "path": STORE_PROGRAM}]},
            },
            {"name": "data", "emptyDir": {}},
            {"name": "config-home", "emptyDir": {}},
            KUBE_API_ACCESS_VOLUME,
        ],
    }
    return {
        "metadata": {"labels": labels(spec.name, AUTOHTTPS), "annotations": {CHECKSUM_ANNOTATION: config_checksum}},
        "spec": on_core_nodes(pod, spec.node_purpose, spec.core_priority),
    }

"""The hub's pod: JupyterHub with its config files, secrets and database volume."""

from typing import Any

from ..checksum import CHECKSUM_ANNOTATION
from ..config.stack import JupyterHubConfig
from ..endpoints import Endpoints
from ..labels import HUB, labels
from ..scheduling import Strictness, on_core_nodes
from ..security import container_security_context, pod_security_context
from .settings import DATA_DIR

CONFIG_DIR = "/usr/local/etc/jupyterhub/config"
SECRET_DIR = "/usr/local/etc/jupyterhub/secret"
SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
"""Where Kubernetes clients (KubeSpawner's) look for the in-cluster token, CA and namespace."""
KUBE_API_ACCESS_VOLUME = {
    "name": "kube-api-access",
    "projected": {
        "defaultMode": 0o444,
        "sources": [
            {"serviceAccountToken": {"path": "token", "expirationSeconds": 3607}},
            {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
            {
                "downwardAPI": {
                    "items": [
                        {"path": "namespace", "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}
                    ]
                }
            },
        ],
    },
}
"""What automounting would give, made explicit for the one container that needs it (a token that
expires within the hour and is refreshed by the kubelet)."""
HUB_UID = 1000
"""The user the z2jh hub image runs as."""


def hub_pod_template(
    hub_name: str,
    config: JupyterHubConfig,
    endpoints: Endpoints,
    node_purpose: Strictness,
    service_account: Any,
    config_map: Any,
    secret: Any,
    database_claim: Any | None,
    config_checksum: str,
) -> dict[str, Any]:
    """The hub Deployment's pod template. `service_account`, `config_map`, `secret` and `database_claim`
    are names (inputs, so the Deployment is created after what it uses)."""
    hub = config.hub
    health = f"{hub.base_url}hub/health"
    data_volume: dict[str, Any] = (
        {"name": "data", "persistentVolumeClaim": {"claimName": database_claim}}
        if database_claim is not None
        else {"name": "data", "emptyDir": {}}
    )
    container = {
        "name": "hub",
        "image": hub.image,
        "args": ["jupyterhub", "--config", f"{CONFIG_DIR}/jupyterhub_config.py", "--upgrade-db"],
        "workingDir": DATA_DIR,
        "ports": [{"name": "http", "containerPort": endpoints.hub_port}],
        "env": [
            {"name": "PYTHONUNBUFFERED", "value": "1"},
            {"name": "HUB_SECRET_DIR", "value": SECRET_DIR},
        ],
        "resources": hub.resources.as_kubernetes(),
        "securityContext": container_security_context(read_only_root=True),
        "volumeMounts": [
            {"name": "config", "mountPath": CONFIG_DIR, "readOnly": True},
            {"name": "secret", "mountPath": SECRET_DIR, "readOnly": True},
            {"name": "data", "mountPath": DATA_DIR},
            {"name": "tmp", "mountPath": "/tmp"},  # noqa: S108 - a private emptyDir
            {"name": "kube-api-access", "mountPath": SERVICE_ACCOUNT_DIR, "readOnly": True},
        ],
        "startupProbe": {
            "httpGet": {"path": health, "port": "http"},
            "periodSeconds": 2,
            "failureThreshold": 150,  # database upgrades may take a few minutes
        },
        "readinessProbe": {"httpGet": {"path": health, "port": "http"}, "periodSeconds": 5, "failureThreshold": 3},
        "livenessProbe": {
            "httpGet": {"path": health, "port": "http"},
            "periodSeconds": 10,
            "timeoutSeconds": 3,
            "failureThreshold": 30,
        },
    }
    spec: dict[str, Any] = {
        "serviceAccountName": service_account,
        # KubeSpawner talks to the Kubernetes API: the hub container, and only it, mounts a short-lived
        # token (the projected volume below) instead of the pod-wide automatic one.
        "automountServiceAccountToken": False,
        "securityContext": pod_security_context(HUB_UID, HUB_UID, fs_group=HUB_UID),
        "containers": [container],
        "volumes": [
            {"name": "config", "configMap": {"name": config_map}},
            {"name": "secret", "secret": {"secretName": secret, "defaultMode": 0o440}},
            data_volume,
            {"name": "tmp", "emptyDir": {}},
            KUBE_API_ACCESS_VOLUME,
        ],
    }
    spec = on_core_nodes(spec, node_purpose)
    return {
        "metadata": {
            "labels": labels(hub_name, HUB),
            # A new checksum rolls the hub when its settings or jupyterhub_config.py change.
            "annotations": {CHECKSUM_ANNOTATION: config_checksum},
        },
        "spec": spec,
    }

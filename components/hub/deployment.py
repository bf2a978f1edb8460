"""The hub's pod: JupyterHub with its config files, secrets and database volume."""

from typing import Any

import pulumi

from ..api_access import KUBE_API_ACCESS_MOUNT, KUBE_API_ACCESS_VOLUME
from ..checksum import CHECKSUM_ANNOTATION, SECRET_CHECKSUM_ANNOTATION
from ..config.hub import HUB_IMAGE_UID
from ..labels import HUB, labels
from ..manifest import ApiFields
from ..plan.hub_spec import HubSpec
from ..scheduling import on_core_nodes
from ..security import container_security_context, pod_security_context
from .settings import DATA_DIR

CONFIG_DIR = "/usr/local/etc/jupyterhub/config"
SECRET_DIR = "/usr/local/etc/jupyterhub/secret"


def hub_pod_template(
    spec: HubSpec,
    *,
    service_account: Any,
    config_map: Any,
    secret: Any,
    database_claim: Any | None,
    config_checksum: str,
    secret_checksum: pulumi.Input[str],
) -> ApiFields:
    """The hub Deployment's pod template. `service_account`, `config_map`, `secret` and `database_claim`
    are names (inputs, so the Deployment is created after what it uses)."""
    hub, endpoints = spec.config.hub, spec.endpoints
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
            KUBE_API_ACCESS_MOUNT,
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
    pod: dict[str, Any] = {
        "serviceAccountName": service_account,
        # KubeSpawner talks to the Kubernetes API: the hub container, and only it, mounts a short-lived
        # token (the projected volume below) instead of the pod-wide automatic one.
        "automountServiceAccountToken": False,
        "securityContext": pod_security_context(HUB_IMAGE_UID, HUB_IMAGE_UID, fs_group=HUB_IMAGE_UID),
        "containers": [container],
        "volumes": [
            {"name": "config", "configMap": {"name": config_map}},
            {"name": "secret", "secret": {"secretName": secret, "defaultMode": 0o440}},
            data_volume,
            {"name": "tmp", "emptyDir": {}},
            KUBE_API_ACCESS_VOLUME,
        ],
    }
    return {
        "metadata": {
            "labels": labels(spec.name, HUB),
            # New checksums roll the hub when its settings, jupyterhub_config.py or secrets change.
            "annotations": {CHECKSUM_ANNOTATION: config_checksum, SECRET_CHECKSUM_ANNOTATION: secret_checksum},
        },
        "spec": on_core_nodes(pod, spec.node_purpose, spec.core_priority),
    }

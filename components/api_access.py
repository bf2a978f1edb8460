"""How a pod's one container that talks to the Kubernetes API gets its credentials (the hub's KubeSpawner,
the HTTPS front's certificate store), instead of the pod-wide automatic token."""

from typing import Any

SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
"""Where Kubernetes clients (KubeSpawner's) look for the in-cluster token, CA and namespace."""
KUBE_API_ACCESS_VOLUME: dict[str, Any] = {
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
KUBE_API_ACCESS_MOUNT = {"name": "kube-api-access", "mountPath": SERVICE_ACCOUNT_DIR, "readOnly": True}
"""The container's mount of KUBE_API_ACCESS_VOLUME."""

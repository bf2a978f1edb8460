"""The hub's identity in the cluster: a ServiceAccount and a namespaced Role with only what KubeSpawner uses."""

import pulumi
import pulumi_kubernetes as k8s

from ..labels import HUB, labels
from ..manifest import ObjectMeta
from ..rbac import grant

SERVICE_ACCOUNT = "hub"

HUB_ROLE_RULES = [
    # KubeSpawner creates and deletes user pods and follows them with a reflector (list, then watch).
    {"apiGroups": [""], "resources": ["pods"], "verbs": ["list", "watch", "create", "delete"]},
    # It creates home claims and reads whether one exists; the hub's HomeSpawner grows them (patch) and
    # deletes a removed named server's.
    {"apiGroups": [""], "resources": ["persistentvolumeclaims"], "verbs": ["get", "create", "patch", "delete"]},
    # Spawn progress shown to users comes from pod events, followed by a reflector.
    {"apiGroups": [""], "resources": ["events"], "verbs": ["list", "watch"]},
]
"""No secrets or services: they are only needed for KubeSpawner's internal SSL, which is not used."""


def declare_hub_rbac(
    hub_name: str, namespace: pulumi.Input[str], opts: pulumi.ResourceOptions
) -> k8s.core.v1.ServiceAccount:
    """The hub's ServiceAccount, Role and RoleBinding; returns the ServiceAccount."""
    metadata: ObjectMeta = {"name": SERVICE_ACCOUNT, "namespace": namespace, "labels": labels(hub_name, HUB)}
    account = k8s.core.v1.ServiceAccount(f"{hub_name}-hub", metadata=metadata, opts=opts)
    grant(f"{hub_name}-hub", metadata, HUB_ROLE_RULES, account, opts)
    return account

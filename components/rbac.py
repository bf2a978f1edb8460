"""Namespaced API permissions: a Role with exactly the rules a component uses, bound to its account."""

from typing import Any

import pulumi
import pulumi_kubernetes as k8s


def grant(
    logical_name: str,
    metadata: dict[str, Any],
    rules: list[dict[str, Any]],
    account: k8s.core.v1.ServiceAccount,
    opts: pulumi.ResourceOptions,
) -> k8s.rbac.v1.Role:
    """A Role named like `metadata` with `rules`, and the RoleBinding that gives it to `account`."""
    role = k8s.rbac.v1.Role(logical_name, metadata=metadata, rules=rules, opts=opts)
    k8s.rbac.v1.RoleBinding(
        logical_name,
        metadata=metadata,
        role_ref={"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": role.metadata.name},
        subjects=[{"kind": "ServiceAccount", "name": account.metadata.name, "namespace": metadata["namespace"]}],
        opts=opts,
    )
    return role

"""Namespaced API permissions: a Role with exactly the rules a component uses, bound to its account."""

import pulumi
import pulumi_kubernetes as k8s

from .manifest import ApiFields, ObjectMeta


def grant(
    logical_name: str,
    metadata: ObjectMeta,
    rules: ApiFields,
    account: k8s.core.v1.ServiceAccount,
    opts: pulumi.ResourceOptions,
    account_namespace: pulumi.Input[str] | None = None,
) -> k8s.rbac.v1.Role:
    """A Role named like `metadata` with `rules`, and the RoleBinding that gives it to `account` (of the
    same namespace, or of `account_namespace`)."""
    role = k8s.rbac.v1.Role(logical_name, metadata=metadata, rules=rules, opts=opts)
    role_ref: ApiFields = {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": role.metadata.name}
    k8s.rbac.v1.RoleBinding(
        logical_name,
        metadata=metadata,
        role_ref=role_ref,
        subjects=[
            {
                "kind": "ServiceAccount",
                "name": account.metadata.name,
                "namespace": account_namespace or metadata.get("namespace"),
            }
        ],
        opts=opts,
    )
    return role

"""The StorageClass for hub databases and user homes, when the stack creates one."""

import pulumi
import pulumi_kubernetes as k8s

from ..config.cluster import StorageConfig


def declare_storage_class(config: StorageConfig, opts: pulumi.ResourceOptions) -> k8s.storage.v1.StorageClass | None:
    """Create the configured StorageClass; None when the stack uses an existing or the default class."""
    if config.create is None or config.class_name is None:
        return None
    spec = config.create
    return k8s.storage.v1.StorageClass(
        f"storage-class-{config.class_name}",
        metadata={"name": config.class_name, "labels": {"app.kubernetes.io/managed-by": "pulumi"}},
        provisioner=spec.provisioner,
        parameters=spec.parameters or None,
        reclaim_policy=spec.reclaim_policy,
        volume_binding_mode=spec.volume_binding_mode,
        allow_volume_expansion=spec.allow_volume_expansion,
        opts=opts,
    )

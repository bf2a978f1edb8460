"""The StorageClass for hub databases and user homes, when the stack creates one (every cluster kind
declares it here: an existing cluster from the stack's spec, GKE and EKS from their disk settings)."""

import pulumi
import pulumi_kubernetes as k8s

from ..config.cluster import StorageClassSpec


def declare_storage_class(
    logical_name: str, class_name: str, spec: StorageClassSpec, opts: pulumi.ResourceOptions
) -> k8s.storage.v1.StorageClass:
    """The StorageClass `class_name` with `spec`."""
    return k8s.storage.v1.StorageClass(
        logical_name,
        metadata={"name": class_name, "labels": {"app.kubernetes.io/managed-by": "pulumi"}},
        provisioner=spec.provisioner,
        parameters=spec.parameters or None,
        reclaim_policy=spec.reclaim_policy,
        volume_binding_mode=spec.volume_binding_mode,
        allow_volume_expansion=spec.allow_volume_expansion,
        mount_options=spec.mount_options or None,
        opts=opts,
    )


def zonal_disk_class(provisioner: str, parameters: dict[str, str], reclaim_policy: str) -> StorageClassSpec:
    """A class of a cloud's zonal block disks: made in the zone the pod lands in, and growable."""
    return StorageClassSpec.model_validate(
        {
            "provisioner": provisioner,
            "parameters": parameters,
            "reclaimPolicy": reclaim_policy,
            "volumeBindingMode": "WaitForFirstConsumer",
            "allowVolumeExpansion": True,
        }
    )


XFS_QUOTA_CLASS = "jupyterhub-xfs-quota"
"""The StorageClass the stack makes on GKE and EKS for an in-cluster NFS server with home quotas."""


def xfs_quota_class(provisioner: str, parameters: dict[str, str]) -> StorageClassSpec:
    """A cloud's disks formatted XFS and mounted with project quotas (what per-home limits need); kept
    when their claim goes."""
    return StorageClassSpec.model_validate(
        {
            "provisioner": provisioner,
            "parameters": {**parameters, "csi.storage.k8s.io/fstype": "xfs"},
            "reclaimPolicy": "Retain",
            "volumeBindingMode": "WaitForFirstConsumer",
            "allowVolumeExpansion": True,
            "mountOptions": ["prjquota"],
        }
    )


SNAPSHOT_CLASS = "jupyterhub-snapshots"
"""The VolumeSnapshotClass the stack makes on GKE and EKS for home backups."""


def declare_snapshot_class(logical_name: str, driver: str, opts: pulumi.ResourceOptions) -> str:
    """The VolumeSnapshotClass of a cloud's disk CSI driver; its name. Deleting a snapshot deletes the
    cloud's copy (backups expire by deleting their snapshots)."""
    VolumeSnapshotClass(logical_name, driver=driver, opts=opts)
    return SNAPSHOT_CLASS


class VolumeSnapshotClass(pulumi.CustomResource):
    """A VolumeSnapshotClass (snapshot.storage.k8s.io/v1), registered as the Kubernetes provider takes any
    custom resource (`kubernetes:<group/version>:<kind>`): the SDK's CustomResource carries only `spec`,
    and this kind's fields (`driver`, `deletionPolicy`) are at the top."""

    def __init__(self, logical_name: str, *, driver: str, opts: pulumi.ResourceOptions) -> None:
        props = {
            "apiVersion": "snapshot.storage.k8s.io/v1",
            "kind": "VolumeSnapshotClass",
            "metadata": {"name": SNAPSHOT_CLASS, "labels": {"app.kubernetes.io/managed-by": "pulumi"}},
            "driver": driver,
            "deletionPolicy": "Delete",
        }
        version = pulumi.ResourceOptions(version=k8s._utilities.get_version())
        super().__init__(
            "kubernetes:snapshot.storage.k8s.io/v1:VolumeSnapshotClass",
            logical_name,
            props,
            pulumi.ResourceOptions.merge(opts, version),
        )

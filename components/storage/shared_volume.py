"""The hub's shared filesystem as its servers mount it: a PersistentVolume for the NFS share, bound to one
claim in the hub's namespace (`shared-storage`), which every user pod names.

The volume and the claim only point at the share; the data lives on the NFS server's disk (protected,
components/storage/nfs_server.py), the cloud's filesystem (protected, components/cluster/) or an existing
server. The volume is bound to exactly this claim
(`claimRef`, `volumeName`, no StorageClass), so no other claim can take it and no dynamic provisioner
makes a disk for it. The nodes mount it, so the server's address is one the nodes reach: the NFS
Service's cluster IP (nodes do not resolve cluster DNS names), or the existing server's.
"""

import pulumi
import pulumi_kubernetes as k8s

from ..cluster.facts import CloudShare
from ..config.storage import SHARED_CLAIM, ExistingNfs, InClusterNfs
from ..labels import SINGLEUSER, labels
from ..manifest import ApiFields, ObjectMeta
from ..namespace import HubNamespace
from ..plan.hub_spec import HubSpec

IN_CLUSTER_MOUNT_OPTIONS = ("nfsvers=4.1", "proto=tcp", "hard", "noresvport")
EXISTING_NFS_NOMINAL_SIZE = "1Gi"
"""A PersistentVolume states a size; NFS enforces none, so an existing share's volume names a nominal one."""


def in_cluster_share(storage: InClusterNfs, server: pulumi.Input[str]) -> CloudShare:
    """The in-cluster NFS server's export (its pseudo root), at the server's Service address."""
    return CloudShare(
        source={"nfs": {"server": server, "path": "/"}},
        mount_options=IN_CLUSTER_MOUNT_OPTIONS,
        capacity=storage.capacity,
    )


def existing_share(storage: ExistingNfs) -> CloudShare:
    """An existing export, as given."""
    return CloudShare(
        source={"nfs": {"server": storage.server, "path": storage.path}},
        mount_options=tuple(storage.mount_options),
        capacity=EXISTING_NFS_NOMINAL_SIZE,
    )


def declare_shared_volume(
    name: str, spec: HubSpec, namespace: HubNamespace, share: CloudShare, opts: pulumi.ResourceOptions
) -> k8s.core.v1.PersistentVolumeClaim:
    """The volume for `share` and its claim in the hub's namespace."""
    size = share.capacity
    volume_name = f"{spec.namespace}-{SHARED_CLAIM}"
    meta: ObjectMeta = {"labels": labels(spec.name, SINGLEUSER)}
    volume_spec: ApiFields = {
        "capacity": {"storage": size},
        "accessModes": ["ReadWriteMany"],
        "persistentVolumeReclaimPolicy": "Retain",
        "storageClassName": "",
        "mountOptions": list(share.mount_options),
        **share.source,
        "claimRef": {"namespace": spec.namespace, "name": SHARED_CLAIM},
    }
    volume = k8s.core.v1.PersistentVolume(
        f"{name}-shared-storage", metadata={**meta, "name": volume_name}, spec=volume_spec, opts=opts
    )
    claim_spec: ApiFields = {
        "accessModes": ["ReadWriteMany"],
        "resources": {"requests": {"storage": size}},
        "storageClassName": "",
        "volumeName": volume.metadata.name,
    }
    return k8s.core.v1.PersistentVolumeClaim(
        f"{name}-shared-storage",
        metadata={**meta, "name": SHARED_CLAIM, "namespace": namespace.ref},
        spec=claim_spec,
        opts=opts,
    )

"""A hub's shared filesystem (`sharedStorage`): its NFS server when the stack runs one, and the volume and
claim its servers mount."""

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from ..cluster.facts import CloudShare
from ..config.storage import ExistingNfs, InClusterNfs
from ..namespace import HubNamespace
from ..plan.hub_spec import HubSpec
from .nfs_server import NfsServer, NfsServerArgs
from .shared_volume import declare_shared_volume, existing_share, in_cluster_share


@dataclass(frozen=True)
class SharedStorageObjects:
    """What a hub's shared filesystem is made of."""

    nfs_server: NfsServer | None
    """The in-cluster server, if the stack runs one."""
    claim: k8s.core.v1.PersistentVolumeClaim | None
    """The claim servers mount (None for a retired hub, which serves nobody)."""


def declare_shared_storage(
    name: str, spec: HubSpec, namespace: HubNamespace, opts: pulumi.ResourceOptions
) -> SharedStorageObjects | None:
    """The hub's shared filesystem, if it has one (a cloud's is the plan's: `spec.cloud_share`). A retired
    hub keeps its data (the NFS server's disk, the cloud's filesystem) and serves nobody."""
    storage = spec.config.shared_storage
    if storage is None:
        return None
    serving = not spec.config.retired
    nfs_server = None
    share: CloudShare | None
    if isinstance(storage, InClusterNfs):
        nfs_namespace = spec.config.nfs_server_namespace(spec.namespace)
        assert nfs_namespace is not None  # noqa: S101 - an in-cluster server has its namespace
        nfs_server = NfsServer(
            name, NfsServerArgs(spec=spec, storage=storage, namespace=nfs_namespace, serving=serving), opts=opts
        )
        share = in_cluster_share(storage, nfs_server.service.spec.cluster_ip) if nfs_server.service else None
    elif isinstance(storage, ExistingNfs):
        share = existing_share(storage)
    else:
        share = spec.cloud_share
    if not serving or share is None:
        return SharedStorageObjects(nfs_server=nfs_server, claim=None)
    return SharedStorageObjects(nfs_server=nfs_server, claim=declare_shared_volume(name, spec, namespace, share, opts))

"""What a hub's home backups snapshot, decided once from its settings and the cluster."""

from dataclasses import dataclass

from ..cluster import Cluster
from ..config.backups import HomeBackups
from ..config.stack import JupyterHubConfig
from ..config.storage import NFS_DISK_CLAIM, InClusterNfs

HOME_CLAIMS_COMPONENT = "singleuser-storage"
"""The `component` label KubeSpawner gives every home claim it makes."""


@dataclass(frozen=True)
class SnapshotTarget:
    """Claims to snapshot: those matching `selector`, or the one named `claim`, in `namespace`."""

    namespace: str
    selector: str | None = None
    claim: str | None = None

    def as_json(self) -> dict[str, str]:
        """As the backup job reads it."""
        return {
            "namespace": self.namespace,
            **({"selector": self.selector} if self.selector else {}),
            **({"claim": self.claim} if self.claim else {}),
        }


@dataclass(frozen=True)
class SnapshotBackups:
    """A CronJob that snapshots claims in the cluster."""

    settings: HomeBackups
    snapshot_class: str
    targets: tuple[SnapshotTarget, ...]


def plan_snapshots(name: str, namespace: str, hub: JupyterHubConfig, cluster: Cluster) -> SnapshotBackups | None:
    """The snapshots a hub's backups take (None: no backups, or only the cloud's, e.g. EFS's)."""
    backups = hub.backups
    if backups is None or not hub.snapshots_homes():
        return None
    targets = []
    if hub.singleuser.storage.type == "dynamic":
        selector = f"component={HOME_CLAIMS_COMPONENT},app.kubernetes.io/instance={name}"
        targets.append(SnapshotTarget(namespace=namespace, selector=selector))
    nfs_namespace = hub.nfs_server_namespace(namespace)
    if isinstance(hub.shared_storage, InClusterNfs) and nfs_namespace is not None:
        targets.append(SnapshotTarget(namespace=nfs_namespace, claim=NFS_DISK_CLAIM))
    snapshot_class = backups.snapshot_class or cluster.snapshot_class()
    if snapshot_class is None:  # validation: an existing cluster names its class
        raise AssertionError(f"{name}: this cluster makes no VolumeSnapshotClass")
    return SnapshotBackups(settings=backups, snapshot_class=snapshot_class, targets=tuple(targets))

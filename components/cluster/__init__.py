"""Clusters: each kind makes (or reaches) a cluster and gives the hubs a Kubernetes provider and facts.

Each cloud's module is imported only on that cloud's path, so a GKE stack never loads the AWS SDK.
"""

from typing import Protocol

import pulumi

from ..config.backups import HomeBackups
from ..config.cluster import ClusterConfig, ExistingClusterConfig
from ..config.gke import GkeClusterConfig
from ..config.storage import Efs, Filestore
from .facts import CloudShare, ClusterFacts, ReservedAddress


class LoadBalancing(Protocol):
    """What a cloud offers hubs' load balancers beyond a Service (GKE: reserved addresses, Cloud Armor)."""

    def reserve_address(self, hub_name: str, global_address: bool = False) -> ReservedAddress:
        """A static public address for a hub's load balancer (global: for a GKE Ingress)."""
        ...

    def client_allow_list(self, hub_name: str, cidrs: list[str]) -> pulumi.Output[str]:
        """A cloud firewall policy admitting only `cidrs` to a hub's HTTPS load balancer; its name."""
        ...


class Cluster(Protocol):
    """What the rest of the program uses of a cluster."""

    @property
    def facts(self) -> ClusterFacts:
        """The provider and how the cluster places pods, stores data and exposes hubs."""
        ...

    @property
    def load_balancing(self) -> LoadBalancing | None:
        """Reserved addresses and client allow-lists, where the cloud has them (validation refuses
        settings that need them elsewhere)."""
        ...

    def publish_host(self, hub_name: str, host: str, address: pulumi.Input[str]) -> None:
        """A DNS record for a hub's host name, where the cluster manages DNS."""
        ...

    def shared_filesystem(
        self, hub_name: str, storage: Filestore | Efs, uid: int, gid: int, backups: HomeBackups | None
    ) -> CloudShare:
        """A cloud filesystem for a hub's shared storage, where every client is the servers' user
        `uid`/`gid`, backed up by the cloud on `backups`' schedule where it can (EFS; validation refuses
        backups it cannot take, and a kind of filesystem the cluster's cloud does not have)."""
        ...

    def xfs_quota_class(self) -> str | None:
        """A StorageClass of XFS disks mounted with project quotas, made on first use (GKE, EKS); None where
        the stack makes none (an existing cluster names its own)."""
        ...

    def snapshot_class(self) -> str | None:
        """The VolumeSnapshotClass of the cluster's disks, made on first use (GKE, EKS); None where the stack
        makes none (an existing cluster names its own)."""
        ...

    def outputs(self) -> dict[str, pulumi.Input[object]]:
        """What the stack exports about the cluster."""
        ...


def make_cluster(config: ClusterConfig, protect: bool) -> Cluster:
    """The cluster component for the configured kind."""
    if isinstance(config, ExistingClusterConfig):
        from .existing import ExistingCluster

        return ExistingCluster("cluster", config)
    if isinstance(config, GkeClusterConfig):
        from .gke import GkeCluster

        return GkeCluster("cluster", config, protect)
    from .eks import EksCluster

    return EksCluster("cluster", config, protect)


__all__ = ["CloudShare", "Cluster", "ClusterFacts", "LoadBalancing", "ReservedAddress", "make_cluster"]

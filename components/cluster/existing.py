"""An existing cluster (kind, k3d, minikube, on-premises), reached through a kubeconfig."""

import pulumi
import pulumi_kubernetes as k8s

from ..config.backups import HomeBackups
from ..config.cluster import ExistingClusterConfig
from ..config.storage import Efs, Filestore
from ..storage.storage_class import declare_storage_class
from .facts import CloudShare, ClusterFacts


class ExistingCluster(pulumi.ComponentResource):
    """A Kubernetes provider for a running cluster, and the StorageClass if the stack creates one."""

    facts: ClusterFacts

    def __init__(self, name: str, config: ExistingClusterConfig, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("jupyterhub:cluster:ExistingCluster", name, None, opts)
        provider = k8s.Provider(
            f"{name}-kubernetes",
            kubeconfig=config.kubeconfig,
            context=config.context,
            opts=pulumi.ResourceOptions(parent=self),
        )
        storage, ready = config.storage, []
        if storage.create is not None and storage.class_name is not None:
            on_cluster = pulumi.ResourceOptions(parent=self, provider=provider)
            ready.append(
                declare_storage_class(
                    f"storage-class-{storage.class_name}", storage.class_name, storage.create, on_cluster
                )
            )
        self.facts = ClusterFacts(
            provider=provider, node_purpose=config.node_purpose, storage_class=storage.class_name, ready=ready
        )
        self.config = config
        self.register_outputs({"context": config.context or ""})

    load_balancing = None
    """None: an existing cluster reserves no addresses and has no cloud allow-lists (validation refuses
    `staticIp: reserve` there)."""

    def shared_filesystem(
        self, hub_name: str, storage: Filestore | Efs, uid: int, gid: int, backups: HomeBackups | None
    ) -> CloudShare:
        """None here: validation keeps cloud filesystems to their clouds."""
        raise AssertionError(f"{hub_name}: an existing cluster has no {storage.type}")

    def xfs_quota_class(self) -> str | None:
        """None: an existing cluster's quotas name its own class (validated)."""
        return None

    def snapshot_class(self) -> str | None:
        """None: an existing cluster's backups name its own class (validated)."""
        return None

    def publish_host(self, hub_name: str, host: str, address: pulumi.Input[str]) -> None:
        """Nothing: DNS for an existing cluster is managed outside the stack."""

    def outputs(self) -> dict[str, pulumi.Input[object]]:
        """What the stack exports about the cluster."""
        return {"kubeContext": self.config.context or "(current context)"}

"""An existing cluster (kind, k3d, minikube, on-premises), reached through a kubeconfig."""

import pulumi
import pulumi_kubernetes as k8s

from ..config.cluster import ExistingClusterConfig
from ..storage.storage_class import declare_storage_class
from .facts import ClusterFacts, ReservedAddress


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
        storage_class = declare_storage_class(config.storage, pulumi.ResourceOptions(parent=self, provider=provider))
        self.facts = ClusterFacts(
            provider=provider,
            node_purpose=config.node_purpose,
            storage_class=config.storage.class_name,
            ready=[storage_class] if storage_class is not None else [],
        )
        self.config = config
        self.register_outputs({"context": config.context or ""})

    def reserve_address(self, hub_name: str, global_address: bool = False) -> ReservedAddress:
        """Not possible: validation refuses `staticIp: reserve` on an existing cluster."""
        raise NotImplementedError(f"{hub_name}: an existing cluster cannot reserve addresses")

    def client_allow_list(self, hub_name: str, cidrs: list[str]) -> pulumi.Output[str]:
        """Not used: an existing cluster has no cloud load balancer policy."""
        raise NotImplementedError(f"{hub_name}: an existing cluster has no cloud load balancer policy")

    def publish_host(self, hub_name: str, host: str, address: pulumi.Input[str]) -> None:
        """Nothing: DNS for an existing cluster is managed outside the stack."""

    def outputs(self) -> dict[str, pulumi.Input[object]]:
        """What the stack exports about the cluster."""
        return {"kubeContext": self.config.context or "(current context)"}

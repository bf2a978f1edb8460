"""Where the hubs run: the cluster, its StorageClass and how pods are placed on its nodes.

`kind: existing` targets a cluster that already exists (kind, k3d, minikube, on-premises); `kind: gke`
creates one on Google Cloud (gke.py), `kind: eks` on AWS (eks.py). Each kind is a member of the union at
the end.
"""

from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from .base import Model, NestedValueError
from .cluster_addresses import PRIVATE_IPV4_RANGES, ClusterAddresses
from .eks import EksClusterConfig
from .gke import GkeClusterConfig
from .node_pools import NodePoolFacts
from .types import Cidr, DnsSubdomain, platform_storage_class


class StorageClassSpec(Model):
    """A StorageClass for the stack to create."""

    provisioner: str
    """The CSI driver or provisioner, e.g. `rancher.io/local-path`, `pd.csi.storage.gke.io`, `ebs.csi.aws.com`."""
    parameters: dict[str, str] = {}
    """Provisioner parameters, e.g. `{type: pd-balanced}`."""
    reclaim_policy: Literal["Retain", "Delete"] = "Retain"
    """What happens to a disk when its claim is deleted. `Retain` keeps students' homes."""
    volume_binding_mode: Literal["WaitForFirstConsumer", "Immediate"] = "WaitForFirstConsumer"
    """`WaitForFirstConsumer` creates the disk in the zone where the pod is scheduled (no zone conflicts)."""
    allow_volume_expansion: bool = True
    """Whether claims may be resized later."""
    mount_options: list[str] = []
    """Options the nodes mount the disks with, e.g. `[prjquota]`."""


LOCAL_STORAGE_CLASSES = {
    "standard": "kind and minikube",
    "local-path": "k3d and k3s",
    "hostpath": "Docker Desktop",
}
"""StorageClasses local clusters make themselves."""


class StorageConfig(Model):
    """The StorageClass that the hub database and user homes use unless they name their own."""

    class_name: DnsSubdomain | None = None
    """The StorageClass to use. Empty: the cluster's default class."""
    create: StorageClassSpec | None = None
    """Create the class named `className` with this spec. Empty: use an existing class."""

    @model_validator(mode="after")
    def _create_needs_name(self) -> Self:
        if self.create is not None and self.class_name is None:
            raise ValueError("create needs className: the name of the StorageClass to create")
        if self.create is not None and self.class_name in LOCAL_STORAGE_CLASSES:
            raise NestedValueError(
                ("className",),
                platform_storage_class(self.class_name, LOCAL_STORAGE_CLASSES[self.class_name])
                + " (to use it, leave out create)",
            )
        return self


class ExistingClusterConfig(Model):
    """A cluster that already exists, reached through a kubeconfig."""

    kind: Literal["existing"]
    """`existing`: use a running cluster (kind, k3d, minikube, on-premises)."""
    kubeconfig: str | None = None
    """Path to the kubeconfig file. Empty: `$KUBECONFIG` or `~/.kube/config`, as kubectl does."""
    context: str | None = None
    """The kubeconfig context to use. Empty: the file's current context."""
    storage: StorageConfig = StorageConfig()
    """The StorageClass for the hub database and user homes."""
    node_purpose: Literal["require", "prefer", "ignore"] = "prefer"
    """How strictly pods follow the node labels `hub.jupyter.org/node-purpose=core|user`: `require` them,
    `prefer` them (pods still run on unlabelled clusters such as a one-node minikube), or `ignore` them."""

    api_server_cidrs: list[Cidr] = Field(default_factory=lambda: list(PRIVATE_IPV4_RANGES), min_length=1)
    """Where the Kubernetes API server answers pods (the addresses behind the `kubernetes` Service, e.g. the
    control-plane nodes): the hub and the HTTPS front reach these on 443 and 6443, and no other private
    address. The default, the private ranges, suits kind, k3d and minikube; name the control plane's
    addresses on a cluster of your own."""
    internal_cidrs: list[Cidr] = []
    """The cluster's own ranges (nodes, pods, Services), e.g. kind's `172.18.0.0/16`, `10.244.0.0/16` and
    `10.96.0.0/12`: cut out of any broader network in `allowedCidrs`, and never part of user servers'
    internet access even when they are public addresses used privately."""

    def node_pools(self) -> list[NodePoolFacts] | None:
        """The cluster's pools: not known for a cluster the stack does not make."""
        return None

    def addresses(self) -> ClusterAddresses:
        """The cluster's own ranges and where its API server answers, as the stack config says."""
        return ClusterAddresses(internal=tuple(self.internal_cidrs), api_server=tuple(self.api_server_cidrs))


ClusterConfig = Annotated[ExistingClusterConfig | GkeClusterConfig | EksClusterConfig, Field(discriminator="kind")]
"""The cluster the stack uses; the discriminating key is `kind`."""

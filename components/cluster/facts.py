"""What the hubs need to know about the cluster they run on."""

from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s

from ..scheduling import Strictness


@dataclass(frozen=True)
class ClusterFacts:
    """The Kubernetes provider every hub resource uses, and how the cluster places pods and stores data."""

    provider: k8s.Provider
    node_purpose: Strictness
    """How strictly hub/proxy/user pods must follow the node-purpose labels."""
    storage_class: str | None
    """The StorageClass for hub databases and homes; None: the cluster's default class."""
    ready: list[pulumi.Resource] = field(default_factory=list)
    """What must exist before any hub object is created (the StorageClass the stack creates, node pools)."""
    load_balancer_annotations: dict[str, str] = field(default_factory=dict)
    """Annotations the cloud wants on LoadBalancer Services (a hub's own annotations win)."""

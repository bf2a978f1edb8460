"""What the hubs need to know about the cluster they run on."""

from dataclasses import dataclass, field
from typing import Literal

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
    https_offload: Literal["service", "ingress"] | None = None
    """How `https.mode: offload` is built here: annotations on the LoadBalancer Service (EKS: the NLB
    decrypts with an ACM certificate) or a GKE Ingress (a global HTTPS load balancer with a
    Google-managed certificate); None where the cluster offers no offload."""


@dataclass(frozen=True)
class CloudShare:
    """A hub's shared filesystem made by the cloud, as a PersistentVolume names it."""

    source: dict[str, pulumi.Input[object]]
    """The volume's source: `{"nfs": {...}}` or `{"csi": {...}}`."""
    mount_options: tuple[str, ...]
    """The nodes' mount options."""
    capacity: str
    """The volume's stated size."""


@dataclass(frozen=True)
class ReservedAddress:
    """A public address the stack reserved for a hub: its cloud name and its IP."""

    name: pulumi.Input[str]
    ip: pulumi.Input[str]

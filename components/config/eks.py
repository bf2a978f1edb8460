"""Settings of an EKS cluster the stack creates: network, IAM, control plane, node groups and disks."""

import ipaddress
import re
from typing import Annotated, ClassVar, Literal, Self

from pydantic import AfterValidator, Field, model_validator

from .api_endpoint import ANY_ADDRESS_OPT_IN, check_allow_list
from .base import Model, NestedValueError
from .cluster_addresses import ClusterAddresses
from .node_pools import (
    CORE,
    GPU_PRESENT_LABEL,
    GPU_SHARED_BY_LABEL,
    GPU_SHARED_BY_MAX,
    USER,
    NodePoolFacts,
    pool_facts,
)
from .types import Cidr, DnsLabel, DnsSubdomain, ImageRef, IPv4Cidr, fullmatch, not_a_platform_storage_class

AWS_REGIONS = frozenset(
    {
        "af-south-1",
        "ap-east-1",
        "ap-northeast-1",
        "ap-northeast-2",
        "ap-northeast-3",
        "ap-south-1",
        "ap-south-2",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-southeast-3",
        "ap-southeast-4",
        "ap-southeast-5",
        "ca-central-1",
        "ca-west-1",
        "eu-central-1",
        "eu-central-2",
        "eu-north-1",
        "eu-south-1",
        "eu-south-2",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "il-central-1",
        "me-central-1",
        "me-south-1",
        "mx-central-1",
        "sa-east-1",
        "us-east-1",
        "us-east-2",
        "us-west-1",
        "us-west-2",
    }
)
"""AWS commercial regions."""


def _region(value: str) -> str:
    if value not in AWS_REGIONS:
        raise ValueError(f"{value!r} is not an AWS region such as us-east-1 or eu-west-1")
    return value


AwsRegion = Annotated[str, AfterValidator(_region)]
InstanceType = Annotated[str, fullmatch(r"[a-z][a-z0-9-]*\.[a-z0-9]+", "an EC2 instance type such as m6i.xlarge")]
PrincipalArn = Annotated[
    str,
    fullmatch(
        r"arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/[\w+=,.@/-]+",
        "an IAM role or user ARN such as arn:aws:iam::123456789012:role/admins",
    ),
]


class EksGpu(Model):
    """NVIDIA GPUs on every node of a group (use a GPU instance type such as g4dn.xlarge or g5.xlarge)."""

    count: int = Field(default=1, ge=1, le=16)
    """GPUs per node of the instance type."""
    shared_by: int = Field(default=1, ge=1, le=GPU_SHARED_BY_MAX)
    """How many servers take turns on each GPU (the NVIDIA device plugin's time-slicing), e.g. 4 for a
    class of light CUDA work. Each server gets the whole GPU a share of the time, and its memory is
    shared, not divided: one server's big model leaves less for the others. Profiles on such a pool ask
    for `nvidia.com/gpu: 1` (one turn); the spawn form says so. 1: each GPU is one server's alone."""


class EksNodeGroup(Model):
    """A managed node group in the private subnets of every zone."""

    VARIANT: ClassVar[str] = "on EKS"
    """How the configuration reference tells this pool from the other cloud's (a hub's `userPool`)."""

    instance_types: list[InstanceType] = Field(default_factory=lambda: ["m6i.xlarge"], min_length=1)
    """EC2 instance types (several help spot capacity)."""
    min_nodes: int = Field(default=0, ge=0, le=1000)
    """The fewest nodes the autoscaler keeps (0 lets an idle user group cost nothing)."""
    max_nodes: int = Field(default=10, ge=1, le=1000)
    """The most nodes the autoscaler adds."""
    disk_size_gb: int = Field(default=100, ge=20, le=16384)
    """The root volume size (images are cached there)."""
    capacity_type: Literal["ON_DEMAND", "SPOT"] = "ON_DEMAND"
    """`SPOT` is much cheaper, but AWS may reclaim nodes at any time (users' servers restart)."""
    gpu: EksGpu | None = None
    """GPUs on every node (NVIDIA AMI); profiles that ask for `nvidia.com/gpu` run here."""

    @model_validator(mode="after")
    def _min_not_above_max(self) -> Self:
        if self.min_nodes > self.max_nodes:
            raise NestedValueError(("minNodes",), f"minNodes {self.min_nodes} is larger than maxNodes {self.max_nodes}")
        return self


class EksCoreGroup(EksNodeGroup):
    """The group for the hub, proxy and cluster services: small, always on."""

    instance_types: list[InstanceType] = Field(default_factory=lambda: ["m6i.large"], min_length=1)
    """EC2 instance types."""
    min_nodes: int = Field(default=2, ge=1, le=1000)
    """The fewest nodes (at least one: the hub, proxy, CoreDNS and the autoscaler always run)."""
    max_nodes: int = Field(default=3, ge=1, le=1000)
    """The most nodes the autoscaler adds."""
    disk_size_gb: int = Field(default=50, ge=20, le=16384)
    """The root volume size."""


EKS_OLDEST_VERSION = (1, 32)
"""The oldest Kubernetes minor version EKS runs (as of 2026-12: 1.31's extended support ended 2026-11-26;
https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html). EKS upgrades a cluster past its
extended support on its own, under the stack, so a stack asking for an older one would never match the cloud."""


def _supported_by_eks(version: str) -> str:
    major, minor = (int(part) for part in version.split("."))
    if (major, minor) < EKS_OLDEST_VERSION:
        oldest = ".".join(map(str, EKS_OLDEST_VERSION))
        raise ValueError(f"EKS no longer runs Kubernetes {version}: use {oldest} or newer")
    return version


class EksEndpoint(Model):
    """Who may reach the Kubernetes API."""

    public_access: bool = True
    """Reachable from the internet, from `publicAccessCidrs` only."""
    public_access_cidrs: list[Cidr] = []
    """Networks allowed to the public endpoint: those that run `pulumi up` and kubectl (campus, VPN, CI
    runners). Needed with `publicAccess` unless `apiFromAnyAddress`."""
    api_from_any_address: bool = False
    """Opt in to a public endpoint reachable from every address (`0.0.0.0/0`; authentication still applies)."""
    private_access: bool = True
    """Reachable from inside the VPC (nodes use it)."""

    @model_validator(mode="after")
    def _reachable(self) -> Self:
        if not self.public_access and not self.private_access:
            raise NestedValueError(("privateAccess",), "the API must be reachable publicly or privately")
        if not self.public_access:
            if self.public_access_cidrs:
                raise NestedValueError(("publicAccessCidrs",), "only with publicAccess: true")
            if self.api_from_any_address:
                raise NestedValueError((ANY_ADDRESS_OPT_IN,), "only with publicAccess: true")
        return self


class EksNetwork(Model):
    """The VPC: a private (nodes) and a public (load balancers, NAT) subnet in every zone."""

    vpc_cidr: IPv4Cidr = "10.0.0.0/16"
    """The VPC's range; each subnet takes an eighth of it."""
    nat_gateways: Literal["single", "per-zone"] = "single"
    """One NAT gateway for all zones (cheaper) or one per zone (survives a zone outage)."""

    @model_validator(mode="after")
    def _room_for_subnets(self) -> Self:
        if ipaddress.ip_network(self.vpc_cidr).prefixlen < 16:
            raise NestedValueError(("vpcCidr",), "too large: an AWS VPC's range is a /16 to a /28")
        if ipaddress.ip_network(self.vpc_cidr).prefixlen > 21:
            raise NestedValueError(("vpcCidr",), "too small: use a /21 or larger (each of 6 subnets takes 1/8)")
        return self

    def subnets(self, zones: int) -> tuple[list[str], list[str]]:
        """(private, public) subnet ranges for `zones` zones."""
        eighths = list(ipaddress.ip_network(self.vpc_cidr).subnets(prefixlen_diff=3))
        return [str(n) for n in eighths[:zones]], [str(n) for n in eighths[4 : 4 + zones]]


class EksStorage(Model):
    """The StorageClass for the hub database and user homes, on the EBS CSI driver."""

    DISK_MAX: ClassVar[tuple[int, str]] = (16 * 2**40, "16Ti, a gp3 volume's largest size")
    """The largest volume of the class, in bytes, and how to say it."""

    class_name: Annotated[DnsSubdomain, not_a_platform_storage_class({"gp2": "every EKS cluster"})] = "jupyterhub-gp3"
    """The name of the StorageClass the stack creates (encrypted gp3 volumes)."""
    reclaim_policy: Literal["Retain", "Delete"] = "Retain"
    """`Retain` keeps a volume when its claim is deleted, so a deleted user's home can be recovered."""


class Route53(Model):
    """A record per hub host name in an existing Route 53 hosted zone."""

    zone_id: str = Field(pattern=r"^Z[A-Z0-9]{4,32}$")
    """The hosted zone's id, e.g. `Z0123456789ABCDEFGHIJ`."""


class ClusterAutoscaler(Model):
    """The cluster-autoscaler Helm chart, which scales node groups (from zero) to the pods' needs."""

    chart_version: str = Field(default="9.46.6", pattern=r"^[0-9]+\.[0-9]+\.[0-9]+$")
    """The chart version (kubernetes.github.io/autoscaler)."""


class NvidiaDevicePlugin(Model):
    """The NVIDIA device plugin, which makes a GPU node's GPUs allocatable (`nvidia.com/gpu`). EKS's NVIDIA
    AMI carries the driver but not the plugin; the stack runs it on GPU node groups only."""

    image: ImageRef = "nvcr.io/nvidia/k8s-device-plugin:v0.17.1"
    """The plugin's image (pinned: a release tag or a digest)."""


class EksClusterConfig(Model):
    """An EKS cluster the stack creates, with its VPC, IAM, add-ons, node groups and disks."""

    kind: Literal["eks"]
    """`eks`: create an Amazon EKS cluster."""
    region: AwsRegion
    """The AWS region."""
    availability_zones: list[str] = Field(min_length=2, max_length=3)
    """Two or three zones of the region (e.g. `us-east-1a`); subnets and node groups span them."""
    name: DnsLabel = "jupyterhub"
    """The cluster's name."""
    kubernetes_version: Annotated[str, AfterValidator(_supported_by_eks)] = Field(
        default="1.35", pattern=r"^1\.[0-9]+$"
    )
    """The Kubernetes minor version, at least the oldest EKS still runs (1.32, in extended support at an extra
    hourly cost until 2027-03-23); 1.35 is in standard support until 2027-03-27."""
    endpoint: EksEndpoint = EksEndpoint()
    """Access to the Kubernetes API."""
    admin_arns: list[PrincipalArn] = []
    """IAM roles or users that administer the cluster (EKS access entries; the creator is one too)."""
    network: EksNetwork = EksNetwork()
    """The VPC."""
    core_group: EksCoreGroup = EksCoreGroup()
    """Nodes for the hub, proxy and cluster services."""
    user_groups: dict[DnsLabel, EksNodeGroup] = Field(default_factory=lambda: {"users": EksNodeGroup()}, min_length=1)
    """Nodes for user servers, by group name; add a group with `gpu` for GPU profiles."""
    storage: EksStorage = EksStorage()
    """Disks for the hub database and user homes."""
    autoscaler: ClusterAutoscaler = ClusterAutoscaler()
    """The cluster autoscaler."""
    gpu_device_plugin: NvidiaDevicePlugin = NvidiaDevicePlugin()
    """The NVIDIA device plugin, declared when a user group has `gpu`."""
    route53: Route53 | None = None
    """Publish each hub's `host` in a Route 53 zone (pointing at its load balancer)."""

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        for index, zone in enumerate(self.availability_zones):
            if not re.fullmatch(re.escape(self.region) + r"[a-f]", zone):
                raise NestedValueError(("availabilityZones", index), f"{zone!r} is not a zone of {self.region}")
        if len(set(self.availability_zones)) != len(self.availability_zones):
            raise NestedValueError(("availabilityZones",), "zones must be distinct")
        if "core" in self.user_groups:
            raise NestedValueError(("userGroups", "core"), "the name `core` is the core group's")
        return self

    @model_validator(mode="after")
    def _api_closed(self) -> Self:
        # A rule of the cluster's, not the endpoint's, so that the endpoint's defaults stay a valid model.
        if self.endpoint.public_access:
            check_allow_list(
                self.endpoint.public_access_cidrs,
                any_address=self.endpoint.api_from_any_address,
                key=("endpoint", "publicAccessCidrs"),
                closed_elsewise="set publicAccess: false (then `pulumi up` runs inside the VPC)",
            )
        return self

    def addresses(self) -> ClusterAddresses:
        """The VPC's range; pods reach the API server through its network interfaces in the VPC's subnets
        with private access, else at a public address."""
        api_server = (self.network.vpc_cidr,) if self.endpoint.private_access else None
        return ClusterAddresses(internal=(self.network.vpc_cidr,), api_server=api_server)

    def node_pools(self) -> list[NodePoolFacts]:
        """Every group as pods see it (with the labels EKS adds itself)."""
        groups = [("core", CORE, self.core_group)] + [(name, USER, g) for name, g in self.user_groups.items()]
        facts = []
        for name, purpose, group in groups:
            labels = {"eks.amazonaws.com/nodegroup": name, "eks.amazonaws.com/capacityType": group.capacity_type}
            gpus = group.gpu.count if group.gpu else 0
            shared_by = group.gpu.shared_by if group.gpu else 1
            if gpus:
                labels[GPU_PRESENT_LABEL] = "true"  # what the NVIDIA device plugin's DaemonSet selects
            if shared_by > 1:
                labels[GPU_SHARED_BY_LABEL] = str(shared_by)  # and the one plugin with that time-slicing
            facts.append(pool_facts(name, purpose, labels, group.min_nodes, group.max_nodes, gpus, shared_by))
        return facts

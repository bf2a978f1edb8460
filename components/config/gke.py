"""Settings of a GKE cluster the stack creates: network, control plane, node pools and disks."""

import ipaddress
import re
from typing import Annotated, ClassVar, Literal, Self

from pydantic import AfterValidator, Field, model_validator

from .api_endpoint import ANY_ADDRESS_OPT_IN, check_allow_list
from .base import Model, NestedValueError
from .cluster_addresses import ClusterAddresses
from .node_pools import CORE, GPU_SHARED_BY_MAX, USER, NodePoolFacts, pool_facts
from .types import Cidr, DnsLabel, DnsSubdomain, IPv4Cidr, fullmatch, not_a_platform_storage_class

GCP_REGIONS = frozenset(
    {
        "africa-south1",
        "asia-east1",
        "asia-east2",
        "asia-northeast1",
        "asia-northeast2",
        "asia-northeast3",
        "asia-south1",
        "asia-south2",
        "asia-southeast1",
        "asia-southeast2",
        "australia-southeast1",
        "australia-southeast2",
        "europe-central2",
        "europe-north1",
        "europe-north2",
        "europe-southwest1",
        "europe-west1",
        "europe-west2",
        "europe-west3",
        "europe-west4",
        "europe-west6",
        "europe-west8",
        "europe-west9",
        "europe-west10",
        "europe-west12",
        "me-central1",
        "me-central2",
        "me-west1",
        "northamerica-northeast1",
        "northamerica-northeast2",
        "northamerica-south1",
        "southamerica-east1",
        "southamerica-west1",
        "us-central1",
        "us-east1",
        "us-east4",
        "us-east5",
        "us-south1",
        "us-west1",
        "us-west2",
        "us-west3",
        "us-west4",
    }
)
"""Google Cloud regions (zones are a region plus `-a` to `-f`)."""


def _location(value: str) -> str:
    region, _, suffix = value.rpartition("-")
    if value in GCP_REGIONS or (region in GCP_REGIONS and re.fullmatch(r"[a-f]", suffix)):
        return value
    raise ValueError(f"{value!r} is not a Google Cloud region (e.g. us-central1) or zone (e.g. us-central1-a)")


GcpLocation = Annotated[str, AfterValidator(_location)]
GcpProject = Annotated[
    str, fullmatch(r"[a-z][a-z0-9-]{4,28}[a-z0-9]", "a Google Cloud project id: 6-30 lowercase letters, digits or '-'")
]
MachineType = Annotated[str, fullmatch(r"[a-z][a-z0-9]*-[a-z0-9-]+", "a machine type such as e2-standard-4")]


class Gpu(Model):
    """GPUs attached to every node of a pool."""

    type: str = Field(pattern=r"^nvidia-[a-z0-9-]+$")
    """The accelerator type, e.g. `nvidia-tesla-t4`, `nvidia-l4`."""
    count: int = Field(default=1, ge=1, le=16)
    """GPUs per node."""
    driver_version: Literal["DEFAULT", "LATEST", "INSTALLATION_DISABLED"] = "DEFAULT"
    """Which NVIDIA driver GKE installs (`INSTALLATION_DISABLED` if you install it yourself)."""
    shared_by: int = Field(default=1, ge=1, le=GPU_SHARED_BY_MAX)
    """How many servers take turns on each GPU (GKE's time-sharing GPUs), e.g. 4 for a class of light CUDA
    work. Each server gets the whole GPU a share of the time, and its memory is shared, not divided: one
    server's big model leaves less for the others. Profiles on such a pool ask for `nvidia.com/gpu: 1` (one
    turn); the spawn form says so. 1: each GPU is one server's alone."""


class GkeNodePool(Model):
    """A node pool. In a regional cluster the node counts are per zone."""

    VARIANT: ClassVar[str] = "on GKE"
    """How the configuration reference tells this pool from the other cloud's (a hub's `userPool`)."""

    machine_type: MachineType = "e2-standard-4"
    """The machine type of the nodes."""
    min_nodes: int = Field(default=0, ge=0, le=1000)
    """The fewest nodes the autoscaler keeps (0 lets an idle user pool cost nothing)."""
    max_nodes: int = Field(default=10, ge=1, le=1000)
    """The most nodes the autoscaler adds."""
    disk_type: Literal["pd-standard", "pd-balanced", "pd-ssd"] = "pd-balanced"
    """The boot disk type."""
    disk_size_gb: int = Field(default=100, ge=10, le=65536)
    """The boot disk size (images are cached there)."""
    spot: bool = False
    """Spot VMs: much cheaper, but Google may stop them at any time (users' servers restart)."""
    gpu: Gpu | None = None
    """GPUs on every node of this pool; profiles that ask for `nvidia.com/gpu` run here."""

    @model_validator(mode="after")
    def _min_not_above_max(self) -> Self:
        if self.min_nodes > self.max_nodes:
            raise NestedValueError(("minNodes",), f"minNodes {self.min_nodes} is larger than maxNodes {self.max_nodes}")
        return self


class CorePool(GkeNodePool):
    """The pool for the hub and proxy: small, always on."""

    machine_type: MachineType = "e2-standard-2"
    """The machine type of the nodes."""
    min_nodes: int = Field(default=1, ge=1, le=1000)
    """The fewest nodes (at least one: the hub and proxy always run)."""
    max_nodes: int = Field(default=3, ge=1, le=1000)
    """The most nodes the autoscaler adds."""
    disk_size_gb: int = Field(default=50, ge=10, le=65536)
    """The boot disk size."""


class AuthorizedNetwork(Model):
    """A network allowed to reach the Kubernetes API endpoint."""

    cidr: Cidr
    """The network, e.g. the campus range `198.51.100.0/24`."""
    name: str = ""
    """A label shown in the console."""


class GkeNetwork(Model):
    """Address ranges of the dedicated VPC (VPC-native cluster)."""

    subnet_cidr: IPv4Cidr = "10.0.0.0/20"
    """Node addresses."""
    pods_cidr: IPv4Cidr = "10.16.0.0/14"
    """Pod addresses (secondary range `pods`)."""
    services_cidr: IPv4Cidr = "10.20.0.0/20"
    """Service addresses (secondary range `services`)."""
    control_plane_cidr: IPv4Cidr = "172.16.0.0/28"
    """The control plane's range with private nodes (a /28)."""

    @model_validator(mode="after")
    def _ranges_do_not_overlap(self) -> Self:
        ranges = {
            "subnetCidr": self.subnet_cidr,
            "podsCidr": self.pods_cidr,
            "servicesCidr": self.services_cidr,
            "controlPlaneCidr": self.control_plane_cidr,
        }
        names = list(ranges)
        for index, first in enumerate(names):
            for second in names[index + 1 :]:
                if ipaddress.ip_network(ranges[first]).overlaps(ipaddress.ip_network(ranges[second])):
                    raise NestedValueError((second,), f"{ranges[second]} overlaps {first} {ranges[first]}")
        if ipaddress.ip_network(self.control_plane_cidr).prefixlen != 28:
            raise NestedValueError(("controlPlaneCidr",), "GKE needs a /28 for the control plane")
        return self


GKE_STORAGE_CLASSES: dict[str, str] = dict.fromkeys(("standard", "standard-rwo", "premium-rwo"), "every GKE cluster")


GKE_CLUSTER_NAME_MAX = 40
GCP_NAME_MAX = 63
"""Compute Engine resource names (addresses, security policies) are at most 63 characters."""
ADDRESS_SUFFIX, CLIENTS_POLICY_SUFFIX = "proxy", "clients"
FILESTORE_SUFFIX = "files"
FILESTORE_SHARE = "homes"
"""The file share of a hub's Filestore instance (its export is `/homes`)."""
HUB_GCP_NAMES = {
    ADDRESS_SUFFIX: "the hub's reserved address",
    CLIENTS_POLICY_SUFFIX: "its Cloud Armor policy",
    FILESTORE_SUFFIX: "its Filestore instance",
}
"""The Google Cloud resources the stack may make per hub, by the suffix of their names."""


def hub_gcp_name(cluster_name: str, hub_name: str, suffix: str) -> str:
    """The name of a hub's Google Cloud resource: `<cluster>-<hub>-<suffix>`."""
    return f"{cluster_name}-{hub_name}-{suffix}"


GKE_POOL_NAME_MAX = 40


def gke_name_problem(name: str, what: str, limit: int) -> str | None:
    """Why `name` (already a DNS-1123 label) cannot name a GKE cluster or node pool, or None: Google
    Cloud names start with a letter, and these two have at most 40 characters."""
    if not name[:1].isalpha():
        return f"{name!r} starts with a digit: a {what} name starts with a lowercase letter"
    if len(name) > limit:
        return f"{name!r} has {len(name)} characters: GKE allows at most {limit} in a {what} name"
    return None


def _gke_name(what: str, limit: int) -> AfterValidator:
    def check(name: str) -> str:
        if (problem := gke_name_problem(name, what, limit)) is not None:
            raise ValueError(problem)
        return name

    return AfterValidator(check)


GkePoolName = Annotated[DnsLabel, _gke_name("node pool", GKE_POOL_NAME_MAX)]
"""A GKE node pool's name: a DNS-1123 label of at most 40 characters, starting with a letter."""


def node_service_account_id(cluster_name: str) -> str:
    """The node service account's id: 6-30 characters, ending in a letter or digit."""
    return f"{cluster_name[:24].rstrip('-')}-nodes"


class GkeStorage(Model):
    """The StorageClass for the hub database and user homes, on the Compute Engine PD CSI driver."""

    DISK_MAX: ClassVar[tuple[int, str]] = (64 * 2**40, "64Ti, a Persistent Disk's largest size")
    """The largest volume of the class, in bytes, and how to say it."""

    class_name: Annotated[DnsSubdomain, not_a_platform_storage_class(GKE_STORAGE_CLASSES)] = "jupyterhub-pd"
    """The name of the StorageClass the stack creates."""
    disk_type: Literal["pd-balanced", "pd-ssd", "pd-standard"] = "pd-balanced"
    """The persistent disk type."""
    reclaim_policy: Literal["Retain", "Delete"] = "Retain"
    """`Retain` keeps a disk when its claim is deleted, so a deleted user's home can be recovered."""


class CloudDns(Model):
    """A DNS record per hub host name in an existing Cloud DNS managed zone."""

    managed_zone: DnsLabel
    """The managed zone's name (not its DNS name), e.g. `hub-example-edu`."""
    project: GcpProject | None = None
    """The zone's project. Empty: the cluster's project."""


class GkeClusterConfig(Model):
    """A GKE Standard cluster the stack creates, with its network, node pools and disks."""

    kind: Literal["gke"]
    """`gke`: create a Google Kubernetes Engine cluster."""
    project: GcpProject
    """The Google Cloud project id."""
    location: GcpLocation
    """A region (regional cluster, control plane in three zones) or a zone (zonal cluster)."""
    name: Annotated[DnsLabel, _gke_name("cluster", GKE_CLUSTER_NAME_MAX)] = "jupyterhub"
    """The cluster's name (GKE allows 40 characters, starting with a letter; it also prefixes the network,
    router, NAT, node service account and each hub's address and security policy)."""
    release_channel: Literal["RAPID", "REGULAR", "STABLE", "EXTENDED"] | None = "REGULAR"
    """Who picks the Kubernetes version and when upgrades happen. Empty: pin `kubernetesVersion`."""
    kubernetes_version: str | None = Field(default=None, pattern=r"^1\.[0-9]+(\.[0-9]+(-gke\.[0-9]+)?)?$")
    """A pinned minimum version such as `1.33`; only without a release channel."""
    deletion_protection: bool = True
    """GKE refuses to delete the cluster until this is turned off (besides Pulumi's own protection)."""
    private_nodes: bool = True
    """Nodes get no public addresses; they reach image registries through Cloud NAT."""
    nat: bool = True
    """Create a Cloud Router and Cloud NAT for outbound traffic (needed with private nodes)."""
    authorized_networks: list[AuthorizedNetwork] = []
    """Networks allowed to reach the Kubernetes API: those that run `pulumi up` and kubectl (campus, VPN,
    CI runners). Needed unless `privateEndpoint` or `apiFromAnyAddress`; no other address reaches the API."""
    private_endpoint: bool = False
    """The API gets no public address, only one in the VPC: `pulumi up` and kubectl must then run inside
    the VPC (a VM, a VPN or an Interconnect; list their ranges in `authorizedNetworks`). Needs `privateNodes`."""
    api_from_any_address: bool = False
    """Opt in to a public API reachable from every address (`0.0.0.0/0`; authentication still applies)."""
    network: GkeNetwork = GkeNetwork()
    """Address ranges of the VPC."""
    maintenance_start: str = Field(default="03:00", pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
    """Daily maintenance window start, UTC (HH:MM); GKE upgrades nodes in the four hours after it."""
    core_pool: CorePool = CorePool()
    """Nodes for the hub and proxy."""
    user_pools: dict[GkePoolName, GkeNodePool] = Field(default_factory=lambda: {"users": GkeNodePool()}, min_length=1)
    """Nodes for user servers, by pool name; add a pool with `gpu` for GPU profiles."""
    storage: GkeStorage = GkeStorage()
    """Disks for the hub database and user homes."""
    dns: CloudDns | None = None
    """Publish each hub's `host` in a Cloud DNS zone (needs `proxy.service.staticIp: reserve`)."""

    @property
    def region(self) -> str:
        """The region of the location (the location itself for a regional cluster)."""
        return self.location if self.location in GCP_REGIONS else self.location.rpartition("-")[0]

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.private_nodes and not self.nat:
            raise NestedValueError(("nat",), "private nodes need Cloud NAT to pull images: set nat: true")
        if self.release_channel is not None and self.kubernetes_version is not None:
            raise NestedValueError(
                ("kubernetesVersion",),
                "set either releaseChannel or kubernetesVersion (with releaseChannel: null), not both",
            )
        if "core" in self.user_pools:
            raise NestedValueError(("userPools", "core"), "the name `core` is the core pool's")
        return self

    @model_validator(mode="after")
    def _api_endpoint(self) -> Self:
        if self.private_endpoint and not self.private_nodes:
            raise NestedValueError(("privateEndpoint",), "a private endpoint needs privateNodes: true")
        if self.private_endpoint and self.api_from_any_address:
            raise NestedValueError((ANY_ADDRESS_OPT_IN,), "a private endpoint has no public address to open")
        if not self.private_endpoint:  # with no public address, the list only narrows the VPC's access
            check_allow_list(
                [network.cidr for network in self.authorized_networks],
                any_address=self.api_from_any_address,
                key=("authorizedNetworks",),
                where=("cidr",),
                closed_elsewise="set privateEndpoint: true",
            )
        return self

    def addresses(self) -> ClusterAddresses:
        """The VPC's ranges; pods reach the API server at the private endpoint (in the control plane's range,
        or in the node subnet on clusters using Private Service Connect) with private nodes, else at a public
        address."""
        network = self.network
        ranges = (network.subnet_cidr, network.pods_cidr, network.services_cidr, network.control_plane_cidr)
        api_server = (network.control_plane_cidr, network.subnet_cidr) if self.private_nodes else None
        return ClusterAddresses(internal=ranges, api_server=api_server)

    def node_pools(self) -> list[NodePoolFacts]:
        """Every pool as pods see it (with the labels GKE adds itself)."""
        pools = [("core", CORE, self.core_pool)] + [(name, USER, pool) for name, pool in self.user_pools.items()]
        facts = []
        for name, purpose, pool in pools:
            labels = {"cloud.google.com/gke-nodepool": name}
            if pool.spot:
                labels["cloud.google.com/gke-spot"] = "true"
            if pool.gpu is not None:
                labels["cloud.google.com/gke-accelerator"] = pool.gpu.type
            shared_by = pool.gpu.shared_by if pool.gpu else 1
            if shared_by > 1:  # GKE labels time-sharing nodes itself
                labels["cloud.google.com/gpu-sharing-strategy"] = "time-sharing"
                labels["cloud.google.com/max-shared-clients-per-gpu"] = str(shared_by)
            gpus = pool.gpu.count if pool.gpu else 0
            facts.append(pool_facts(name, purpose, labels, pool.min_nodes, pool.max_nodes, gpus, shared_by))
        return facts

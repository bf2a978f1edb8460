"""The plan of one hub: everything its components declare, decided once from the validated config and
the cluster's facts.

This is the only code that reads `https.mode`, asks the cluster how it exposes hubs, has the cloud make a
hub's filesystem, picks the StorageClasses and snapshots of its data, reserves addresses, makes client
allow-lists or publishes DNS. Components take a HubSpec and declare what it says.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

import pulumi

from ..cluster import CloudShare, Cluster, LoadBalancing
from ..config.cluster_addresses import ClusterAddresses
from ..config.placement import hub_as_deployed
from ..config.stack import JupyterHubConfig, StackConfig, gpu_sharing
from ..config.storage import Efs, Filestore, InClusterNfs
from ..endpoints import ENDPOINTS, Endpoints
from ..priorities import PriorityClassNames, priority_class_names
from ..scheduling import Strictness
from ..stack_settings import StackSettings
from .backups import SnapshotBackups, plan_snapshots
from .edge import CaddyFront, Edge, GkeIngress, PlainHttp, TlsAtLoadBalancer, TlsAtProxy, scheme


@dataclass(frozen=True, kw_only=True)
class PublicService:
    """The proxy-public Service as users (or the GKE Ingress) reach it."""

    type: Literal["LoadBalancer", "NodePort", "ClusterIP"]
    node_port: int | None
    """The node port of the HTTP port (None: Kubernetes picks)."""
    https_node_port: int | None
    """The node port of the HTTPS port (None: Kubernetes picks)."""
    load_balancer_ip: pulumi.Input[str] | None
    """The load balancer's fixed address (given or reserved); None: the cloud picks one."""
    source_ranges: tuple[str, ...]
    """Client networks the load balancer admits (empty: all)."""
    annotations: dict[str, str]
    """The cloud's annotations for its load balancers, then the hub's own (which win)."""


@dataclass(frozen=True, kw_only=True)
class HubSpec:
    """One hub, as deployed."""

    name: str
    namespace: str
    host: str | None
    edge: Edge
    address: pulumi.Input[str] | None
    """The hub's fixed public address (given or reserved); None: the one the cloud gives its load balancer."""
    public: PublicService
    config: JupyterHubConfig
    """The hub's settings (hub, proxy, singleuser, culler) as deployed: pinned to its own pool if it has one."""
    node_purpose: Strictness
    """How strictly the hub's pods follow the node-purpose labels."""
    storage_class: str | None
    """The cluster's StorageClass for the database and homes unless they name their own; None: the default."""
    stack: StackSettings
    addresses: ClusterAddresses
    """The cluster's own ranges and where its API server answers (for the NetworkPolicies)."""
    nfs_disk_class: str | None = None
    """The StorageClass of the in-cluster NFS server's disk (None: the cluster's default class)."""
    snapshots: SnapshotBackups | None = None
    """The home backups the cluster takes (a CronJob's snapshots); None: none (or only the cloud's, EFS's)."""
    cloud_share: CloudShare | None = None
    """The filesystem the cloud made for the hub's shared storage (Filestore, EFS); None for the others."""
    priorities: PriorityClassNames | None = None
    """The PriorityClasses of the hub's pods; None: the cluster's default priority for all."""
    user_scheduler: str | None = None
    """The schedulerName of the hub's user scheduler (users' servers and placeholders); None: the cluster's."""
    gpu_shared_by: dict[str, int] = field(default_factory=dict)
    """Profiles (by slug) whose servers may get a time-shared GPU, and the most servers sharing one."""
    endpoints: Endpoints = ENDPOINTS

    @property
    def core_priority(self) -> str | None:
        """The PriorityClass of the hub's own pods (hub, proxy, HTTPS front); None: the default priority."""
        return self.priorities.core if self.priorities else None

    @property
    def base_url(self) -> str:
        """The path the hub is served under."""
        return self.config.hub.base_url


def plan_hubs(config: StackConfig, cluster: Cluster) -> Iterator[HubSpec]:
    """The spec of every hub of the stack, in the stack file's order, one at a time (so what a hub's plan
    declares in the cloud is registered just before the hub's own objects)."""
    stack = StackSettings(
        environment=config.environment, protect_data=config.protect_data, secrets_generation=config.secrets_generation
    )
    for name in config.hubs:
        yield plan_hub(config, name, cluster, stack)


def plan_hub(config: StackConfig, name: str, cluster: Cluster, stack: StackSettings) -> HubSpec:
    """One hub's spec; reserves its address and makes its client allow-list where the cluster has them."""
    hub = hub_as_deployed(config, name)
    https, service, facts = hub.proxy.https, hub.proxy.service, cluster.facts
    behind_ingress = https.mode == "offload" and facts.https_offload == "ingress"
    address: pulumi.Input[str] | None = service.static_ip
    address_name: pulumi.Input[str] | None = None
    if service.static_ip == "reserve":
        reserved = _load_balancing(cluster, name).reserve_address(name, global_address=behind_ingress)
        address, address_name = reserved.ip, reserved.name
    edge: Edge
    if https.mode == "off":
        edge = PlainHttp()
    elif https.mode == "manual":
        assert https.certificate is not None and https.key is not None  # noqa: S101 - validated
        edge = TlsAtProxy(certificate=https.certificate, key=https.key)
    elif https.mode == "letsencrypt":
        assert hub.host is not None and https.letsencrypt is not None  # noqa: S101 - validated
        edge = CaddyFront(host=hub.host, letsencrypt=https.letsencrypt)
    elif behind_ingress:
        assert hub.host is not None  # noqa: S101 - validated: HTTPS needs the host
        ranges = list(service.load_balancer_source_ranges)
        edge = GkeIngress(
            host=hub.host,
            address_name=address_name,
            client_allow_list=_load_balancing(cluster, name).client_allow_list(name, ranges) if ranges else None,
        )
    else:
        assert https.certificate_arn is not None  # noqa: S101 - validated: offload needs ACM's certificate here
        edge = TlsAtLoadBalancer(certificate_arn=https.certificate_arn)
    on_load_balancer = service.type == "LoadBalancer" and not isinstance(edge, GkeIngress)
    public = PublicService(
        type="ClusterIP" if isinstance(edge, GkeIngress) else service.type,
        node_port=service.node_port,
        https_node_port=service.https_node_port,
        load_balancer_ip=None if isinstance(edge, GkeIngress) else address,
        source_ranges=tuple(service.load_balancer_source_ranges),
        annotations={**(facts.load_balancer_annotations if on_load_balancer else {}), **service.annotations},
    )
    storage = hub.shared_storage
    cloud_share = None
    if isinstance(storage, Filestore | Efs):  # made (and kept) even for a retired hub: the homes are there
        cloud_share = cluster.shared_filesystem(name, storage, hub.singleuser.uid, hub.singleuser.fs_gid, hub.backups)
    nfs_disk_class = None
    if isinstance(storage, InClusterNfs):
        quota_class = cluster.xfs_quota_class() if storage.home_quota else None
        nfs_disk_class = storage.storage_class or quota_class or facts.storage_class
    return HubSpec(
        name=name,
        namespace=config.namespace_of(name),
        host=hub.host,
        edge=edge,
        address=address,
        public=public,
        config=hub,
        node_purpose=facts.node_purpose,
        storage_class=facts.storage_class,
        stack=stack,
        addresses=config.cluster.addresses(),
        cloud_share=cloud_share,
        nfs_disk_class=nfs_disk_class,
        snapshots=plan_snapshots(name, config.namespace_of(name), hub, cluster),
        priorities=priority_class_names(config.namespace_of(name)) if hub.scheduling.pod_priority else None,
        user_scheduler=user_scheduler_name(config.namespace_of(name)) if packs_users(config, hub) else None,
        gpu_shared_by=gpu_sharing(name, config.hubs[name], config.cluster.node_pools()),
    )


def user_scheduler_name(namespace: str) -> str:
    """The user scheduler's schedulerName (unique in the cluster, as namespaces are)."""
    return f"{namespace}-user-scheduler"


def packs_users(config: StackConfig, hub: JupyterHubConfig) -> bool:
    """Whether the hub runs its user scheduler: as set, else where the cluster autoscales (the clouds')."""
    enabled = hub.scheduling.user_scheduler.enabled
    return enabled if enabled is not None else config.cluster.kind in ("gke", "eks")


def _load_balancing(cluster: Cluster, hub_name: str) -> LoadBalancing:
    if cluster.load_balancing is None:  # validation refuses what would need it on such a cluster
        raise AssertionError(f"{hub_name}: this cluster reserves no addresses and makes no allow-lists")
    return cluster.load_balancing


def publish(spec: HubSpec, cluster: Cluster, load_balancer: pulumi.Output[str]) -> pulumi.Input[str] | None:
    """The hub's DNS record where the cluster manages DNS, and its URL (None while it has no public name).
    `load_balancer` is the address or DNS name the cloud gives the hub's load balancer."""
    on_load_balancer = spec.config.proxy.service.type == "LoadBalancer"
    reached = spec.address if spec.address is not None else load_balancer if on_load_balancer else None
    if spec.host is not None and reached is not None:
        cluster.publish_host(spec.name, spec.host, reached)
    name = spec.host or reached
    if name is None:
        return None
    return pulumi.Output.concat(scheme(spec.edge), "://", name, spec.base_url)

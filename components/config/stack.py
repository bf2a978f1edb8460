"""The root of a stack's configuration: the environment, the cluster and the hubs on it."""

import ipaddress
from collections.abc import Iterator
from typing import Any, Literal, Self

from pydantic import Field, ValidationInfo, field_validator, model_validator

from .authenticators import DummyAuthenticator, LdapAuthenticator
from .backups import HomeBackups, aws_backup_schedule
from .base import Model, NestedProblemsError, NestedValueError
from .cluster import ClusterConfig, ExistingClusterConfig
from .cluster_addresses import PRIVATE_IPV4_RANGES
from .culler import CullerConfig
from .eks import EksClusterConfig, EksNodeGroup
from .gke import (
    GCP_NAME_MAX,
    GKE_POOL_NAME_MAX,
    HUB_GCP_NAMES,
    GkeClusterConfig,
    GkeNodePool,
    gke_name_problem,
    hub_gcp_name,
)
from .hub import HubConfig, SqlitePvcDatabase
from .node_pools import GPU_RESOURCE, NodePoolFacts
from .placement import cluster_with_hub_pools, user_node_selector
from .proxy import OFFLOAD_ANNOTATIONS, ProxyConfig
from .scheduling import SchedulingConfig
from .singleuser import Profile, SingleUserConfig
from .storage import Efs, ExistingNfs, Filestore, InClusterNfs, SharedStorage
from .types import DnsLabel, Hostname, quantity_value

RESERVED_NAMESPACES = frozenset({"default", "kube-system", "kube-public", "kube-node-lease"})
"""Namespaces every cluster has for itself."""


class JupyterHubConfig(Model):
    """One JupyterHub (a class or a department), in its own namespace."""

    namespace: DnsLabel | None = None
    """The namespace of this hub. Empty: the hub's name."""
    host: Hostname | None = None
    """The hub's host name, e.g. `physics.hub.example.edu`: the hub URL, and a DNS record where the cluster
    manages DNS (`cluster.dns`)."""
    hub: HubConfig
    """The Hub."""
    proxy: ProxyConfig = ProxyConfig()
    """The Proxy and its public Service."""
    singleuser: SingleUserConfig = SingleUserConfig()
    """Users' servers."""
    culler: CullerConfig = CullerConfig()
    """The idle culler."""
    scheduling: SchedulingConfig = SchedulingConfig()
    """Pod priorities and user placeholders: room for user servers when a class starts."""
    backups: HomeBackups | None = None
    """Scheduled backups of users' homes (snapshots of per-user disks or of the in-cluster NFS server's
    disk; AWS Backup for EFS), kept for `keepDays`. Empty: none (disks are still kept, never deleted)."""
    shared_storage: SharedStorage | None = None
    """A filesystem the hub's servers share: for shared homes (`singleuser.storage.type: shared`), the class
    folder and group folders. `type` is `in-cluster-nfs` (an NFS server the stack runs on a disk of its
    own) or `nfs` (an existing export). Empty: none."""
    user_pool: GkeNodePool | EksNodeGroup | None = None
    """A node pool for this hub's users alone (cloud clusters), with the settings of an entry of
    `cluster.userPools` (GKE) or `cluster.userGroups` (EKS); it is named after the hub, and this hub's
    servers run only there (a profile with its own `nodeSelector` still goes where that points)."""
    retired: bool = False
    """Retire this hub and keep its data: `pulumi up` removes the hub, the proxy and everything serving users,
    and keeps the namespace with every home claim, the hub's database claim and a default-deny policy that
    isolates anything left in the namespace. Stop every server first (admin page: Stop All). Set it back to
    `false` to bring the hub back with its users and homes. See the README, "Retiring a hub"."""
    former_names: list[DnsLabel] = []
    """Earlier names of this hub in the stack (its key under `jupyterhub:hubs`): renaming a hub keeps every
    object instead of replacing it (Pulumi aliases). Needs `namespace` set to the namespace it had."""

    @model_validator(mode="after")
    def _renamed_in_place(self) -> Self:
        if self.former_names and self.namespace is None:
            raise NestedValueError(
                ("formerNames",),
                f"a renamed hub keeps its objects only in the namespace they are in: set namespace: "
                f"{self.former_names[0]} (its namespace before the rename, unless it had one set)",
            )
        return self

    @model_validator(mode="after")
    def _shared_storage_used(self) -> Self:
        users = self.shared_storage_users()
        if self.shared_storage is None and users:
            raise NestedValueError(
                ("singleuser", *users[0]),
                "needs the hub's sharedStorage (e.g. sharedStorage: {type: in-cluster-nfs}): it lives there",
            )
        if self.shared_storage is not None and not users:
            raise NestedValueError(
                ("sharedStorage",),
                "nothing uses it: set singleuser.storage.type: shared, singleuser.classFolder or "
                "singleuser.groupFolders, or remove it",
            )
        return self

    def shared_storage_users(self) -> list[tuple[str, ...]]:
        """The settings (keys below `singleuser`) that put something on the shared filesystem."""
        users: list[tuple[str, ...]] = []
        if self.singleuser.storage.type == "shared":
            users.append(("storage", "type"))
        if self.singleuser.class_folder is not None:
            users.append(("classFolder",))
        if self.singleuser.group_folders is not None:
            users.append(("groupFolders",))
        return users

    def snapshots_homes(self) -> bool:
        """Whether backups snapshot volumes in the cluster: per-user disks, or the in-cluster NFS disk."""
        return self.singleuser.storage.type == "dynamic" or isinstance(self.shared_storage, InClusterNfs)

    def nfs_server_namespace(self, namespace: str) -> str | None:
        """The namespace of the hub's in-cluster NFS server, if it has one."""
        return f"{namespace}-nfs" if isinstance(self.shared_storage, InClusterNfs) else None

    @field_validator("user_pool", mode="plain")
    @classmethod
    def _pool_of_the_cluster_kind(cls, value: Any, info: ValidationInfo) -> GkeNodePool | EksNodeGroup | None:
        if value is None or isinstance(value, GkeNodePool | EksNodeGroup):
            return value
        kind = (info.context or {}).get(CLUSTER_KIND)
        if kind == "gke":
            return GkeNodePool.model_validate(value, context=info.context)
        if kind == "eks":
            return EksNodeGroup.model_validate(value, context=info.context)
        if kind is None:
            raise ValueError("validate stacks with StackConfig.from_values (it knows the cluster's kind)")
        raise ValueError("a hub's own pool needs a cloud cluster (kind gke or eks)")


CLUSTER_KIND = "cluster_kind"
"""The validation context's key for the stack's cluster kind, which decides the type of a hub's `userPool`."""


class StackConfig(Model):
    """Everything one stack deploys. In a stack file these are the keys under `config:` prefixed with
    the project name, e.g. `jupyterhub:cluster`."""

    environment: Literal["development", "production"] = "production"
    """`development` allows conveniences that are unsafe for real users (the dummy authenticator)."""
    protect_data: bool = True
    """Protect stateful resources (the hub database volume, namespaces holding user homes) from
    deletion and replacement by Pulumi. Set false only to tear a stack down for good."""
    secrets_generation: int = Field(default=1, ge=1)
    """Raise it to rotate the generated secrets of every hub (proxy token, cookie secret, crypt key,
    culler token) on the next `pulumi up`. They are otherwise kept in the stack's state and never change.
    Rotation logs every user out and makes stored OAuth tokens unreadable (users log in again)."""
    cluster: ClusterConfig
    """The Kubernetes cluster the hubs run on."""
    defaults: dict[str, Any] = {}
    """Settings every hub gets unless it sets its own, in the shape of a hub (`hub`, `proxy`,
    `singleuser`, `culler`...). Mappings merge at every depth; a hub's scalar or list replaces the
    default whole (lists are never concatenated); `null` in a hub removes a default."""
    hubs: dict[DnsLabel, JupyterHubConfig] = Field(min_length=1)
    """The hubs of this stack by name (a DNS-1123 label; the default namespace)."""

    @classmethod
    def from_values(cls, values: dict[str, Any]) -> "StackConfig":
        """Validate a stack's settings (keys without the project prefix); a hub's `userPool` is validated
        as a pool of the stack's cluster kind."""
        cluster = values.get("cluster")
        kind = cluster.get("kind") if isinstance(cluster, dict) else None
        return cls.model_validate(values, context={CLUSTER_KIND: kind if isinstance(kind, str) else ""})

    @model_validator(mode="after")
    def _cross_field_rules(self) -> Self:
        """Every rule that looks across settings, each on every hub: all their problems are reported at
        once, one per rule and hub, each at its own key."""
        rules = (
            self._dummy_only_in_development,
            self._ldap_passwords_encrypted,
            self._gcp_names_fit,
            self._hubs_do_not_collide,
            self._storage_namespaces_free,
            self._nfs_server_fenced,
            self._shared_storage_on_its_cloud,
            self._backups_possible,
            self._quotas_possible,
            self._https_where_it_matters,
            self._hub_pools_fit_the_cluster,
            self._hubs_fit_the_cluster,
            self._volumes_fit_the_cloud,
        )
        problems = [problem for rule in rules for problem in rule()]
        if problems:
            raise NestedProblemsError(problems)
        return self

    def _dummy_only_in_development(self) -> Iterator[NestedValueError]:
        if self.environment != "development":
            for name, hub in self.hubs.items():
                if isinstance(hub.hub.authenticator, DummyAuthenticator):
                    yield NestedValueError(
                        ("hubs", name, "hub", "authenticator", "type"),
                        "the dummy authenticator lets anyone in; it is only allowed with environment: development",
                    )

    def _ldap_passwords_encrypted(self) -> Iterator[NestedValueError]:
        if self.environment != "development":
            for name, hub in self.hubs.items():
                auth = hub.hub.authenticator
                if isinstance(auth, LdapAuthenticator) and auth.tls == "none":
                    yield NestedValueError(
                        ("hubs", name, "hub", "authenticator", "tls"),
                        "tls: none sends students' passwords in clear; use start-tls or ldaps "
                        "(none is only allowed with environment: development)",
                    )

    def _gcp_names_fit(self) -> Iterator[NestedValueError]:
        if not isinstance(self.cluster, GkeClusterConfig):
            return
        for name, hub in self.hubs.items():
            if hub.user_pool is not None:
                problem = gke_name_problem(name, "node pool", GKE_POOL_NAME_MAX)
                if problem is not None:
                    yield NestedValueError(("hubs", name, "userPool"), f"the pool is named after the hub: {problem}")
            too_long = [
                f"{full} ({what})"
                for suffix, what in HUB_GCP_NAMES.items()
                if len(full := hub_gcp_name(self.cluster.name, name, suffix)) > GCP_NAME_MAX
            ]
            if too_long:
                yield NestedValueError(
                    ("hubs", name),
                    f"{', '.join(too_long)} would be longer than the {GCP_NAME_MAX} characters Google Cloud "
                    "allows: shorten the hub's or the cluster's name",
                )

    def _hubs_do_not_collide(self) -> Iterator[NestedValueError]:
        namespaces: dict[str, str] = {}
        hosts: dict[str, str] = {}
        node_ports: dict[int, str] = {}
        for name, hub in self.hubs.items():
            for index, former in enumerate(hub.former_names):
                if former in self.hubs:
                    yield NestedValueError(
                        ("hubs", name, "formerNames", index),
                        f"{former!r} is a hub of this stack: its objects cannot also be this hub's",
                    )
            namespace = self.namespace_of(name)
            if namespace in RESERVED_NAMESPACES:
                where = ("hubs", name, "namespace") if hub.namespace is not None else ("hubs", name)
                yield NestedValueError(
                    where,
                    f"namespace {namespace!r} belongs to the cluster itself: a hub there would share it with "
                    "the cluster's own workloads (and KubeSpawner's user pods); give the hub its own namespace",
                )
                continue
            if namespace in namespaces:
                yield NestedValueError(
                    ("hubs", name, "namespace"),
                    f"namespace {namespace!r} is already used by hub {namespaces[namespace]!r}",
                )
                continue
            namespaces[namespace] = name
            if hub.host is not None and hub.host in hosts:
                yield NestedValueError(("hubs", name, "host"), f"{hub.host} is already hub {hosts[hub.host]!r}'s host")
                continue
            if hub.host is not None:
                hosts[hub.host] = name
            for key, node_port in hub.proxy.service.node_ports():
                if node_port in node_ports:
                    # The API server allocates node ports cluster-wide: the second Service would be refused.
                    yield NestedValueError(
                        ("hubs", name, "proxy", "service", key),
                        f"node port {node_port} is already hub {node_ports[node_port]!r}'s: node ports are "
                        "cluster-wide, give each hub its own",
                    )
                    continue
                node_ports[node_port] = name

    def _storage_namespaces_free(self) -> Iterator[NestedValueError]:
        hub_namespaces = {self.namespace_of(name): name for name in self.hubs}
        for name, hub in self.hubs.items():
            nfs = hub.nfs_server_namespace(self.namespace_of(name))
            if nfs is None:
                continue
            if len(nfs) > 63:
                yield NestedValueError(
                    ("hubs", name, "sharedStorage", "type"),
                    f"the NFS server's namespace {nfs!r} would be longer than 63 characters: "
                    "shorten the hub's namespace",
                )
            elif nfs in hub_namespaces or nfs in RESERVED_NAMESPACES:
                yield NestedValueError(
                    ("hubs", name, "sharedStorage", "type"),
                    f"the NFS server's namespace {nfs!r} is hub {hub_namespaces.get(nfs, 'the cluster')!r}'s namespace",
                )

    def _shared_storage_on_its_cloud(self) -> Iterator[NestedValueError]:
        for name, hub in self.hubs.items():
            storage, path = hub.shared_storage, ("hubs", name, "sharedStorage", "type")
            if isinstance(storage, Filestore) and not isinstance(self.cluster, GkeClusterConfig):
                yield NestedValueError(path, "Filestore is Google Cloud's: it needs cluster.kind gke")
            elif isinstance(storage, Efs) and not isinstance(self.cluster, EksClusterConfig):
                yield NestedValueError(path, "EFS is Amazon's: it needs cluster.kind eks")
            elif (
                isinstance(storage, Filestore)
                and isinstance(self.cluster, GkeClusterConfig)
                and storage.zone is None
                and self.cluster.location == self.cluster.region
            ):
                yield NestedValueError(
                    ("hubs", name, "sharedStorage"),
                    f"the cluster is regional ({self.cluster.location}): give the Filestore instance a zone of it, "
                    f"e.g. zone: {self.cluster.region}-b",
                )

    def _quotas_possible(self) -> Iterator[NestedValueError]:
        for name, hub in self.hubs.items():
            storage = hub.shared_storage
            if not isinstance(storage, InClusterNfs) or storage.home_quota is None:
                continue
            path = ("hubs", name, "sharedStorage", "homeQuota")
            if hub.singleuser.storage.type != "shared":
                yield NestedValueError(path, "limits homes on the NFS server: set singleuser.storage.type: shared")
            elif storage.storage_class is None and isinstance(self.cluster, ExistingClusterConfig):
                yield NestedValueError(
                    path,
                    "needs the disk formatted XFS with project quotas: set sharedStorage.storageClass to a "
                    "StorageClass with fsType xfs and mountOptions [prjquota] (the stack makes one on GKE and EKS)",
                )

    def _backups_possible(self) -> Iterator[NestedValueError]:
        for name, hub in self.hubs.items():
            backups, storage, path = hub.backups, hub.shared_storage, ("hubs", name, "backups")
            if backups is None:
                continue
            homes = hub.singleuser.storage.type
            if homes == "shared" and isinstance(storage, Filestore | ExistingNfs):
                own = "Filestore's backups" if isinstance(storage, Filestore) else "the file server's own backups"
                yield NestedValueError(
                    path, f"the homes are on {storage.type}, which the stack cannot snapshot: use {own}, or remove this"
                )
            elif not hub.snapshots_homes() and not isinstance(storage, Efs):
                yield NestedValueError(
                    path, "nothing to back up: the homes are not kept (singleuser.storage.type: none)"
                )
            elif (
                hub.snapshots_homes()
                and backups.snapshot_class is None
                and isinstance(self.cluster, ExistingClusterConfig)
            ):
                yield NestedValueError(
                    (*path, "snapshotClass"),
                    "name the cluster's VolumeSnapshotClass (kubectl get volumesnapshotclass): the stack makes "
                    "one only on GKE and EKS",
                )
            elif isinstance(storage, Efs) and aws_backup_schedule(backups.schedule) is None:
                yield NestedValueError(
                    (*path, "schedule"),
                    "AWS Backup takes a day of the month or a day of the week, not both: set one of them to '*'",
                )

    def _nfs_server_fenced(self) -> Iterator[NestedValueError]:
        """User servers never reach the in-cluster NFS server themselves (it squashes every client to one
        user): their egress stays off the cluster's ranges, which the stack must know to cut them out of a
        private network a hub allows."""
        if self.cluster.addresses().internal:
            return
        private = [ipaddress.ip_network(cidr) for cidr in (*PRIVATE_IPV4_RANGES, "100.64.0.0/10")]
        for name, hub in self.hubs.items():
            if not isinstance(hub.shared_storage, InClusterNfs):
                continue
            for index, cidr in enumerate(hub.singleuser.network.allowed_cidrs):
                network = ipaddress.ip_network(cidr, strict=False)
                if any(network.version == p.version and network.overlaps(p) for p in private):  # type: ignore[arg-type]
                    yield NestedValueError(
                        ("hubs", name, "singleuser", "network", "allowedCidrs", index),
                        f"{cidr} is private, and the stack does not know the cluster's own ranges, where the "
                        "in-cluster NFS server is: set cluster.internalCidrs (nodes, pods, Services), so they "
                        "stay closed to user servers",
                    )

    def _https_where_it_matters(self) -> Iterator[NestedValueError]:
        for name, hub in self.hubs.items():
            https, path = hub.proxy.https, ("hubs", name, "proxy", "https")
            service_path = ("hubs", name, "proxy", "service")
            if https.mode == "off" and hub.proxy.service.https_node_port is not None:
                yield NestedValueError((*service_path, "httpsNodePort"), "there is no HTTPS port with https.mode off")
            if https.mode == "offload" and hub.proxy.service.node_port is not None:
                yield NestedValueError(
                    (*service_path, "nodePort"),
                    "with offload there is no HTTP port on the Service (the load balancer serves HTTPS): "
                    "use httpsNodePort",
                )
            if https.mode == "off":
                if self.environment != "development":
                    yield NestedValueError(
                        (*path, "mode"),
                        "hubs outside development are served over HTTPS: "
                        "set mode: letsencrypt (automatic certificates), manual (your certificate) "
                        "or offload (the load balancer's)",
                    )
                continue
            if hub.host is None:
                yield NestedValueError(
                    ("hubs", name, "host"), f"HTTPS ({https.mode}) needs the host name the certificate is for"
                )
                continue
            if https.mode == "letsencrypt" and hub.proxy.service.type == "ClusterIP":
                yield NestedValueError(
                    (*path, "mode"),
                    "letsencrypt needs proxy.service.type LoadBalancer or NodePort: the ACME server "
                    "checks the host over HTTP from the internet",
                )
                continue
            if https.mode == "offload":
                try:
                    self._check_offload(name, hub)
                except NestedValueError as problem:
                    yield problem
                    continue
            callback = getattr(hub.hub.authenticator, "callback_url", None)
            if callback is not None and not callback.startswith("https://"):
                yield NestedValueError(
                    ("hubs", name, "hub", "authenticator", "callbackUrl"),
                    "the hub is served over HTTPS: the callback URL must start with https://",
                )
                continue
            expected = f"https://{hub.host}{hub.hub.base_url.rstrip('/')}/hub/oauth_callback"
            if callback is not None and callback.rstrip("/") != expected:
                yield NestedValueError(
                    ("hubs", name, "hub", "authenticator", "callbackUrl"),
                    f"the provider sends users back here after login, so it must be this hub's: {expected} "
                    "(its host and baseUrl); register the same URL with the provider",
                )

    def _check_offload(self, name: str, hub: JupyterHubConfig) -> None:
        https, service = hub.proxy.https, hub.proxy.service
        path = ("hubs", name, "proxy", "https")
        if isinstance(self.cluster, ExistingClusterConfig):
            raise NestedValueError(
                (*path, "mode"),
                "offload needs a cloud load balancer (EKS or GKE); on an existing cluster use letsencrypt or manual",
            )
        if service.type != "LoadBalancer":
            raise NestedValueError((*path, "mode"), "offload needs proxy.service.type: LoadBalancer")
        cloud = "eks" if isinstance(self.cluster, EksClusterConfig) else "gke"
        for key in OFFLOAD_ANNOTATIONS[cloud]:
            if key in service.annotations:
                raise NestedValueError(
                    ("hubs", name, "proxy", "service", "annotations", key),
                    "set by the stack for https.mode: offload (how the load balancer reaches the proxy "
                    "securely); remove it from the hub's annotations",
                )
        if isinstance(self.cluster, EksClusterConfig):
            if https.certificate_arn is None:
                raise NestedValueError(
                    (*path, "certificateArn"), "required with mode: offload on EKS (an ACM certificate)"
                )
            return
        # GKE: a global HTTPS load balancer in front of the proxy-public Service.
        if https.certificate_arn is not None:
            raise NestedValueError(
                (*path, "certificateArn"),
                "an ACM certificate is for EKS; GKE gets a Google-managed certificate for host",
            )
        service_path = ("hubs", name, "proxy", "service")
        if service.static_ip not in (None, "reserve"):
            raise NestedValueError(
                (*service_path, "staticIp"),
                "offload on GKE uses a global address: staticIp: reserve (or none for an ephemeral one)",
            )
        if service.node_port is not None:
            raise NestedValueError(
                (*service_path, "nodePort"), "offload on GKE reaches the proxy through an Ingress, not a node port"
            )

    def _hub_pools_fit_the_cluster(self) -> Iterator[NestedValueError]:
        cluster_pools = _cluster_user_pools(self.cluster)
        for name, hub in self.hubs.items():
            if hub.user_pool is not None and (name in cluster_pools or name == "core"):
                yield NestedValueError(
                    ("hubs", name, "userPool"), f"the cluster already has a pool named {name!r}, this hub's pool's name"
                )

    def _hubs_fit_the_cluster(self) -> Iterator[NestedValueError]:
        pools = cluster_with_hub_pools(self).node_pools()
        for name, hub in self.hubs.items():
            service = hub.proxy.service
            if service.static_ip == "reserve":
                if isinstance(self.cluster, ExistingClusterConfig):
                    yield NestedValueError(
                        ("hubs", name, "proxy", "service", "staticIp"),
                        "`reserve` needs a cloud cluster; on an existing cluster give the address",
                    )
                    continue
                if isinstance(self.cluster, EksClusterConfig):
                    yield NestedValueError(
                        ("hubs", name, "proxy", "service", "staticIp"),
                        "EKS load balancers have DNS names, not reserved addresses: set `host` and cluster.route53",
                    )
                    continue
                if service.type != "LoadBalancer":
                    yield NestedValueError(
                        ("hubs", name, "proxy", "service", "staticIp"), "a reserved address needs type: LoadBalancer"
                    )
                    continue
            dns = self.cluster.dns if isinstance(self.cluster, GkeClusterConfig) else None
            if dns is not None and hub.host is not None and service.static_ip != "reserve":
                yield NestedValueError(
                    ("hubs", name, "proxy", "service", "staticIp"),
                    f"cluster.dns publishes {hub.host}: reserve its address with staticIp: reserve",
                )
                continue
            if pools is not None:
                try:
                    _check_profiles_fit(name, hub, pools, user_node_selector(name, hub))
                except NestedValueError as problem:
                    yield problem

    def _volumes_fit_the_cloud(self) -> Iterator[NestedValueError]:
        if not isinstance(self.cluster, GkeClusterConfig | EksClusterConfig):
            return  # an existing cluster's storage is its own: its limits are unknown here
        storage = self.cluster.storage
        largest, said = storage.DISK_MAX
        for name, hub in self.hubs.items():
            volumes: list[tuple[tuple[str, ...], str, str | None]] = []
            if isinstance(hub.hub.database, SqlitePvcDatabase):
                database = hub.hub.database
                volumes.append((("hub", "database", "size"), database.size, database.storage_class))
            home = hub.singleuser.storage
            if home.type == "dynamic":
                volumes.append((("singleuser", "storage", "capacity"), home.capacity, home.storage_class))
            for path, size, storage_class in volumes:
                if storage_class in (None, storage.class_name) and quantity_value(size) > largest:
                    yield NestedValueError(
                        ("hubs", name, *path), f"{size} is larger than the cluster's volumes can be ({said})"
                    )

    def namespace_of(self, hub_name: str) -> str:
        """The namespace a hub lives in."""
        return self.hubs[hub_name].namespace or hub_name


def profile_pools(profile: Profile, pools: list[NodePoolFacts], hub_selector: dict[str, str]) -> list[NodePoolFacts]:
    """The user pools whose labels a profile's node selector (or the hub's own pool's) matches."""
    selector = profile.node_selector or hub_selector
    return [
        pool
        for pool in pools
        if pool.purpose == "user" and all(pool.labels.get(key) == value for key, value in selector.items())
    ]


def gpu_sharing(hub_name: str, hub: JupyterHubConfig, pools: list[NodePoolFacts] | None) -> dict[str, int]:
    """The profiles (by slug) whose GPU servers may share a GPU, with the most servers sharing one."""
    if pools is None:
        return {}
    shares = {}
    for profile in hub.singleuser.profiles:
        if GPU_RESOURCE not in profile.extra_resource_limits:
            continue
        gpu_pools = [pool for pool in profile_pools(profile, pools, user_node_selector(hub_name, hub)) if pool.gpus]
        most = max((pool.gpu_shared_by for pool in gpu_pools), default=1)
        if most > 1:
            shares[profile.effective_slug] = most
    return shares


def _check_profiles_fit(
    hub_name: str, hub: JupyterHubConfig, pools: list[NodePoolFacts], hub_selector: dict[str, str]
) -> None:
    """Every profile must have a user pool that can run it: GPUs where it asks for them, the labels of
    its node selector (or of the hub's own pool)."""
    user_pools = [pool for pool in pools if pool.purpose == "user"]
    for index, profile in enumerate(hub.singleuser.profiles):
        path = ("hubs", hub_name, "singleuser", "profiles", index)
        candidates = profile_pools(profile, pools, hub_selector)
        if not candidates:
            raise NestedValueError(
                (*path, "nodeSelector"),
                f"no user pool has these labels (pools: {', '.join(pool.name for pool in user_pools)})",
            )
        if GPU_RESOURCE in profile.extra_resource_limits:
            wanted = float(profile.extra_resource_limits[GPU_RESOURCE])
            whole = [pool for pool in candidates if pool.gpu_shared_by == 1 and pool.gpus >= wanted]
            shared = [pool for pool in candidates if pool.gpu_shared_by > 1 and pool.gpus]
            if whole or (shared and wanted == 1):
                continue
            if shared:
                raise NestedValueError(
                    (*path, "extraResourceLimits", GPU_RESOURCE),
                    f"asks for {wanted:g} GPUs on pools whose GPUs are shared ({', '.join(p.name for p in shared)}): "
                    "a server there gets one GPU's turns, so ask for 1 (more would not run faster)",
                )
            raise NestedValueError(
                (*path, "extraResourceLimits"),
                f"asks for {wanted:g} GPU(s) but no user pool "
                "it may run on has that many GPUs per node: add a pool with `gpu`",
            )


def _cluster_user_pools(cluster: ClusterConfig) -> set[str]:
    if isinstance(cluster, GkeClusterConfig):
        return set(cluster.user_pools)
    if isinstance(cluster, EksClusterConfig):
        return set(cluster.user_groups)
    return set()

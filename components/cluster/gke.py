"""A GKE Standard cluster from an empty project: VPC, NAT, cluster, node pools, node identity, disks, and
the Kubernetes provider every hub resource uses. Imported only for `cluster.kind: gke`."""

import pulumi
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s

from ..config.backups import HomeBackups
from ..config.gke import (
    ADDRESS_SUFFIX,
    CLIENTS_POLICY_SUFFIX,
    FILESTORE_SHARE,
    FILESTORE_SUFFIX,
    GkeClusterConfig,
    GkeNodePool,
    hub_gcp_name,
    node_service_account_id,
)
from ..config.node_pools import NodePoolFacts
from ..config.storage import Efs, Filestore
from ..storage.storage_class import (
    XFS_QUOTA_CLASS,
    declare_snapshot_class,
    declare_storage_class,
    xfs_quota_class,
    zonal_disk_class,
)
from .facts import CloudShare, ClusterFacts, ReservedAddress
from .kubeconfig import exec_kubeconfig

NODE_ROLES = (
    "roles/logging.logWriter",
    "roles/monitoring.metricWriter",
    "roles/monitoring.viewer",
    "roles/stackdriver.resourceMetadata.writer",
    "roles/artifactregistry.reader",
)
"""What GKE nodes need (logs, metrics, pulling images), instead of the default compute account's Editor."""

GKE_AUTH_PLUGIN = {
    "apiVersion": "client.authentication.k8s.io/v1beta1",
    "command": "gke-gcloud-auth-plugin",
    "installHint": "Install gke-gcloud-auth-plugin: gcloud components install gke-gcloud-auth-plugin",
    "provideClusterInfo": True,
}


class GkeCluster(pulumi.ComponentResource):
    """The cluster and everything under it that is not a hub."""

    facts: ClusterFacts

    def __init__(
        self, name: str, config: GkeClusterConfig, protect: bool, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("jupyterhub:cluster:GkeCluster", name, None, opts)
        self.config = config
        child = pulumi.ResourceOptions(parent=self)
        gcp_provider = gcp.Provider(f"{name}-gcp", project=config.project, region=config.region, opts=child)
        on_gcp = pulumi.ResourceOptions(parent=self, provider=gcp_provider)
        self._on_gcp = on_gcp
        self._protect_data = protect  # not `_protect`: a resource's own, which its children inherit
        self._snapshot_class: str | None = None
        self._xfs_quota_class: str | None = None
        self.load_balancing = GkeLoadBalancing(config, protect, on_gcp)

        self.network = network = gcp.compute.Network(
            f"{name}-vpc",
            name=f"{config.name}-vpc",
            auto_create_subnetworks=False,
            routing_mode="REGIONAL",
            opts=on_gcp,
        )
        subnet = gcp.compute.Subnetwork(
            f"{name}-subnet",
            name=f"{config.name}-nodes",
            network=network.id,
            region=config.region,
            ip_cidr_range=config.network.subnet_cidr,
            private_ip_google_access=True,
            secondary_ip_ranges=[
                {"range_name": "pods", "ip_cidr_range": config.network.pods_cidr},
                {"range_name": "services", "ip_cidr_range": config.network.services_cidr},
            ],
            opts=on_gcp,
        )
        if config.nat:
            router = gcp.compute.Router(
                f"{name}-router", name=f"{config.name}-router", network=network.id, region=config.region, opts=on_gcp
            )
            gcp.compute.RouterNat(
                f"{name}-nat",
                name=f"{config.name}-nat",
                router=router.name,
                region=config.region,
                nat_ip_allocate_option="AUTO_ONLY",
                source_subnetwork_ip_ranges_to_nat="ALL_SUBNETWORKS_ALL_IP_RANGES",
                log_config={"enable": True, "filter": "ERRORS_ONLY"},
                opts=on_gcp,
            )

        node_account = gcp.serviceaccount.Account(
            f"{name}-nodes",
            account_id=node_service_account_id(config.name),
            display_name=f"GKE nodes of {config.name}",
            opts=on_gcp,
        )
        for role in NODE_ROLES:
            gcp.projects.IAMMember(
                f"{name}-nodes-{role.split('/')[1]}",
                project=config.project,
                role=role,
                member=node_account.email.apply(lambda email: f"serviceAccount:{email}"),
                opts=on_gcp,
            )

        self.cluster = gcp.container.Cluster(
            f"{name}-cluster",
            name=config.name,
            location=config.location,
            network=network.id,
            subnetwork=subnet.id,
            remove_default_node_pool=True,
            initial_node_count=1,
            node_config={
                "service_account": node_account.email,
                "oauth_scopes": ["https://www.googleapis.com/auth/cloud-platform"],
            },
            deletion_protection=config.deletion_protection,
            datapath_provider="ADVANCED_DATAPATH",  # Dataplane V2: NetworkPolicies are enforced
            ip_allocation_policy={"cluster_secondary_range_name": "pods", "services_secondary_range_name": "services"},
            workload_identity_config={"workload_pool": f"{config.project}.svc.id.goog"},
            release_channel={"channel": config.release_channel or "UNSPECIFIED"},
            min_master_version=config.kubernetes_version,
            maintenance_policy={"daily_maintenance_window": {"start_time": config.maintenance_start}},
            logging_config={"enable_components": ["SYSTEM_COMPONENTS", "WORKLOADS"]},
            monitoring_config={"enable_components": ["SYSTEM_COMPONENTS"], "managed_prometheus": {"enabled": True}},
            addons_config={
                "gce_persistent_disk_csi_driver_config": {"enabled": True},
                "http_load_balancing": {"disabled": False},
            },
            private_cluster_config={
                "enable_private_nodes": config.private_nodes,
                "enable_private_endpoint": config.private_endpoint,
                "master_ipv4_cidr_block": config.network.control_plane_cidr if config.private_nodes else None,
            },
            # Only the listed networks reach the API (not even Google Cloud's public addresses), unless
            # the stack opted in to every address.
            master_authorized_networks_config=None
            if config.api_from_any_address and not config.authorized_networks
            else {
                "cidr_blocks": [
                    {"cidr_block": network_.cidr, "display_name": network_.name}
                    for network_ in config.authorized_networks
                ],
                "gcp_public_cidrs_access_enabled": False,
            },
            # The default pool only exists while the cluster is created; changes to it must not replace the cluster.
            opts=pulumi.ResourceOptions.merge(
                on_gcp, pulumi.ResourceOptions(protect=protect, ignore_changes=["nodeConfig", "initialNodeCount"])
            ),
        )

        pools = {facts.name: facts for facts in config.node_pools()}
        settings: dict[str, GkeNodePool] = {"core": config.core_pool, **config.user_pools}
        self.node_pools = {
            pool_name: self._node_pool(name, pool_name, settings[pool_name], pools[pool_name], node_account.email)
            for pool_name in settings
        }

        kubeconfig = pulumi.Output.all(self.cluster.endpoint, self.cluster.master_auth).apply(
            lambda args: exec_kubeconfig(
                f"gke_{config.project}_{config.location}_{config.name}",
                args[0],
                args[1]["cluster_ca_certificate"],
                GKE_AUTH_PLUGIN,
            )
        )
        self.kubeconfig = pulumi.Output.secret(kubeconfig)
        provider = k8s.Provider(f"{name}-kubernetes", kubeconfig=self.kubeconfig, opts=child)
        storage = declare_storage_class(
            f"{name}-storage-class",
            config.storage.class_name,
            zonal_disk_class(
                "pd.csi.storage.gke.io", {"type": config.storage.disk_type}, config.storage.reclaim_policy
            ),
            pulumi.ResourceOptions(parent=self, provider=provider),
        )
        self.facts = ClusterFacts(
            provider=provider,
            node_purpose="require",
            storage_class=config.storage.class_name,
            ready=[storage, self.node_pools["core"]],
            https_offload="ingress",
        )
        self.register_outputs({"name": self.cluster.name, "location": config.location})

    def _node_pool(
        self, name: str, pool_name: str, pool: GkeNodePool, facts: NodePoolFacts, account: pulumi.Output[str]
    ) -> gcp.container.NodePool:
        node_config: gcp.container.NodePoolNodeConfigArgsDict = {
            "machine_type": pool.machine_type,
            "disk_type": pool.disk_type,
            "disk_size_gb": pool.disk_size_gb,
            "spot": pool.spot,
            "labels": {key: value for key, value in facts.labels.items() if not key.startswith("cloud.google.com/")},
            "taints": [{"key": t["key"], "value": t["value"], "effect": "NO_SCHEDULE"} for t in facts.taints],
            "service_account": account,
            "oauth_scopes": ["https://www.googleapis.com/auth/cloud-platform"],
            "workload_metadata_config": {"mode": "GKE_METADATA"},  # pods see Workload Identity, not the node's
            "shielded_instance_config": {"enable_secure_boot": True, "enable_integrity_monitoring": True},
        }
        if pool.gpu is not None:
            accelerator: gcp.container.NodePoolNodeConfigGuestAcceleratorArgsDict = {
                "type": pool.gpu.type,
                "count": pool.gpu.count,
                "gpu_driver_installation_config": {"gpu_driver_version": pool.gpu.driver_version},
            }
            if pool.gpu.shared_by > 1:
                accelerator["gpu_sharing_config"] = {
                    "gpu_sharing_strategy": "TIME_SHARING",
                    "max_shared_clients_per_gpu": pool.gpu.shared_by,
                }
            node_config["guest_accelerators"] = [accelerator]
        return gcp.container.NodePool(
            f"{name}-pool-{pool_name}",
            name=pool_name,
            cluster=self.cluster.id,
            location=self.config.location,
            autoscaling={"min_node_count": pool.min_nodes, "max_node_count": pool.max_nodes},
            management={"auto_repair": True, "auto_upgrade": True},
            upgrade_settings={"max_surge": 1, "max_unavailable": 0},
            node_config=node_config,
            opts=pulumi.ResourceOptions.merge(self._on_gcp, pulumi.ResourceOptions(ignore_changes=["nodeCount"])),
        )

    def shared_filesystem(
        self, hub_name: str, storage: Filestore | Efs, uid: int, gid: int, backups: HomeBackups | None
    ) -> CloudShare:
        """A Filestore instance in the cluster's network for one hub: only the nodes' subnet mounts it (pods
        have addresses of their own range), and root on a node is the servers' user there."""
        assert isinstance(storage, Filestore)  # noqa: S101 - validated: GKE clusters have Filestore
        config = self.config
        instance = gcp.filestore.Instance(
            f"{hub_name}-filestore",
            name=hub_gcp_name(config.name, hub_name, FILESTORE_SUFFIX),
            location=storage.zone or config.location,
            tier=storage.tier,
            file_shares={
                "name": FILESTORE_SHARE,
                "capacity_gb": storage.capacity_gb,
                "nfs_export_options": [
                    {
                        "ip_ranges": [config.network.subnet_cidr],
                        "access_mode": "READ_WRITE",
                        "squash_mode": "ROOT_SQUASH",
                        "anon_uid": uid,
                        "anon_gid": gid,
                    }
                ],
            },
            networks=[{"network": self.network.name, "modes": ["MODE_IPV4"], "connect_mode": "DIRECT_PEERING"}],
            # Every home of the hub is here: never deleted or replaced by accident.
            opts=pulumi.ResourceOptions.merge(self._on_gcp, pulumi.ResourceOptions(protect=self._protect_data)),
        )
        address = instance.networks.apply(lambda networks: networks[0]["ip_addresses"][0])
        return CloudShare(
            source={"nfs": {"server": address, "path": f"/{FILESTORE_SHARE}"}},
            mount_options=("nfsvers=3", "hard", "noresvport"),
            capacity=f"{storage.capacity_gb}Gi",
        )

    def xfs_quota_class(self) -> str | None:
        """Persistent disks of the stack's type, formatted XFS and mounted with project quotas."""
        if self._xfs_quota_class is None:
            declare_storage_class(
                "cluster-xfs-quota-class",
                XFS_QUOTA_CLASS,
                xfs_quota_class("pd.csi.storage.gke.io", {"type": self.config.storage.disk_type}),
                pulumi.ResourceOptions(parent=self, provider=self.facts.provider),
            )
            self._xfs_quota_class = XFS_QUOTA_CLASS
        return self._xfs_quota_class

    def snapshot_class(self) -> str | None:
        """The persistent disk CSI driver's VolumeSnapshotClass (GKE runs the snapshot controller)."""
        if self._snapshot_class is None:
            self._snapshot_class = declare_snapshot_class(
                "cluster-snapshot-class",
                "pd.csi.storage.gke.io",
                pulumi.ResourceOptions(parent=self, provider=self.facts.provider),
            )
        return self._snapshot_class

    def publish_host(self, hub_name: str, host: str, address: pulumi.Input[str]) -> None:
        """An A record for a hub's host name in the configured Cloud DNS zone."""
        dns = self.config.dns
        if dns is None:
            return
        gcp.dns.RecordSet(
            f"{hub_name}-host",
            managed_zone=dns.managed_zone,
            project=dns.project or self.config.project,
            name=f"{host}.",
            type="A",
            ttl=300,
            rrdatas=[address],
            opts=self._on_gcp,
        )

    def outputs(self) -> dict[str, pulumi.Input[object]]:
        """What the stack exports about the cluster."""
        return {
            "clusterName": self.cluster.name,
            "location": self.config.location,
            "kubeconfig": self.kubeconfig,
            "nodePools": sorted(self.node_pools),
        }


class GkeLoadBalancing:
    """Reserved addresses and Cloud Armor allow-lists for hubs' load balancers, in the cluster's project."""

    def __init__(self, config: GkeClusterConfig, protect: bool, on_gcp: pulumi.ResourceOptions) -> None:
        self._config = config
        self._protect_data = protect
        self._on_gcp = on_gcp

    def reserve_address(self, hub_name: str, global_address: bool = False) -> ReservedAddress:
        """An external address for a hub, kept across re-creations of what uses it: regional for the
        proxy-public load balancer, global for the HTTPS load balancer of `offload` (a GKE Ingress)."""
        protected = pulumi.ResourceOptions.merge(self._on_gcp, pulumi.ResourceOptions(protect=self._protect_data))
        name = hub_gcp_name(self._config.name, hub_name, ADDRESS_SUFFIX)
        if global_address:
            address = gcp.compute.GlobalAddress(
                f"{hub_name}-ingress-ip", name=name, address_type="EXTERNAL", ip_version="IPV4", opts=protected
            )
        else:
            address = gcp.compute.Address(
                f"{hub_name}-proxy-public-ip",
                name=name,
                region=self._config.region,
                address_type="EXTERNAL",
                network_tier="PREMIUM",
                opts=protected,
            )
        return ReservedAddress(name=address.name, ip=address.address)

    def client_allow_list(self, hub_name: str, cidrs: list[str]) -> pulumi.Output[str]:
        """A Cloud Armor policy that admits only `cidrs` (others get 403), for a hub behind the HTTPS load
        balancer of `offload`, where Service source ranges do not apply. Returns its name."""
        per_rule = 10  # Cloud Armor's limit of source ranges in one basic rule
        rules: list[gcp.compute.SecurityPolicyRuleArgsDict] = [
            {
                "action": "allow",
                "priority": 1000 + index,
                "description": "allowed client networks",
                "match": {"versioned_expr": "SRC_IPS_V1", "config": {"src_ip_ranges": cidrs[start : start + per_rule]}},
            }
            for index, start in enumerate(range(0, len(cidrs), per_rule))
        ]
        rules.append(
            {
                "action": "deny(403)",
                "priority": 2147483647,
                "description": "everyone else",
                "match": {"versioned_expr": "SRC_IPS_V1", "config": {"src_ip_ranges": ["*"]}},
            }
        )
        policy = gcp.compute.SecurityPolicy(
            f"{hub_name}-clients",
            name=hub_gcp_name(self._config.name, hub_name, CLIENTS_POLICY_SUFFIX),
            description=f"Client networks allowed to reach hub {hub_name}",
            rules=rules,
            opts=self._on_gcp,
        )
        return policy.name
